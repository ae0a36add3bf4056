// Join posters: the deep link, the QR code (decoded back to the link) and the A4 PDF (read back: one A4
// page, the Vietnamese font embedded, the union's name and the link printed in Vietnamese).
import { describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { A4, joinLink, posterPdf, QR_MIN_PIXELS, qrPng } from "../../src/organisation/posters.ts";
import { decodeQr, readPdf } from "../support/pdf.ts";

const vi = tFor("vi");

describe("joinLink", () => {
  it("is the bot's /start deep link with the unit code as payload", () => {
    expect(joinLink("congdoan_bot", "LC-DK-CSLC")).toBe("https://t.me/congdoan_bot?start=LC-DK-CSLC");
    expect(joinLink("@congdoan_bot", "LC_01")).toBe("https://t.me/congdoan_bot?start=LC_01");
  });

  it.each(["LC DK", "LC/DK", "Công-đoàn", "", "X".repeat(65)])("refuses a code Telegram cannot carry: %j", (code) => {
    expect(() => joinLink("congdoan_bot", code)).toThrow();
  });

  it("refuses a malformed bot username", () => {
    expect(() => joinLink("bad name", "LC")).toThrow();
  });
});

describe("qrPng", () => {
  it.each(["LC-DK-CSLC", "A", "X".repeat(64)])("is a PNG large enough to print that scans back to the link (%s)", async (code) => {
    const link = joinLink("congdoan_bot", code);
    const png = await qrPng(link);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const decoded = decodeQr(png);
    expect(decoded?.text).toBe(link);
    expect(QR_MIN_PIXELS).toBeGreaterThanOrEqual(1000);
    expect(decoded?.width).toBeGreaterThanOrEqual(QR_MIN_PIXELS);
    expect(decoded?.height).toBe(decoded?.width);
  });
});

describe("posterPdf", () => {
  const unitName = "Công đoàn Công ty Cổ phần Xây dựng Giao thông Lai Châu";
  const parentName = "Công đoàn phường Đoàn Kết";
  const link = joinLink("congdoan_bot", "LC-DK-XDGT");

  it("is one A4 portrait page in Vietnamese, with the union, the QR code, the link and an embedded font", async () => {
    const pdf = await posterPdf({ unitName, parentName, link, qr: await qrPng(link) });
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(pdf.length).toBeLessThan(500_000);
    const read = readPdf(pdf);
    expect(read.pages).toHaveLength(1);
    expect(read.pages[0]?.mediaBox).toEqual([0, 0, A4.width, A4.height]);
    expect(read.embeddedFonts.some((f) => f.endsWith("BeVietnamPro-Regular"))).toBe(true);
    expect(read.embeddedFonts.some((f) => f.endsWith("BeVietnamPro-Bold"))).toBe(true);
    expect(pdf.toString("latin1")).toMatch(/\/Subtype \/Image/);

    const text = read.text.join(" ").replace(/\s+/g, " ");
    expect(text).not.toContain("\uFFFD");
    for (const expected of [
      vi("posters.pdf.title"),
      unitName,
      vi("posters.pdf.parent", { parent: parentName }),
      link,
      vi("posters.pdf.step1"),
      vi("posters.pdf.step2"),
      vi("posters.pdf.step3"),
      vi("posters.pdf.benefit1"),
      vi("posters.pdf.footer"),
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).toContain("GIA NHẬP CÔNG ĐOÀN VIỆT NAM");
  });

  it("fits a very long union name and leaves out the parent line when there is none", async () => {
    const long = `Công đoàn ${"Tổng công ty Điện lực Miền Bắc ".repeat(3).trim()}`;
    const pdf = await posterPdf({ unitName: long, link, qr: await qrPng(link) });
    const read = readPdf(pdf);
    expect(read.pages).toHaveLength(1);
    const text = read.text.join(" ").replace(/\s+/g, " ");
    expect(text).toContain(long);
    expect(text).not.toContain(vi("posters.pdf.parent", { parent: "" }).trim());
  });

  it("names the channels the bot is on: Telegram alone, or Telegram and Zalo with what to send the Zalo bot", async () => {
    const telegramOnly = readPdf(await posterPdf({ unitName, parentName, link, qr: await qrPng(link) })).text.join(" ").replace(/\s+/g, " ");
    expect(telegramOnly).toContain(vi("posters.pdf.channels"));
    expect(telegramOnly).not.toContain("Zalo");

    const zalo = { botName: "bot.CongDoanLaiChau", unitCode: "LC-DK-XDGT" };
    const both = readPdf(await posterPdf({ unitName, parentName, link, qr: await qrPng(link), zalo })).text.join(" ").replace(/\s+/g, " ");
    expect(both).toContain(vi("posters.pdf.channels_zalo"));
    expect(both).toContain(vi("posters.pdf.zalo", { name: "bot.CongDoanLaiChau" }));
    // The command in one piece (a union's code broken at its hyphens could not be typed back).
    expect(both).toContain(vi("posters.pdf.zalo_command", { code: "LC-DK-XDGT" }));
    expect(both).toContain("/start LC-DK-XDGT");
    // Still one page, with the QR code and the link for Telegram.
    expect(both).toContain(link);

    const unnamed = readPdf(await posterPdf({ unitName, parentName, link, qr: await qrPng(link), zalo: { botName: null, unitCode: "LC-DK-XDGT" } }));
    expect(unnamed.pages).toHaveLength(1);
    expect(unnamed.text.join(" ").replace(/\s+/g, " ")).toContain(`${vi("posters.pdf.zalo_unnamed")} /start LC-DK-XDGT`);
  });
});
