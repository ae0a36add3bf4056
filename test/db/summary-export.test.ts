// The operator CLI's export (`npm run cli -- export --unit LC --period LC-TCD-2026 --out file.xlsx|csv`): the file is
// written with every column (the operator acts everywhere), in the operator's language, and the export is audited
// with no actor. Bad arguments are refused with the usage and write nothing.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { summaryCommands } from "../../src/cli/summary.ts";
import { loadDriveDemo } from "../../src/drive/demo.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { cliConfig, cliFiles } from "../support/cli-files.ts";
import { loadDemo } from "../support/fixtures.ts";

let db: TestDatabase;
const cli = cliFiles("summary-export-");

beforeAll(async () => {
  db = await createTestDatabase();
  await loadDemo(db.prisma);
  await loadDriveDemo(db.prisma);
});
afterAll(async () => {
  await db?.destroy();
});

describe("cli export", () => {
  it("writes the workbook of a unit for a campaign, with the targets, and audits it with no actor", async () => {
    const out = join(cli.dir, "lc.xlsx");
    expect(await summaryCommands.export!(db.prisma, ["--unit", "lc", "--period", "LC-TCD-2026", "--out", out], cliConfig)).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await readFile(out)) as unknown as ExcelJS.Buffer);
    const summary = wb.worksheets[0]!;
    expect(summary.name).toBe("Tổng hợp");
    const targets = summary.getColumn(4).values.slice(2);
    // The campaign's net-increase targets of the 9 units under LC, then the province's own in the total row.
    expect(targets.reduce((s: number, v) => s + Number(v ?? 0), 0)).toBe(215 + 300);
    expect(wb.getWorksheet("Đoàn viên")!.getRow(1).values).toContain("Họ và tên");
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: "summary.export" } });
    expect(audit.actorId).toBeNull();
    expect(audit.after).toMatchObject({ period: "LC-TCD-2026", format: "xlsx", personal: true });
  });

  it("writes the summary as CSV with the BOM", async () => {
    const out = join(cli.dir, "lc.csv");
    expect(await summaryCommands.export!(db.prisma, ["--unit", "LC", "--period", "2025", "--out", out], cliConfig)).toBe(0);
    const bytes = await readFile(out);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString("utf8")).toContain("Mã đơn vị");
  });

  it("refuses a missing --out, an unknown unit or period, and writes nothing", async () => {
    const out = join(cli.dir, "none.xlsx");
    expect(await summaryCommands.export!(db.prisma, ["--unit", "LC"], cliConfig)).toBe(2);
    expect(await summaryCommands.export!(db.prisma, ["--unit", "LC", "--out", join(cli.dir, "x.pdf")], cliConfig)).toBe(2);
    expect(await summaryCommands.export!(db.prisma, ["--unit", "NOPE", "--out", out], cliConfig)).toBe(1);
    expect(await summaryCommands.export!(db.prisma, ["--unit", "LC", "--period", "NO-CAMPAIGN", "--out", out], cliConfig)).toBe(1);
    await expect(stat(out)).rejects.toThrow();
    expect(await db.prisma.auditLog.count({ where: { action: "summary.export" } })).toBe(2);
  });
});
