// Work on a worker thread: a spreadsheet read there gives what reading it here gives, a SpreadsheetError thrown
// there is one here (with its key and parameters for the user's language), a worker that dies rejects its task and
// the next task still runs, and the event loop here keeps turning while a worker is busy.
import { describe, expect, it } from "vitest";
import { OffThreadError, runOffThread } from "../../src/shared/off-thread.ts";
import { readSheet, readSheetOffThread, SpreadsheetError, writeCsv, writeXlsx } from "../../src/shared/spreadsheet.ts";

const TASKS = new URL("./fixtures/off-thread-tasks.ts", import.meta.url);
const COLUMNS = { code: ["Mã đơn vị"], name: ["Tên đơn vị"], date: ["Ngày số liệu"] };
const SHEET = [
  { header: "Mã đơn vị", key: "code" },
  { header: "Tên đơn vị", key: "name" },
  { header: "Ngày số liệu", key: "date" },
];
const ROWS = [
  { code: "LC-01", name: "Công đoàn cơ sở Điện lực Lai Châu", date: new Date(Date.UTC(2025, 6, 1)) },
  { code: "LC-02", name: "=SUM(A1)", date: null },
];

describe("off the event loop", () => {
  it("reads an .xlsx and a .csv on a worker thread exactly as on this one", async () => {
    const xlsx = await writeXlsx([{ name: "Đơn vị", columns: SHEET, rows: ROWS }]);
    const csv = writeCsv(SHEET, ROWS);
    for (const [file, name] of [[xlsx, "units.xlsx"], [csv, "units.csv"]] as const) {
      const here = await readSheet(file, name, COLUMNS);
      expect(here.rows).toHaveLength(2);
      expect(await readSheetOffThread(file, name, COLUMNS)).toEqual(here);
    }
  });

  it("brings a SpreadsheetError back as one, with its key and parameters", async () => {
    const header = "Mã đơn vị\r\n";
    const tooMany = Buffer.from(header + "X\r\n".repeat(20_001));
    const error = await readSheetOffThread(tooMany, "big.csv", COLUMNS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpreadsheetError);
    expect(error).toMatchObject({ key: "spreadsheet.errors.tooManyRows", params: { max: 20_000 } });
    const notSheet = await readSheetOffThread(Buffer.from("%PDF-1.4"), "a.pdf", COLUMNS).catch((e: unknown) => e);
    expect(notSheet).toMatchObject({ key: "spreadsheet.errors.unsupported" });
  });

  it("rejects with the worker's error, survives a worker that exits, and runs the next task", async () => {
    const failed = await runOffThread(TASKS, "failWithFields", []).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OffThreadError);
    expect(failed).toMatchObject({ name: "TaskError", message: "went wrong", fields: { code: 7, detail: { line: 3 } } });
    await expect(runOffThread(TASKS, "exitThread", [])).rejects.toThrow(/exited with code 3/);
    await expect(runOffThread(TASKS, "nothing", [])).rejects.toThrow(/nothing is not a function/);
    expect(await runOffThread<number>(TASKS, "spin", [1])).toBeGreaterThan(0);
  });

  it("keeps this thread's event loop turning while workers are busy", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    // Three tasks for two workers: the third waits for a free one.
    const started = Date.now();
    await Promise.all([runOffThread(TASKS, "spin", [600]), runOffThread(TASKS, "spin", [600]), runOffThread(TASKS, "spin", [600])]);
    clearInterval(timer);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_200);
    // A blocked loop would tick a handful of times at most; a free one ticks every 10 ms (fewer on a busy machine).
    expect(ticks).toBeGreaterThan(20);
  });
});
