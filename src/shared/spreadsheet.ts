// Reading and writing the spreadsheets officers fill in Excel: the first sheet of an .xlsx (exceljs) or a .csv
// (UTF-8 with or without BOM, comma, semicolon or tab separated: Excel in Vietnam often writes semicolons).
// Headers are matched leniently ("Mã đơn vị", "ma don vi", "MÃ ĐƠN VỊ (*)"), cells come back as trimmed strings,
// and every string written is neutralised against formula injection. exceljs is large and only some updates need
// it, so it is loaded on first use; an .xlsx is read as a stream (rows, not the whole workbook, in memory), and
// readSheetOffThread reads on a worker thread so a big file never holds up other people's replies.
import { Readable } from "node:stream";
import type ExcelJS from "exceljs";
import { OffThreadError, runOffThread } from "./off-thread.ts";
import { cleanText, toSearchText } from "./text.ts";
import { formatCalendarDate } from "./time.ts";

export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_ROWS = 20_000;
/** Cap on the uncompressed size of an .xlsx (a zip): a small file must not expand into gigabytes in memory. */
const MAX_UNZIPPED_BYTES = 100 * 1024 * 1024;

export type SpreadsheetErrorKey =
  | "spreadsheet.errors.unsupported"
  | "spreadsheet.errors.corrupt"
  | "spreadsheet.errors.encoding"
  | "spreadsheet.errors.tooLarge"
  | "spreadsheet.errors.tooManyRows"
  | "spreadsheet.errors.empty";

/** A file that cannot be read as a spreadsheet; `key` and `params` are for the user's language. */
export class SpreadsheetError extends Error {
  constructor(
    readonly key: SpreadsheetErrorKey,
    readonly params: Record<string, string | number> = {},
  ) {
    super(key);
    this.name = "SpreadsheetError";
  }
}

export interface SheetRow {
  /** The spreadsheet's line number (the header is line 1). */
  line: number;
  /** Column key → trimmed text; "" when empty or when the column is missing. */
  cells: Record<string, string>;
}

export interface ReadResult {
  rows: SheetRow[];
  /** Keys of `columns` whose header was not found. */
  missingColumns: string[];
}

export type CellValue = string | number | Date | null | undefined;
export interface SheetColumn {
  header: string;
  key: string;
  width?: number;
}
export interface Sheet {
  name: string;
  columns: SheetColumn[];
  rows: Record<string, CellValue>[];
}

// ---------------------------------------------------------------------------------------------------------------
// Formula injection

const FORMULA_START = /^[=+\-@\t\r]/;

/** Prefixes `'` to text a spreadsheet would run as a formula (=, +, -, @, tab, CR at the start). */
export function neutraliseFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** Undoes neutraliseFormula on read, so an exported file re-imports unchanged. */
function unneutralise(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

/** Header text as compared: search form, without "*" marks and parenthesised hints ("Ngày số liệu (dd/mm/yyyy)"). */
function headerForm(s: string): string {
  return toSearchText(s.replace(/\([^)]*\)/g, " ").replace(/\*/g, " ")).replace(/[:.]+$/, "").trim();
}

function cleanCell(s: string): string {
  return unneutralise(cleanText(s));
}

/** Reads the first sheet of an .xlsx, or a .csv, and matches its header row to `columns` (key → accepted headers). */
export async function readSheet(file: Buffer, fileName: string, columns: Record<string, string[]>): Promise<ReadResult> {
  if (file.length > MAX_FILE_BYTES) throw new SpreadsheetError("spreadsheet.errors.tooLarge", { maxMb: MAX_FILE_BYTES / 1024 / 1024 });
  const kind = kindOf(file, fileName);
  const grid = kind === "xlsx" ? await xlsxGrid(file) : csvGrid(file);
  return matchGrid(grid, columns);
}

/** readSheet on a worker thread: the same result or SpreadsheetError, without holding up the event loop. */
export async function readSheetOffThread(file: Buffer, fileName: string, columns: Record<string, string[]>): Promise<ReadResult> {
  return offThread<ReadResult>(new URL(import.meta.url), "readSheetBytes", [file, fileName, columns]);
}

/** What the worker calls: the file arrives as a plain Uint8Array. */
export function readSheetBytes(bytes: Uint8Array, fileName: string, columns: Record<string, string[]>): Promise<ReadResult> {
  return readSheet(asBuffer(bytes), fileName, columns);
}

/** A Buffer over the same memory (a Buffer crosses to a worker thread as a Uint8Array). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** runOffThread, with a SpreadsheetError thrown on the worker thrown again here as one. */
export async function offThread<R>(module: URL, fn: string, args: unknown[]): Promise<R> {
  try {
    return await runOffThread<R>(module, fn, args);
  } catch (error) {
    if (error instanceof OffThreadError && error.name === "SpreadsheetError") {
      throw new SpreadsheetError(error.fields.key as SpreadsheetErrorKey, (error.fields.params ?? {}) as Record<string, string | number>);
    }
    throw error;
  }
}

type Grid = { line: number; values: string[] }[];

function kindOf(file: Buffer, fileName: string): "xlsx" | "csv" {
  const ext = fileName.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  const isZip = file.length >= 4 && file.readUInt32LE(0) === 0x04034b50;
  if (ext === "xlsx" || ext === "xlsm") {
    if (!isZip) throw new SpreadsheetError("spreadsheet.errors.corrupt");
    return "xlsx";
  }
  if (ext === "csv" || ext === "txt") return "csv";
  throw new SpreadsheetError("spreadsheet.errors.unsupported");
}

function matchGrid(grid: Grid, columns: Record<string, string[]>): ReadResult {
  const header = grid.find((r) => r.values.some((v) => v !== ""));
  if (!header) throw new SpreadsheetError("spreadsheet.errors.empty");
  const headerForms = header.values.map(headerForm);
  const index: Record<string, number> = {};
  const missingColumns: string[] = [];
  for (const [key, names] of Object.entries(columns)) {
    const accepted = new Set(names.map(headerForm));
    const i = headerForms.findIndex((h) => h !== "" && accepted.has(h));
    if (i >= 0) index[key] = i;
    else missingColumns.push(key);
  }
  const rows: SheetRow[] = [];
  for (const r of grid) {
    if (r.line <= header.line) continue;
    const cells: Record<string, string> = {};
    let blank = true;
    for (const key of Object.keys(columns)) {
      const i = index[key];
      const v = i === undefined ? "" : (r.values[i] ?? "");
      cells[key] = v;
      if (v !== "") blank = false;
    }
    if (!blank) rows.push({ line: r.line, cells });
  }
  if (rows.length > MAX_ROWS) throw new SpreadsheetError("spreadsheet.errors.tooManyRows", { max: MAX_ROWS });
  return { rows, missingColumns };
}

interface ZipEntry {
  name: string;
  /** Where its local record (header, data, data descriptor) starts. */
  offset: number;
  unzippedSize: number;
}

/** A zip's central directory: its entries, and where it starts (after the last local record). */
interface ZipDirectory {
  entries: ZipEntry[];
  start: number;
}

/** The zip's central directory; undefined when unreadable or ZIP64. */
function zipDirectory(buf: Buffer): ZipDirectory | undefined {
  const from = Math.max(0, buf.length - 65_557);
  let eocd = -1;
  for (let i = buf.length - 22; i >= from; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  const count = buf.readUInt16LE(eocd + 10);
  const start = buf.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  let p = start;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) return undefined;
    const unzippedSize = buf.readUInt32LE(p + 24);
    const offset = buf.readUInt32LE(p + 42);
    if (unzippedSize === 0xffffffff || offset === 0xffffffff) return undefined;
    const nameLength = buf.readUInt16LE(p + 28);
    entries.push({ name: buf.toString("utf8", p + 46, p + 46 + nameLength), offset, unzippedSize });
    p += 46 + nameLength + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return { entries, start };
}

/** What exceljs's streaming reader must have read before a sheet, in this order, to read the sheet as it streams. */
const READ_BEFORE_SHEETS = ["xl/_rels/workbook.xml.rels", "xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml"];

/**
 * The same zip with its entries in the order exceljs's streaming reader needs, or undefined when that cannot be made.
 * Excel (and exceljs) write the shared strings after the sheets; the reader then copies every sheet to a temporary
 * file and reads it from there, and a read that stops early (the first sheet read, too many rows) leaves those files
 * behind: the roll's names and phones on disk until the process exits. Moving the local records, byte for byte, keeps
 * the sheets in memory. The central directory is left as it was, with offsets that no longer match: the streaming
 * reader never reads it, and nothing else gets these bytes.
 */
function inStreamingOrder(buf: Buffer, directory: ZipDirectory): Buffer | undefined {
  const byOffset = [...directory.entries].sort((a, b) => a.offset - b.offset);
  const records = new Map<string, Buffer>();
  for (const [i, entry] of byOffset.entries()) {
    const end = byOffset[i + 1]?.offset ?? directory.start;
    if (end <= entry.offset || end > directory.start || buf.readUInt32LE(entry.offset) !== 0x04034b50) return undefined;
    records.set(entry.name, buf.subarray(entry.offset, end));
  }
  // Without shared strings (text written inline) the reader would copy every sheet out as well.
  if (!records.has("xl/sharedStrings.xml")) return undefined;
  const first = READ_BEFORE_SHEETS.filter((name) => records.has(name));
  const rest = byOffset.map((e) => e.name).filter((name) => !first.includes(name));
  return Buffer.concat([...[...first, ...rest].map((name) => records.get(name)!), buf.subarray(directory.start)]);
}

let excel: Promise<typeof ExcelJS> | undefined;
/** exceljs, loaded once on first use (it adds tens of MB and most processes never touch a spreadsheet). */
export function loadExcel(): Promise<typeof ExcelJS> {
  excel ??= import("exceljs").then((m) => ((m as { default?: typeof ExcelJS }).default ?? m) as typeof ExcelJS);
  return excel;
}

/** What exceljs's streaming reader has but does not declare: the workbook's sheets in tab order. */
interface StreamingWorkbook {
  model?: { sheets?: { name: string }[] };
}
interface StreamingWorksheet extends AsyncIterable<ExcelJS.Row> {
  name?: string;
}

/**
 * The first sheet's rows, read as a stream: exceljs's streaming reader keeps shared strings and styles (for dates)
 * but never the whole workbook, and reading stops as soon as the sheet has too many rows.
 */
async function xlsxGrid(file: Buffer): Promise<Grid> {
  const directory = zipDirectory(file);
  if (!directory || directory.entries.reduce((sum, e) => sum + e.unzippedSize, 0) > MAX_UNZIPPED_BYTES) {
    throw new SpreadsheetError("spreadsheet.errors.corrupt");
  }
  const ordered = inStreamingOrder(file, directory);
  // The whole-file reader needs no temporary files; the unzipped size was checked above, so loading it whole is bounded.
  if (!ordered) return xlsxGridWhole(file);
  const { stream } = await loadExcel();
  const reader = new stream.xlsx.WorkbookReader(Readable.from([ordered]), {
    worksheets: "emit",
    sharedStrings: "cache",
    styles: "cache",
    hyperlinks: "ignore",
    entries: "ignore",
  });
  const grid: Grid = [];
  let found = false;
  try {
    for await (const sheet of reader as unknown as AsyncIterable<StreamingWorksheet>) {
      // Sheets come in the zip's order; the first tab is the one people mean.
      const firstTab = (reader as unknown as StreamingWorkbook).model?.sheets?.[0]?.name;
      if (firstTab !== undefined && sheet.name !== undefined && sheet.name !== firstTab) continue;
      found = true;
      for await (const row of sheet) addRow(grid, row);
      break;
    }
  } catch (error) {
    if (error instanceof SpreadsheetError) throw error;
    // exceljs's streaming reader trips over some valid workbooks, its own writer's among them (often with several
    // sheets); the whole-file reader reads them. The unzipped size was checked above, so loading it whole is bounded.
    return xlsxGridWhole(file);
  }
  if (!found) throw new SpreadsheetError("spreadsheet.errors.empty");
  return grid;
}

type GridRow = Pick<ExcelJS.Row, "hasValues" | "number" | "eachCell">;

function addRow(grid: Grid, row: GridRow): void {
  if (!row.hasValues) return;
  if (grid.length >= MAX_ROWS + 1) throw new SpreadsheetError("spreadsheet.errors.tooManyRows", { max: MAX_ROWS });
  const values: string[] = [];
  row.eachCell({ includeEmpty: false }, (cell, col) => {
    values[col - 1] = cleanCell(cellText(cell.value));
  });
  grid.push({ line: row.number, values: Array.from(values, (v) => v ?? "") });
}

async function xlsxGridWhole(file: Buffer): Promise<Grid> {
  const { Workbook } = await loadExcel();
  const workbook = new Workbook();
  try {
    await workbook.xlsx.load(file as unknown as ArrayBuffer);
  } catch {
    throw new SpreadsheetError("spreadsheet.errors.corrupt");
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new SpreadsheetError("spreadsheet.errors.empty");
  const grid: Grid = [];
  sheet.eachRow({ includeEmpty: false }, (row) => addRow(grid, row));
  return grid;
}

function plainNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return BigInt(n).toString();
  return String(n);
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return plainNumber(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "" : formatCalendarDate(value);
  if ("richText" in value) return value.richText.map((r) => r.text).join("");
  if ("error" in value) return "";
  if ("formula" in value || "sharedFormula" in value) return cellText((value as { result?: ExcelJS.CellValue }).result ?? null);
  if ("text" in value) return typeof value.text === "string" ? value.text : cellText(value.text as ExcelJS.CellValue);
  return "";
}

function decodeText(file: Buffer): string {
  if (file.length >= 2 && file[0] === 0xff && file[1] === 0xfe) return new TextDecoder("utf-16le").decode(file.subarray(2));
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(file);
  } catch {
    throw new SpreadsheetError("spreadsheet.errors.encoding");
  }
  if (text.includes("\u0000")) throw new SpreadsheetError("spreadsheet.errors.corrupt");
  return text;
}

/** The delimiter of the header line: the most frequent of , ; and tab outside quotes (comma when none). */
function detectDelimiter(text: string): string {
  const counts: Record<string, number> = { ",": 0, ";": 0, "\t": 0 };
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "\n" || ch === "\r")) break;
    else if (!quoted && ch in counts) counts[ch]!++;
  }
  let best = ",";
  for (const d of [";", "\t"]) if (counts[d]! > counts[best]!) best = d;
  return best;
}

/** RFC 4180 records: quoted fields may hold delimiters, "" and line breaks; CRLF, LF or CR end a record. */
export function parseCsv(text: string, delimiter = detectDelimiter(text)): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const n = text.length;
  const endField = () => {
    record.push(field);
    field = "";
  };
  const endRecord = () => {
    endField();
    records.push(record);
    record = [];
    if (records.length > MAX_ROWS + 1) throw new SpreadsheetError("spreadsheet.errors.tooManyRows", { max: MAX_ROWS });
  };
  while (i < n) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field.trim() === "") {
      field = "";
      quoted = true;
    } else if (ch === delimiter) endField();
    else if (ch === "\r" || ch === "\n") {
      endRecord();
      if (ch === "\r" && text[i + 1] === "\n") i++;
    } else field += ch;
    i++;
  }
  if (field !== "" || record.length > 0) endRecord();
  return records;
}

function csvGrid(file: Buffer): Grid {
  const text = decodeText(file).replace(/^\uFEFF/, "");
  return parseCsv(text).map((values, i) => ({ line: i + 1, values: values.map(cleanCell) }));
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

/** Characters Excel refuses in sheet names; names are at most 31 characters. */
function sheetName(name: string): string {
  return name.replace(/[[\]:*?/\\]/g, " ").slice(0, 31) || "Sheet";
}

/** An .xlsx with one worksheet per sheet: bold frozen header, dates as dd/mm/yyyy date cells, strings neutralised. */
export async function writeXlsx(sheets: Sheet[]): Promise<Buffer> {
  const { Workbook } = await loadExcel();
  const workbook = new Workbook();
  for (const s of sheets) {
    const ws = workbook.addWorksheet(sheetName(s.name), { views: [{ state: "frozen", ySplit: 1 }] });
    ws.columns = s.columns.map((c) => ({ header: neutraliseFormula(c.header), key: c.key, width: c.width ?? Math.max(12, c.header.length + 2) }));
    ws.getRow(1).font = { bold: true };
    for (const row of s.rows) {
      const values: Record<string, string | number | Date | null> = {};
      for (const c of s.columns) {
        const v = row[c.key];
        values[c.key] = v === undefined || v === null ? null : typeof v === "string" ? neutraliseFormula(v) : v;
      }
      const added = ws.addRow(values);
      for (const c of s.columns) {
        if (row[c.key] instanceof Date) added.getCell(c.key).numFmt = "dd/mm/yyyy";
      }
    }
  }
  const out = await workbook.xlsx.writeBuffer();
  return Buffer.from(out as unknown as ArrayBuffer);
}

function csvField(v: CellValue): string {
  const s = v === null || v === undefined ? "" : v instanceof Date ? formatCalendarDate(v) : typeof v === "number" ? plainNumber(v) : neutraliseFormula(v);
  return /[",;\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV Excel opens correctly: UTF-8 with BOM, comma separated, CRLF, quoted as needed, strings neutralised. */
export function writeCsv(columns: SheetColumn[], rows: Record<string, CellValue>[]): Buffer {
  const lines = [columns.map((c) => csvField(c.header)).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c.key])).join(","));
  return Buffer.from("\uFEFF" + lines.join("\r\n") + "\r\n", "utf8");
}
