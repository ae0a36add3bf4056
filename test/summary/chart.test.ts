// The summary chart: a real PNG (decoded with pngjs) whose bars are as long as the data says, coloured by state,
// with the 100 % line, and Vietnamese labels drawn (not tofu boxes: the labels take ink).
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { CHART_LAYOUT, CHART_WIDTH, chartX, COLOURS, renderChart, type ChartBar } from "../../src/summary/chart.ts";

function decode(buf: Buffer) {
  return PNG.sync.read(buf);
}

function pixel(png: PNG, x: number, y: number): [number, number, number] {
  const i = (png.width * Math.round(y) + Math.round(x)) * 4;
  return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
}

const hex = (c: string): [number, number, number] => [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
const near = (a: [number, number, number], b: [number, number, number]) => a.every((v, i) => Math.abs(v - b[i]!) <= 24);

/** The x where the bar of row `i` ends: the last pixel of the bar's colour on its middle line. */
function barEnd(png: PNG, i: number): number {
  const y = CHART_LAYOUT.TOP + i * 34 + 17;
  let end = -1;
  for (let x = CHART_LAYOUT.LEFT; x < png.width; x++) {
    const [r, g, b] = pixel(png, x, y);
    const coloured = Object.values(COLOURS).slice(0, 3).some((c) => near([r, g, b], hex(c)));
    if (coloured) end = x;
  }
  return end;
}

const bars: ChartBar[] = [
  { label: "Phường Đoàn Kết", percent: 120, behind: false, value: "72 / 60 · 120 %" },
  { label: "Xã Phong Thổ", percent: 60, behind: true, value: "12 / 20 · 60 %" },
  { label: "Ngành Y tế tỉnh Lai Châu", percent: 90, behind: false, value: "1.234 / 1.371 · 90 %" },
  { label: "Xã Sìn Hồ", percent: null, behind: false, value: "thực tăng 0 · chưa giao chỉ tiêu" },
];

describe("renderChart", () => {
  const png = decode(renderChart({ title: "% chỉ tiêu thực tăng – Lai Châu", subtitle: "Tháng cao điểm 2026", bars }));

  it("is a PNG of the chart's width and a height that grows with the units", () => {
    expect(png.width).toBe(CHART_WIDTH);
    expect(png.height).toBeGreaterThan(200);
    const more = decode(renderChart({ title: "t", subtitle: "s", bars: [...bars, ...bars, ...bars] }));
    expect(more.height).toBeGreaterThan(png.height);
  });

  it("draws each bar to its percentage, coloured: met green, behind red, on pace blue; none without a target", () => {
    for (const [i, bar] of bars.entries()) {
      const end = barEnd(png, i);
      if (bar.percent === null) {
        expect(end).toBe(-1);
        continue;
      }
      expect(Math.abs(end - chartX(bars, bar.percent))).toBeLessThanOrEqual(3);
    }
    expect(barEnd(png, 0)).toBeGreaterThan(barEnd(png, 2));
    expect(barEnd(png, 2)).toBeGreaterThan(barEnd(png, 1));
    const mid = (i: number) => pixel(png, CHART_LAYOUT.LEFT + 10, CHART_LAYOUT.TOP + i * 34 + 17);
    expect(near(mid(0), hex(COLOURS.met))).toBe(true);
    expect(near(mid(1), hex(COLOURS.behind))).toBe(true);
    expect(near(mid(2), hex(COLOURS.onPace))).toBe(true);
  });

  it("draws the 100 % line across the rows", () => {
    const x = Math.round(chartX(bars, 100));
    // In the row of the unit without a target (no bar there), the line's dark dashes are visible.
    const y0 = CHART_LAYOUT.TOP + 3 * 34;
    let dark = 0;
    for (let y = y0; y < y0 + 34; y++) if (pixel(png, x, y).every((v) => v < 80)) dark++;
    expect(dark).toBeGreaterThan(8);
  });

  it("writes the labels: the label column has ink in every row", () => {
    for (let i = 0; i < bars.length; i++) {
      let ink = 0;
      for (let x = 20; x < CHART_LAYOUT.LEFT - 10; x++) {
        for (let y = CHART_LAYOUT.TOP + i * 34 + 6; y < CHART_LAYOUT.TOP + i * 34 + 28; y++) if (pixel(png, x, y)[0] < 128) ink++;
      }
      expect(ink).toBeGreaterThan(50);
    }
  });

  it("changes with the data: different percentages give different pictures", () => {
    const other = decode(renderChart({ title: "% chỉ tiêu thực tăng – Lai Châu", subtitle: "Tháng cao điểm 2026", bars: bars.map((b) => ({ ...b, percent: b.percent === null ? null : b.percent / 2 })) }));
    expect(barEnd(other, 1)).toBeLessThan(barEnd(png, 1));
  });
});
