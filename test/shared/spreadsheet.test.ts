import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { MAX_FILE_BYTES, MAX_ROWS, SpreadsheetError, neutraliseFormula, parseCsv, readSheet, writeCsv, writeXlsx } from "../../src/shared/spreadsheet.ts";

const COLUMNS = { code: ["Mã đơn vị", "code"], name: ["Tên đơn vị", "name"], date: ["Ngày số liệu"], count: ["Số lao động"] };
const SHEET_COLUMNS = [
  { header: "Mã đơn vị", key: "code" },
  { header: "Tên đơn vị", key: "name" },
  { header: "Ngày số liệu", key: "date" },
  { header: "Số lao động", key: "count" },
];
const ROWS = [
  { code: "LC-01", name: "Công đoàn cơ sở Điện lực Lai Châu", date: new Date(Date.UTC(2025, 6, 1)), count: 120 },
  { code: "LC-02", name: "Nghiệp đoàn \"Xe ôm\", Phường Đoàn Kết; thợ", date: null, count: 0 },
  { code: "LC-03", name: "=HYPERLINK(\"http://evil\")", date: undefined, count: 1234567890123 },
];
const EXPECTED = [
  { line: 2, cells: { code: "LC-01", name: "Công đoàn cơ sở Điện lực Lai Châu", date: "01/07/2025", count: "120" } },
  { line: 3, cells: { code: "LC-02", name: "Nghiệp đoàn \"Xe ôm\", Phường Đoàn Kết; thợ", date: "", count: "0" } },
  { line: 4, cells: { code: "LC-03", name: "=HYPERLINK(\"http://evil\")", date: "", count: "1234567890123" } },
];

async function errorOf(p: Promise<unknown>): Promise<SpreadsheetError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SpreadsheetError);
  return e as SpreadsheetError;
}

describe("neutraliseFormula", () => {
  it.each(["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])("prefixes %j", (v) => expect(neutraliseFormula(v)).toBe(`'${v}`));
  it.each(["Công đoàn", "1-2", "", "a=b"])("leaves %j", (v) => expect(neutraliseFormula(v)).toBe(v));
});

describe("XLSX", () => {
  it("round-trips Vietnamese text, dates and numbers; formulas are written as text", async () => {
    const buf = await writeXlsx([{ name: "Đơn vị", columns: SHEET_COLUMNS, rows: ROWS }]);
    const read = await readSheet(buf, "units.xlsx", COLUMNS);
    expect(read).toEqual({ rows: EXPECTED, missingColumns: [] });

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as unknown as ExcelJS.Buffer);
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe("Đơn vị");
    expect(ws.getRow(1).font?.bold).toBe(true);
    expect(ws.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
    expect(ws.getCell("C2").value).toBeInstanceOf(Date);
    expect(ws.getCell("C2").numFmt).toBe("dd/mm/yyyy");
    expect(ws.getCell("B4").value).toBe("'=HYPERLINK(\"http://evil\")");
    expect(ws.getCell("B4").formula).toBeUndefined();
  });

  it("reads the first sheet with lenient headers, skips blank rows, gives spreadsheet line numbers", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("A");
    wb.addWorksheet("B").addRow(["ignored"]);
    ws.addRow(["MA DON VI", "  tên   ĐƠN vị (*) ", "Other"]);
    ws.addRow(["X1", "Một"]);
    ws.addRow([]);
    ws.addRow([null, null, "only an unknown column"]);
    ws.addRow([{ richText: [{ text: "X" }, { text: "2" }] }, { formula: "1+1", result: 2 }]);
    ws.getCell("A6").value = 7;
    ws.getCell("B6").value = "  Hai  dòng \n";
    const buf = Buffer.from((await wb.xlsx.writeBuffer()) as unknown as ArrayBuffer);
    const read = await readSheet(buf, "Đơn Vị.XLSX", COLUMNS);
    expect(read.missingColumns).toEqual(["date", "count"]);
    expect(read.rows).toEqual([
      { line: 2, cells: { code: "X1", name: "Một", date: "", count: "" } },
      { line: 5, cells: { code: "X2", name: "2", date: "", count: "" } },
      { line: 6, cells: { code: "7", name: "Hai dòng", date: "", count: "" } },
    ]);
  });
});

describe("workbooks the bot wrote itself", () => {
  // exceljs's streaming reader fails on some of its own writer's workbooks (most with several sheets): a file a
  // person got from /mydata or an export and sends back must still read.
  it("reads back the first sheet of a many-sheet workbook every time", async () => {
    const sheets = Array.from({ length: 9 }, (_, i) => ({ name: `Trang ${i + 1}`, columns: [{ header: "Mã", key: "a" }, { header: "Tên", key: "b" }], rows: [{ a: `M${i}`, b: "Lò Thị Mai" }] }));
    for (let i = 0; i < 15; i++) {
      const read = await readSheet(await writeXlsx(sheets), "du-lieu.xlsx", { a: ["Mã"], b: ["Tên"] });
      expect(read.rows.map((r) => r.cells)).toEqual([{ a: "M0", b: "Lò Thị Mai" }]);
    }
  });
});

describe("reading leaves nothing on disk", () => {
  // Excel, like exceljs, writes the shared strings after the sheets. Read as they come, the sheets would have to wait in
  // temporary files, and a read that stops at the first sheet, or at too many rows, would leave people's names there.
  it("reads a workbook whose sheets come before their strings without a temporary file, also when it stops early", async () => {
    const columns = [{ header: "Mã", key: "a" }, { header: "Tên", key: "b" }];
    const twoSheets = await writeXlsx([
      { name: "Đoàn viên", columns, rows: [{ a: "M1", b: "Lò Thị Mai" }] },
      { name: "Ghi chú", columns, rows: [{ a: "M2", b: "Tòng Văn Khánh" }] },
    ]);
    const tooMany = await writeXlsx([{ name: "DS", columns, rows: Array.from({ length: MAX_ROWS + 1 }, (_, i) => ({ a: `M${i}`, b: "Lò Thị Mai" })) }]);
    const scratch = await mkdtemp(join(tmpdir(), "congdoan-xlsx-"));
    const before = process.env.TMPDIR;
    process.env.TMPDIR = scratch;
    try {
      const read = await readSheet(twoSheets, "doan-vien.xlsx", { a: ["Mã"], b: ["Tên"] });
      expect(read.rows.map((r) => r.cells)).toEqual([{ a: "M1", b: "Lò Thị Mai" }]);
      expect((await errorOf(readSheet(tooMany, "doan-vien.xlsx", { a: ["Mã"], b: ["Tên"] }))).key).toBe("spreadsheet.errors.tooManyRows");
      expect(await readdir(scratch)).toEqual([]);
    } finally {
      // Assigning undefined would set the text "undefined".
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

describe("CSV", () => {
  it("round-trips with BOM, CRLF, quoting and neutralised formulas", async () => {
    const buf = writeCsv(SHEET_COLUMNS, ROWS);
    expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = buf.toString("utf8");
    expect(text).toContain("\r\n");
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(await readSheet(buf, "units.csv", COLUMNS)).toEqual({ rows: EXPECTED, missingColumns: [] });
  });

  it("reads semicolon-separated files without BOM, with quoted line breaks and blank lines", async () => {
    const csv = 'ma don vi;Tên đơn vị;Số lao động\nA1;"Công đoàn; ""Tân Uyên""";12\n\n;;\nA2;"Dòng\nhai";3\n';
    const read = await readSheet(Buffer.from(csv, "utf8"), "x.csv", COLUMNS);
    expect(read.missingColumns).toEqual(["date"]);
    expect(read.rows).toEqual([
      { line: 2, cells: { code: "A1", name: 'Công đoàn; "Tân Uyên"', date: "", count: "12" } },
      { line: 5, cells: { code: "A2", name: "Dòng hai", date: "", count: "3" } },
    ]);
  });

  it("parses RFC 4180 records", () => {
    expect(parseCsv('a,"b,c"\r\n"d""e",\r\n', ",")).toEqual([
      ["a", "b,c"],
      ['d"e', ""],
    ]);
    expect(parseCsv("a\tb\nc\td")).toEqual([
      ["a", "b"],
      ["c", "d"],
    ]);
  });
});

describe("unreadable files", () => {
  it("rejects other formats, corrupt xlsx, non-UTF-8 CSV, empty and too large files", async () => {
    expect((await errorOf(readSheet(Buffer.from("x"), "units.pdf", COLUMNS))).key).toBe("spreadsheet.errors.unsupported");
    expect((await errorOf(readSheet(Buffer.from("not a zip at all"), "units.xlsx", COLUMNS))).key).toBe("spreadsheet.errors.corrupt");
    const junkZip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 7)]);
    expect((await errorOf(readSheet(junkZip, "units.xlsx", COLUMNS))).key).toBe("spreadsheet.errors.corrupt");
    // "Công" in Windows-1258 (what Excel's plain "CSV" writes on Vietnamese Windows)
    expect((await errorOf(readSheet(Buffer.from([0x43, 0xf4, 0x6e, 0x67, 0x0a]), "units.csv", COLUMNS))).key).toBe("spreadsheet.errors.encoding");
    expect((await errorOf(readSheet(Buffer.from("\n\n"), "units.csv", COLUMNS))).key).toBe("spreadsheet.errors.empty");
    const big = await errorOf(readSheet(Buffer.alloc(MAX_FILE_BYTES + 1, 0x41), "units.csv", COLUMNS));
    expect(big.key).toBe("spreadsheet.errors.tooLarge");
    expect(big.params).toEqual({ maxMb: 5 });
  });

  it("rejects more than 20,000 rows", async () => {
    const csv = "code\n" + "x\n".repeat(20_001);
    expect((await errorOf(readSheet(Buffer.from(csv), "units.csv", COLUMNS))).key).toBe("spreadsheet.errors.tooManyRows");
    expect((await readSheet(Buffer.from("code\n" + "x\n".repeat(20_000)), "units.csv", COLUMNS)).rows).toHaveLength(20_000);
  });
});
