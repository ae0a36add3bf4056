// The summary reads whole months from ReportMonthTotal, which database triggers keep from the weekly reports, and the
// weeks of partly covered months from the reports themselves. Whoever writes reports (a submit that supersedes a
// version, a bulk insert, a delete), the totals follow, and a summary over any dates equals the sum by hand.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeSummary, splitPeriod, yearPeriod } from "../../src/summary/rollup.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { loadDemo } from "../support/fixtures.ts";

const day = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));
const iso = (d: Date) => d.toISOString().slice(0, 10);

describe("report month totals", () => {
  let db: TestDatabase;
  let units: { id: string; code: string }[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDemo(db.prisma);
    units = await db.prisma.unit.findMany({ where: { code: { in: ["LC-DK-CSLC", "LC-DK-AGR"] } }, select: { id: true, code: true } });
  });
  afterAll(() => db?.destroy());

  const report = (unitId: string, weekStart: Date, admitted: number, reduced: number, version = 1) => ({
    unitId, weekStart, version, isLatest: true, admitted, reduced, reductions: {}, totalMembers: 500, totalWorkers: 600, partyIntroduced: admitted % 2,
  });

  /** What the totals must be: the latest reports grouped by month, computed from the reports. */
  async function expectedTotals() {
    const rows = await db.prisma.weeklyReport.findMany({ where: { isLatest: true } });
    const sums = new Map<string, { admitted: number; reduced: number; partyIntroduced: number; reports: number }>();
    for (const r of rows) {
      const key = `${r.unitId} ${iso(r.weekStart).slice(0, 7)}-01`;
      const s = sums.get(key) ?? { admitted: 0, reduced: 0, partyIntroduced: 0, reports: 0 };
      sums.set(key, { admitted: s.admitted + r.admitted, reduced: s.reduced + r.reduced, partyIntroduced: s.partyIntroduced + r.partyIntroduced, reports: s.reports + 1 });
    }
    return sums;
  }
  async function actualTotals() {
    const rows = await db.prisma.reportMonthTotal.findMany({ where: { reports: { not: 0 } } });
    return new Map(rows.map((r) => [`${r.unitId} ${iso(r.month)}`, { admitted: r.admitted, reduced: r.reduced, partyIntroduced: r.partyIntroduced, reports: r.reports }]));
  }

  it("follow bulk inserts, superseding versions and deletes, and the summary over odd dates matches the reports", async () => {
    const [a, b] = units as unknown as [{ id: string }, { id: string }];
    // Fourteen Mondays from 06/04/2026 to 06/07/2026, for both unions, in one statement.
    const mondays = Array.from({ length: 14 }, (_, i) => day(2026, 4, 6 + 7 * i));
    await db.prisma.weeklyReport.createMany({ data: mondays.flatMap((m, i) => [report(a.id, m, (i * 3) % 7, i % 3), report(b.id, m, (i * 5) % 4, (i + 1) % 2)]) });
    expect(await actualTotals()).toEqual(await expectedTotals());

    // A chair resubmits the week of 04/05 (as submitReport does: the old version stops counting, the new one counts).
    await db.prisma.$transaction([
      db.prisma.weeklyReport.updateMany({ where: { unitId: a.id, weekStart: day(2026, 5, 4), isLatest: true }, data: { isLatest: false } }),
      db.prisma.weeklyReport.create({ data: report(a.id, day(2026, 5, 4), 40, 1, 2) }),
    ]);
    // A report is deleted (an operator's correction).
    await db.prisma.weeklyReport.deleteMany({ where: { unitId: b.id, weekStart: day(2026, 6, 1) } });
    // A rolled-back write leaves the totals as they were.
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.weeklyReport.create({ data: report(a.id, day(2026, 8, 3), 99, 0) });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    const totals = await actualTotals();
    expect(totals).toEqual(await expectedTotals());
    expect(totals.get(`${a.id} 2026-05-01`)!.admitted).toBeGreaterThanOrEqual(40);

    // 15/04–10/06: half of April, all of May, part of June.
    const period = { ...yearPeriod(2026), from: day(2026, 4, 15), to: day(2026, 6, 10) };
    const summary = (await computeSummary(db.prisma, (await db.prisma.unit.findUniqueOrThrow({ where: { code: "LC-DK" } })).id, period, day(2026, 6, 20)))!;
    const inPeriod = await db.prisma.weeklyReport.findMany({ where: { isLatest: true, weekStart: { gte: period.from, lte: period.to } } });
    const byHand = { admitted: 0, reduced: 0, partyIntroduced: 0 };
    for (const r of inPeriod) {
      byHand.admitted += r.admitted;
      byHand.reduced += r.reduced;
      byHand.partyIntroduced += r.partyIntroduced;
    }
    expect(byHand.admitted).toBeGreaterThan(40);
    expect(summary.total).toMatchObject({ ...byHand, net: byHand.admitted - byHand.reduced });
  });
});

describe("splitPeriod", () => {
  it("takes the whole months inside the dates and leaves the days at either end to the weekly reports", () => {
    expect(splitPeriod(day(2026, 1, 1), day(2026, 12, 31))).toEqual({ months: { from: day(2026, 1, 1), until: day(2027, 1, 1) }, weeks: [] });
    expect(splitPeriod(day(2026, 4, 15), day(2026, 6, 10))).toEqual({
      months: { from: day(2026, 5, 1), until: day(2026, 6, 1) },
      weeks: [{ from: day(2026, 4, 15), to: day(2026, 4, 30) }, { from: day(2026, 6, 1), to: day(2026, 6, 10) }],
    });
    expect(splitPeriod(day(2026, 5, 3), day(2026, 5, 28))).toEqual({ months: null, weeks: [{ from: day(2026, 5, 3), to: day(2026, 5, 28) }] });
    expect(splitPeriod(day(2026, 12, 1), day(2027, 1, 31))).toEqual({ months: { from: day(2026, 12, 1), until: day(2027, 2, 1) }, weeks: [] });
  });
});
