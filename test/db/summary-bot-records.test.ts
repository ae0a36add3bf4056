// The summary's reconciliation of what the bot recorded with the chairs' weekly reports (issue 11, defect 6):
// admissions decided in the bot and leavings recorded in it count at once, per union and week; a union-week with a
// (latest) chair's report counts the report only, a union-week without one counts the bot's records — never both.
// The same figures in the summary (both query shapes: a unit inside the tree and a top-level one), the /export
// workbook and the CLI's CSV.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it, vi as vitestVi } from "vitest";
import { summaryCommands } from "../../src/cli/summary.ts";
import { prefill, submitReport, suggestedDraft, type ReportDraft } from "../../src/drive/reports.ts";
import { decideApplication } from "../../src/membership/applications.ts";
import { recordLeaving } from "../../src/membership/members.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { computeSummary, yearPeriod, type Summary } from "../../src/summary/rollup.ts";
import { exportSummary } from "../../src/summary/export.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { cliConfig, cliFiles } from "../support/cli-files.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";

const day = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));
/** An instant given as Vietnam wall time (UTC+7). */
const vn = (y: number, m: number, d: number, h: number, min = 0) => new Date(Date.UTC(y, m - 1, d, h - 7, min));
const PERIOD = yearPeriod(2025);
const NOW = vn(2025, 12, 31, 12);
// The weeks: W1 from Monday 03/03/2025, W2 from Monday 10/03/2025.
const W1 = day(2025, 3, 3);
const W2 = day(2025, 3, 10);

describe("summary: the bot's records and the chairs' reports, never counted twice", () => {
  let db: TestDatabase;
  const cli = cliFiles("summary-bot-");
  const ids: Record<string, string> = {};
  const chairs: Record<string, string> = {};
  let applicants = 7000;

  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDemo(db.prisma);
    for (const code of ["LC", "LC-DK", "LC-DK-CSLC", "LC-DK-AGR"]) ids[code] = (await findUnitByCode(db.prisma, code))!.id;
    chairs["LC-DK-CSLC"] = (await grant(db.prisma, { id: 7101 }, "CHAIR", "LC-DK-CSLC")).id;
    chairs["LC-DK-AGR"] = (await grant(db.prisma, { id: 7102 }, "CHAIR", "LC-DK-AGR")).id;
  });
  afterAll(async () => {
    await db?.destroy();
  });

  /** A worker applies to `union` and its chair admits them in the bot at `at` (the member's joining instant). */
  async function admit(union: string, at: Date) {
    const { applicationId } = await fileApplication(db.prisma, { id: ++applicants }, union, { createdAt: new Date(at.getTime() - 3_600_000) });
    vitestVi.useFakeTimers({ toFake: ["Date"], now: at });
    try {
      const decided = await decideApplication(db.prisma, { applicationId, actorId: chairs[union]!, decision: { kind: "approve" } });
      expect(decided.ok).toBe(true);
    } finally {
      vitestVi.useRealTimers();
    }
    const member = await db.prisma.member.findUniqueOrThrow({ where: { applicationId } });
    expect(member.joinedAt).toEqual(at);
  }

  /** A long-standing member of `union` (imported) whose leaving the chair records in the bot, on `leftOn`. */
  async function leave(union: string, leftOn: Date) {
    const member = await db.prisma.member.create({
      data: { unitId: ids[union]!, fullName: `Đoàn viên cũ ${++applicants}`, source: "IMPORT", joinedAt: vn(2019, 3, 1, 10) },
    });
    const left = await recordLeaving(db.prisma, { actorId: chairs[union]!, memberId: member.id, reason: "LEFT_COMPANY", leftOn, now: NOW });
    expect(left.ok).toBe(true);
  }

  /** The chair's report for a week, pre-filled from the bot's records, with admitted/reduced changed if given. */
  async function report(union: string, weekStart: Date, change: { admitted?: number; reduced?: number } = {}) {
    const context = (await prefill(db.prisma, ids[union]!, weekStart))!;
    const suggested = suggestedDraft(context) as ReportDraft;
    const admitted = change.admitted ?? suggested.admitted;
    const reduced = change.reduced ?? suggested.reduced;
    const totalMembers = context.membersAtStart! + admitted - reduced;
    const draft = { ...suggested, admitted, reduced, totalMembers, reductions: reduced ? { LEFT_COMPANY: reduced } : {}, difficulties: null } as ReportDraft;
    const saved = await submitReport(db.prisma, { actorId: chairs[union]!, unitId: ids[union]!, weekStart, draft });
    expect(saved.kind).toBe("saved");
  }

  const summaryOf = async (code: string) => (await computeSummary(db.prisma, ids[code]!, PERIOD, NOW))!;
  const rowOf = (summary: Summary, code: string) => summary.rows.find((r) => r.unit.code === code)!;
  const figures = (c: { admitted: number; reduced: number; net: number; botAdmitted: number; botReduced: number }) => ({
    admitted: c.admitted, reduced: c.reduced, net: c.net, botAdmitted: c.botAdmitted, botReduced: c.botReduced,
  });

  it("counts the bot's records at once, and a week's report instead of them (admissions and leavings alike)", async () => {
    // W1: two admitted into CSLC (one late on Sunday night, Vietnam time), one into AGR; one leaving in CSLC.
    await admit("LC-DK-CSLC", vn(2025, 3, 4, 10));
    await admit("LC-DK-CSLC", vn(2025, 3, 9, 23, 30));
    await admit("LC-DK-AGR", vn(2025, 3, 5, 9));
    await leave("LC-DK-CSLC", day(2025, 3, 6));
    // W2: one admitted into CSLC half an hour into Monday (Vietnam time); a leaving in each union.
    await admit("LC-DK-CSLC", vn(2025, 3, 10, 0, 30));
    await leave("LC-DK-CSLC", day(2025, 3, 12));
    await leave("LC-DK-AGR", day(2025, 3, 11));

    // No report yet: everything is the bot's, counted at once.
    let ward = await summaryOf("LC-DK");
    expect(figures(rowOf(ward, "LC-DK-CSLC"))).toEqual({ admitted: 3, reduced: 2, net: 1, botAdmitted: 3, botReduced: 2 });
    expect(figures(rowOf(ward, "LC-DK-AGR"))).toEqual({ admitted: 1, reduced: 1, net: 0, botAdmitted: 1, botReduced: 1 });
    expect(figures(ward.total)).toEqual({ admitted: 4, reduced: 3, net: 1, botAdmitted: 4, botReduced: 3 });

    // CSLC's chair reports W1 as pre-filled (2 admitted, 1 left): the same numbers, now the report's, not twice.
    await report("LC-DK-CSLC", W1);
    ward = await summaryOf("LC-DK");
    expect(figures(rowOf(ward, "LC-DK-CSLC"))).toEqual({ admitted: 3, reduced: 2, net: 1, botAdmitted: 1, botReduced: 1 });

    // A new version of W1: 5 admitted (three on paper forms) and 2 left. The report counts for W1, the bot for W2.
    await report("LC-DK-CSLC", W1, { admitted: 5, reduced: 2 });
    ward = await summaryOf("LC-DK");
    expect(figures(rowOf(ward, "LC-DK-CSLC"))).toEqual({ admitted: 6, reduced: 3, net: 3, botAdmitted: 1, botReduced: 1 });
    expect(figures(rowOf(ward, "LC-DK-AGR"))).toEqual({ admitted: 1, reduced: 1, net: 0, botAdmitted: 1, botReduced: 1 });
    expect(figures(ward.total)).toEqual({ admitted: 7, reduced: 4, net: 3, botAdmitted: 2, botReduced: 2 });

    // A report of AGR's W2 saying nobody left (its chair knows better): W2's leaving no longer counts, W1's admission does.
    await report("LC-DK-AGR", W2, { admitted: 0, reduced: 0 });
    ward = await summaryOf("LC-DK");
    expect(figures(rowOf(ward, "LC-DK-AGR"))).toEqual({ admitted: 1, reduced: 0, net: 1, botAdmitted: 1, botReduced: 0 });
    expect(figures(ward.total)).toEqual({ admitted: 7, reduced: 3, net: 4, botAdmitted: 2, botReduced: 1 });

    // The province (the top-level query shape) rolls up the same figures.
    const province = await summaryOf("LC");
    expect(figures(rowOf(province, "LC-DK"))).toEqual(figures(ward.total));
    expect(figures(province.total)).toEqual(figures(ward.total));
  });

  it("exports the same figures: the /export workbook and the CLI's CSV", async () => {
    const ward = await summaryOf("LC-DK");
    const exported = await exportSummary(db.prisma, { actorId: null, unitId: ids["LC-DK"]!, period: PERIOD, format: "xlsx", lang: "vi", now: NOW });
    expect(exported.ok).toBe(true);
    if (!exported.ok) return;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(exported.file as unknown as ExcelJS.Buffer);
    const sheet = wb.getWorksheet("Tổng hợp")!;
    const headers = (sheet.getRow(1).values as unknown[]).map(String);
    const cell = (row: number, header: string) => sheet.getRow(row).getCell(headers.indexOf(header)).value;
    const byCode = new Map<string, number>();
    sheet.eachRow((row, n) => {
      if (n > 1) byCode.set(String(row.getCell(headers.indexOf("Mã đơn vị")).value), n);
    });
    const line = (code: string) => {
      const n = byCode.get(code)!;
      return ["Kết nạp", "Giảm", "Thực tăng", "Kết nạp bot ghi nhận (chưa báo cáo)", "Giảm bot ghi nhận (chưa báo cáo)"].map((h) => cell(n, h));
    };
    expect(line("LC-DK-CSLC")).toEqual([6, 3, 3, 1, 1]);
    expect(line("LC-DK-AGR")).toEqual([1, 0, 1, 1, 0]);
    // The total row carries the ward's own code.
    expect(line("LC-DK")).toEqual([ward.total.admitted, ward.total.reduced, ward.total.net, ward.total.botAdmitted, ward.total.botReduced]);
    expect(line("LC-DK")).toEqual([7, 3, 4, 2, 1]);

    const out = join(cli.dir, "lc-dk.csv");
    expect(await summaryCommands.export!(db.prisma, ["--unit", "LC-DK", "--period", "2025", "--out", out], cliConfig)).toBe(0);
    const lines = (await readFile(out, "utf8")).replace(/^\uFEFF/, "").split("\r\n");
    const header = lines[0]!.split(",");
    const csv = (code: string) => {
      const cells = lines.find((l) => l.split(",")[1] === code)!.split(",");
      return ["Kết nạp", "Giảm", "Thực tăng", "Kết nạp bot ghi nhận (chưa báo cáo)", "Giảm bot ghi nhận (chưa báo cáo)"].map((h) => cells[header.indexOf(h)]);
    };
    expect(csv("LC-DK-CSLC")).toEqual(["6", "3", "3", "1", "1"]);
    expect(csv("LC-DK")).toEqual(["7", "3", "4", "2", "1"]);
  });
});
