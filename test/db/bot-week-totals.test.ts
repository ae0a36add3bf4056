// BotWeekTotal, kept by database triggers on Member and WeeklyReport: what the bot recorded per unit and week, and
// whether a grassroots union's latest report covers that week. Whoever writes members or reports (bulk inserts,
// leavings, corrections, superseding versions, deletes, rolled-back writes), the table equals the sums by hand.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { loadDemo } from "../support/fixtures.ts";

const day = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));
const iso = (d: Date) => d.toISOString().slice(0, 10);
/** 10:00 in Vietnam on that day. */
const at = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d, 3));

describe("bot week totals", () => {
  let db: TestDatabase;
  let union: string;
  let ward: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDemo(db.prisma);
    union = (await db.prisma.unit.findFirstOrThrow({ where: { code: "LC-DK-CSLC" } })).id;
    ward = (await db.prisma.unit.findFirstOrThrow({ where: { code: "LC-DK" } })).id;
  });
  afterAll(() => db?.destroy());

  let n = 0;
  const member = (unitId: string, joinedAt: Date, source: "BOT" | "IMPORT" = "BOT") => ({ unitId, fullName: `Đoàn viên ${++n}`, source, joinedAt });
  const report = (unitId: string, weekStart: Date, version = 1) => ({ unitId, weekStart, version, isLatest: true, admitted: 0, reduced: 0, reductions: {}, totalMembers: 1, totalWorkers: 1 });

  /** What the table must hold, from the members and reports themselves. */
  async function expected() {
    const members = await db.prisma.member.findMany({ select: { unitId: true, source: true, joinedAt: true, leftOn: true } });
    const monday = (d: Date) => iso(new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000));
    const sums = new Map<string, { admitted: number; reduced: number }>();
    const add = (key: string, admitted: number, reduced: number) => {
      const s = sums.get(key) ?? { admitted: 0, reduced: 0 };
      sums.set(key, { admitted: s.admitted + admitted, reduced: s.reduced + reduced });
    };
    for (const m of members) {
      if (m.source === "BOT") add(`${m.unitId} ${monday(new Date(m.joinedAt.getTime() + 7 * 3_600_000))}`, 1, 0);
      if (m.leftOn) add(`${m.unitId} ${monday(m.leftOn)}`, 0, 1);
    }
    const reports = await db.prisma.weeklyReport.findMany({ where: { isLatest: true, unitId: union }, select: { unitId: true, weekStart: true } });
    const reported = new Set(reports.map((r) => `${r.unitId} ${iso(r.weekStart)}`));
    return new Map([...sums].filter(([, s]) => s.admitted || s.reduced).map(([k, s]) => [k, { ...s, reported: reported.has(k) }]));
  }
  async function actual() {
    const rows = await db.prisma.botWeekTotal.findMany();
    return new Map(rows.filter((r) => r.admitted || r.reduced).map((r) => [`${r.unitId} ${iso(r.weekStart)}`, { admitted: r.admitted, reduced: r.reduced, reported: r.reported }]));
  }

  it("follow members admitted and leaving, reports, corrections and rollbacks", async () => {
    // Bulk: three admitted in the week of 04/05/2026 (one late on Sunday 10/05, Vietnam time), one in the next week,
    // one imported (not the bot's), one admitted directly into the ward (a workplace with no union yet).
    await db.prisma.member.createMany({
      data: [
        member(union, at(2026, 5, 4)), member(union, at(2026, 5, 6)), member(union, new Date(Date.UTC(2026, 4, 10, 16, 30))),
        member(union, at(2026, 5, 11)), member(union, at(2025, 1, 1), "IMPORT"), member(ward, at(2026, 5, 5)),
      ],
    });
    expect((await actual()).get(`${union} 2026-05-04`)).toEqual({ admitted: 3, reduced: 0, reported: false });
    expect(await actual()).toEqual(await expected());

    // A leaving recorded, and one corrected to another day.
    const imported = await db.prisma.member.findFirstOrThrow({ where: { source: "IMPORT" } });
    await db.prisma.member.update({ where: { id: imported.id }, data: { leftOn: day(2026, 5, 13) } });
    await db.prisma.member.update({ where: { id: imported.id }, data: { leftOn: day(2026, 5, 5) } });
    // Changes of other columns move nothing.
    await db.prisma.member.updateMany({ where: { unitId: union }, data: { searchName: "x" } });
    expect((await actual()).get(`${union} 2026-05-04`)).toEqual({ admitted: 3, reduced: 1, reported: false });
    expect(await actual()).toEqual(await expected());

    // The union reports the week of 04/05, then resubmits it: reported. The ward's own report does not cover its members.
    await db.prisma.weeklyReport.create({ data: report(union, day(2026, 5, 4)) });
    await db.prisma.$transaction([
      db.prisma.weeklyReport.updateMany({ where: { unitId: union, weekStart: day(2026, 5, 4), isLatest: true }, data: { isLatest: false } }),
      db.prisma.weeklyReport.create({ data: report(union, day(2026, 5, 4), 2) }),
    ]);
    await db.prisma.weeklyReport.create({ data: report(ward, day(2026, 5, 4)) });
    expect((await actual()).get(`${union} 2026-05-04`)?.reported).toBe(true);
    expect((await actual()).get(`${ward} 2026-05-04`)?.reported).toBe(false);
    expect(await actual()).toEqual(await expected());

    // A report deleted unmarks its week; a rolled-back admission leaves nothing; a member deleted is taken away.
    await db.prisma.weeklyReport.deleteMany({ where: { unitId: union, weekStart: day(2026, 5, 4) } });
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.member.create({ data: member(union, at(2026, 6, 1)) });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    await db.prisma.member.deleteMany({ where: { unitId: union, joinedAt: at(2026, 5, 11) } });
    expect((await actual()).get(`${union} 2026-05-04`)?.reported).toBe(false);
    expect((await actual()).has(`${union} 2026-06-01`)).toBe(false);
    expect(await actual()).toEqual(await expected());
  });
});
