// Unit names where space is short, and the chart's heading: short names drop what every union shares; a name too long
// is cut where it does not make two units look alike (the old chart cut every long name at its end, so "… Nậm Na 2"
// and "… Nậm Na 3" both read "Công đoàn Công ty Cổ ph…"); the title and subtitle are wrapped or shrunk to the
// picture's width, never cut (measured with the chart's own font).
import { describe, expect, it } from "vitest";
import { CHART_LAYOUT, layoutChart, TEXT_WIDTH } from "../../src/summary/chart.ts";
import { fitBlock, measureText } from "../../src/shared/canvas.ts";
import { charCount, fitLabels, shortUnitName, shortUnitNames } from "../../src/summary/labels.ts";
import { LAI_CHAU_DEMO } from "../../src/organisation/demo/lai-chau.ts";

const name = (code: string) => LAI_CHAU_DEMO.find((u) => u.code === code)!.name;

describe("shortUnitName", () => {
  it("drops the shared 'Công đoàn' and abbreviates the usual words", () => {
    expect(shortUnitName(name("LC-PT-NN2"))).toBe("CTCP Thủy điện Nậm Na 2");
    expect(shortUnitName(name("LC-DK"))).toBe("Phường Đoàn Kết");
    expect(shortUnitName(name("LC"))).toBe("LĐLĐ tỉnh Lai Châu");
    expect(shortUnitName(name("LC-TP-XOM"))).toBe("NĐCS xe ôm công nghệ phường Tân Phong");
    expect(shortUnitName("Công đoàn")).toBe("Công đoàn");
  });

  it("keeps every demo unit distinct", () => {
    const short = shortUnitNames(LAI_CHAU_DEMO.map((u) => u.name));
    expect(new Set(short).size).toBe(LAI_CHAU_DEMO.length);
  });

  it("falls back to the full names when two short names would read the same", () => {
    expect(shortUnitNames(["Công đoàn cơ sở Chè Tân Uyên", "Công đoàn Chè Tân Uyên", "Công đoàn xã Sìn Hồ"])).toEqual([
      "Công đoàn cơ sở Chè Tân Uyên",
      "Công đoàn Chè Tân Uyên",
      "Xã Sìn Hồ",
    ]);
  });
});

describe("fitLabels", () => {
  const within = (n: number) => (s: string) => charCount(s) <= n;

  it("keeps two long names that share their beginning distinct, and each within the width", () => {
    const labels = [
      "Công đoàn Công ty Trách nhiệm hữu hạn Một thành viên Xây dựng Lai Châu số 1",
      "Công đoàn Công ty Trách nhiệm hữu hạn Một thành viên Xây dựng Lai Châu số 2",
      "Công đoàn Công ty Cổ phần Thủy điện Nậm Na 2",
      "Công đoàn Công ty Cổ phần Thủy điện Nậm Na 3",
    ];
    for (const width of [12, 20, 29, 40]) {
      const fitted = fitLabels(labels, within(width));
      expect(new Set(fitted).size, `width ${width}: ${fitted.join(" | ")}`).toBe(labels.length);
      for (const f of fitted) expect(charCount(f)).toBeLessThanOrEqual(width);
    }
    const [one, two, na2, na3] = fitLabels(labels, within(29));
    expect(one).toMatch(/số 1$/);
    expect(two).toMatch(/số 2$/);
    expect(na2).toMatch(/Na 2$/);
    expect(na3).toMatch(/Na 3$/);
  });

  it("cuts at the end after whole words when the beginning already tells them apart, and leaves short names alone", () => {
    const [a, b, c] = fitLabels(["Trường Phổ thông Dân tộc Nội trú tỉnh Lai Châu", "Trường THPT Chuyên Lê Quý Đôn", "Xã Sìn Hồ"], within(30));
    expect(a).toBe("Trường Phổ thông Dân tộc Nội…");
    expect(b).toBe("Trường THPT Chuyên Lê Quý Đôn");
    expect(c).toBe("Xã Sìn Hồ");
  });

  it("keeps the demo's long names distinct at the chart's label width (measured in its font)", () => {
    const labels = shortUnitNames(LAI_CHAU_DEMO.map((u) => u.name));
    const fitted = layoutChart({ title: "t", subtitle: "s", bars: labels.slice(0, 30).map((label) => ({ label, percent: 50, behind: false, value: "1 / 2 · 50 %" })) }).labels;
    expect(new Set(fitted).size).toBe(fitted.length);
    for (const f of fitted) expect(measureText(f, "15px 'Be Vietnam Pro'")).toBeLessThanOrEqual(CHART_LAYOUT.LABEL_WIDTH);
  });
});

describe("the chart's heading", () => {
  const long =
    "Tháng cao điểm phát triển đoàn viên, thành lập CĐCS năm 2026 (01/05/2026–31/07/2026) · mỗi cột: thực tăng / chỉ tiêu · % chỉ tiêu; đường đứt nét: 100 % chỉ tiêu";

  it("wraps a long subtitle into lines that fit the width, losing no word", () => {
    const block = fitBlock(long, TEXT_WIDTH, { bold: false, max: 16, min: 14, wrap: 15 });
    expect(block.lines.length).toBeGreaterThan(1);
    expect(block.lines.join(" ")).toBe(long);
    for (const line of block.lines) expect(measureText(line, block.font)).toBeLessThanOrEqual(TEXT_WIDTH);
  });

  it("keeps a title that fits on one line at full size, and shrinks or wraps a longer one without cutting it", () => {
    expect(fitBlock("Thực tăng so với chỉ tiêu – Lai Châu", TEXT_WIDTH, { bold: true, max: 24, min: 20, wrap: 22 })).toMatchObject({ size: 24, lines: ["Thực tăng so với chỉ tiêu – Lai Châu"] });
    const title = `Thực tăng so với chỉ tiêu – ${name("LC-GD-DTNT")} và ${name("LC-DK-XDGT")}`;
    const layout = layoutChart({ title, subtitle: long, bars: [] });
    expect(layout.title.lines.join(" ")).toBe(title);
    expect(layout.subtitle.lines.join(" ")).toBe(long);
    for (const block of [layout.title, layout.subtitle]) for (const line of block.lines) expect(measureText(line, block.font)).toBeLessThanOrEqual(TEXT_WIDTH);
    // The bars start below the heading, however many lines it takes.
    expect(layout.top).toBeGreaterThan(CHART_LAYOUT.TOP);
  });
});
