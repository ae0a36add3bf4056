// The weekly report's domain: weeks in Vietnam time, what the bot pre-fills (members admitted through the bot and
// leavers recorded in the week), every sanity check with the message a chair reads and the answers in conflict it
// names, and versions on resubmission.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  answerValue,
  checkReport,
  latestReport,
  prefill,
  submitReport,
  suggestedDraft,
  weekOf,
  type ReportContext,
  type ReportDraft,
} from "../../src/drive/reports.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const day = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));
const WEEK = day(2026, 3, 2); // Monday 02/03/2026

describe("weekly reports", () => {
  let db: TestDatabase;
  const prisma = () => db.prisma;
  const ids = new Map<string, string>();
  const unitId = (code: string) => ids.get(code)!;

  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDemo(db.prisma);
    for (const code of ["LC-DK-CSLC", "LC-DK-AGR", "LC-DK", "LC-TP"]) ids.set(code, (await findUnitByCode(db.prisma, code))!.id);
  });
  afterAll(() => db?.destroy());

  let n = 0;
  async function member(code: string, extra: { joinedAt: Date; source?: "BOT" | "IMPORT"; leftOn?: Date; leaveReason?: "LEFT_COMPANY" | "DECEASED" }) {
    n++;
    return prisma().member.create({ data: { unitId: unitId(code), fullName: `Người ${n}`, searchName: `nguoi ${n}`, ...extra } });
  }

  const draft = (over: Partial<ReportDraft> = {}): ReportDraft => ({
    admitted: 2, reduced: 2, reductions: { LEFT_COMPANY: 1, DECEASED: 1 }, totalMembers: 1027, totalWorkers: 1164,
    newGrassroots: 0, newGrassrootsWorkers: 0, newGrassrootsMembers: 0, partyIntroduced: 3, partyAdmitted: 1,
    propagandaSessions: 2, propagandaParticipants: 80, difficulties: null, ...over,
  });

  it("weekOf gives the Monday of the week in Vietnam time", () => {
    expect(weekOf(new Date("2026-11-22T05:45:00Z"))).toEqual(day(2026, 11, 16)); // Sunday noon in Vietnam
    expect(weekOf(new Date("2026-11-22T17:30:00Z"))).toEqual(day(2026, 11, 23)); // already Monday 00:30 in Vietnam
    expect(weekOf(new Date("2026-03-01T16:59:59Z"))).toEqual(day(2026, 2, 23));
    expect(weekOf(new Date("2026-03-01T17:00:00Z"))).toEqual(WEEK);
  });

  it("prefill counts bot admissions and leavers of that week only, and the members now", async () => {
    await member("LC-DK-CSLC", { joinedAt: new Date("2026-03-01T17:00:00Z") }); // Monday 00:00 in Vietnam: in
    await member("LC-DK-CSLC", { joinedAt: new Date("2026-03-08T16:59:59Z") }); // Sunday 23:59:59: in
    await member("LC-DK-CSLC", { joinedAt: new Date("2026-03-01T16:59:59Z") }); // the week before: out
    await member("LC-DK-CSLC", { joinedAt: new Date("2026-03-08T17:00:00Z") }); // the next week: out
    await member("LC-DK-CSLC", { joinedAt: new Date("2026-03-03T03:00:00Z"), source: "IMPORT" }); // imported: out
    await member("LC-DK-AGR", { joinedAt: new Date("2026-03-03T03:00:00Z") }); // another union: out
    await member("LC-DK-CSLC", { joinedAt: new Date("2024-01-01T03:00:00Z"), leftOn: day(2026, 3, 2), leaveReason: "LEFT_COMPANY" });
    await member("LC-DK-CSLC", { joinedAt: new Date("2024-01-01T03:00:00Z"), leftOn: day(2026, 3, 8), leaveReason: "DECEASED" });
    await member("LC-DK-CSLC", { joinedAt: new Date("2024-01-01T03:00:00Z"), leftOn: day(2026, 3, 1), leaveReason: "LEFT_COMPANY" }); // out

    const context = (await prefill(prisma(), unitId("LC-DK-CSLC"), WEEK))!;
    expect(context).toMatchObject({
      weekStart: "2026-03-02",
      admittedByBot: 2,
      leavers: { LEFT_COMPANY: 1, DECEASED: 1 },
      leaversTotal: 2,
      currentMembers: 5,
      previous: null,
      membersAtStart: 1027, // the unit's baseline, with no earlier report
      latestVersion: 0,
    });
    expect(suggestedDraft(context)).toMatchObject({ admitted: 2, reduced: 2, totalMembers: 1027, totalWorkers: 1164 });
    // An upper-level union sees its whole subtree.
    const upper = (await prefill(prisma(), unitId("LC-DK"), WEEK))!;
    expect(upper).toMatchObject({ admittedByBot: 3, leaversTotal: 2, unit: { grassroots: false } });
  });

  describe("sanity checks", () => {
    let context: ReportContext;
    beforeAll(async () => {
      context = (await prefill(prisma(), unitId("LC-DK-CSLC"), WEEK))!;
    });
    const messages = (d: ReportDraft) => checkReport(d, context).map((p) => `${p.field} ${p.warning ? "(warning) " : ""}${vi(p.key, p.params)}`);

    it("a consistent report has no problem", () => {
      expect(messages(draft())).toEqual([]);
    });

    it("negative numbers", () => {
      expect(messages(draft({ partyAdmitted: -1 }))).toEqual([`partyAdmitted ${vi("reports.check.negative", { value: -1 })}`]);
      expect(vi("reports.check.negative", { value: -1 })).toBe("không được là số âm (-1).");
    });

    it("reductions that do not add up, and more reduced than members at the start", () => {
      expect(messages(draft({ reduced: 3 }))).toContain(`reductions ${vi("reports.check.reductions_sum", { sum: 2, reduced: 3 })}`);
      const problems = checkReport(draft({ reduced: 1100, reductions: { OTHER: 1100 }, totalMembers: 0 }), context);
      expect(problems.map((p) => p.key)).toContain("reports.check.reduced_over_start");
      expect(vi("reports.check.reduced_over_start", problems.find((p) => p.field === "reduced")!.params)).toBe(
        "giảm 1.100 người, nhiều hơn số đoàn viên đầu tuần (1.027).",
      );
    });

    it("total members down without leavers: total < start + admitted − reduced", () => {
      expect(messages(draft({ totalMembers: 1000 }))).toEqual([
        `totalMembers ${vi("reports.check.members_dropped", { total: 1000, expected: 1027, start: 1027, admitted: 2, reduced: 2 })}`,
      ]);
      expect(messages(draft({ totalMembers: 1027 }))).toEqual([]); // exactly as expected
      expect(messages(draft({ totalMembers: 1030 }))).toEqual([]); // more is allowed (transfers in)
    });

    it("each problem names every answer in conflict, so the chair may change whichever is wrong", () => {
      const fieldsOf = (d: ReportDraft) => checkReport(d, context).map((p) => [p.key.replace("reports.check.", ""), p.fields]);
      expect(fieldsOf(draft({ totalMembers: 1200, totalWorkers: 1100 }))).toEqual([["members_over_workers", ["totalMembers", "totalWorkers"]]]);
      expect(fieldsOf(draft({ totalMembers: 1000 }))).toEqual([["members_dropped", ["totalMembers", "admitted", "reduced"]]]);
      expect(fieldsOf(draft({ reduced: 3 }))).toEqual([["reductions_sum", ["reductions", "reduced"]]]);
      expect(fieldsOf(draft({ partyIntroduced: 1, partyAdmitted: 2 }))).toEqual([["party_admitted_over_introduced", ["partyAdmitted", "partyIntroduced"]]]);
      expect(fieldsOf(draft({ newGrassroots: 1, newGrassrootsWorkers: 10, newGrassrootsMembers: 12 }))).toEqual([
        ["new_grassroots_members_over_workers", ["newGrassrootsMembers", "newGrassrootsWorkers"]],
      ]);
      expect(fieldsOf(draft({ newGrassrootsWorkers: 10 }))).toEqual([["new_grassroots_without_unit", ["newGrassroots", "newGrassrootsWorkers", "newGrassrootsMembers"]]]);
      // The first answer named is `field`; the texts group numbers the Vietnamese way.
      expect(checkReport(draft({ totalMembers: 1000 }), context).map((p) => p.field)).toEqual(["totalMembers"]);
      expect(vi("reports.check.members_dropped", { total: 1000, expected: 1027, start: 1027, admitted: 2, reduced: 2 })).toContain(
        "phải ít nhất là 1.027 (đầu tuần 1.027 + kết nạp 2 − giảm 2) nhưng chỉ báo 1.000",
      );
      expect(answerValue(draft(), "reductions")).toBe(2);
      expect(answerValue(draft(), "difficulties")).toBeNull();
    });

    it("totals far above the unit's size", () => {
      expect(messages(draft({ totalMembers: 1200 }))).toEqual([`totalMembers ${vi("reports.check.members_over_workers", { members: 1200, workers: 1164 })}`]);
      const far = checkReport(draft({ totalWorkers: 3493 }), context);
      expect(far).toEqual([
        { field: "totalWorkers", fields: ["totalWorkers"], key: "reports.check.workers_far_above", params: { workers: 3493, baseline: 1164, factor: 3 }, warning: true },
      ]);
      expect(messages(draft({ totalWorkers: 3492 }))).toEqual([]);
    });

    it("fewer than the bot recorded (warnings), the Party, new unions and long difficulties", () => {
      expect(messages(draft({ admitted: 1, reduced: 1, reductions: { OTHER: 1 } }))).toEqual([
        `admitted (warning) ${vi("reports.check.admitted_below_bot", { admitted: 1, bot: 2 })}`,
        `reduced (warning) ${vi("reports.check.reduced_below_bot", { reduced: 1, bot: 2 })}`,
      ]);
      expect(messages(draft({ partyIntroduced: 1, partyAdmitted: 2 }))).toEqual([
        `partyAdmitted ${vi("reports.check.party_admitted_over_introduced", { admitted: 2, introduced: 1 })}`,
      ]);
      expect(messages(draft({ newGrassroots: 1, newGrassrootsWorkers: 10, newGrassrootsMembers: 12 }))).toEqual([
        `newGrassrootsMembers ${vi("reports.check.new_grassroots_members_over_workers", { members: 12, workers: 10 })}`,
      ]);
      expect(messages(draft({ newGrassrootsWorkers: 10 }))).toEqual([
        `newGrassroots ${vi("reports.check.new_grassroots_without_unit", { workers: 10, members: 0 })}`,
      ]);
      expect(messages(draft({ difficulties: "x".repeat(1001) }))).toEqual([`difficulties ${vi("reports.check.difficulties_too_long", { max: 1000 })}`]);
    });
  });

  it("submitting keeps every version; the latest counts; audited; refused outside the policy or with wrong numbers", async () => {
    const chair = await grant(prisma(), { id: 8801 }, "CHAIR", "LC-DK-CSLC");
    const otherChair = await grant(prisma(), { id: 8802 }, "CHAIR", "LC-DK-AGR");
    const officer = await grant(prisma(), { id: 8803 }, "OFFICER", "LC-DK");
    const officerOut = await grant(prisma(), { id: 8804 }, "OFFICER", "LC-TP");
    const unit = unitId("LC-DK-CSLC");

    expect(await submitReport(prisma(), { actorId: otherChair.id, unitId: unit, weekStart: WEEK, draft: draft() })).toEqual({ kind: "forbidden" });
    expect(await submitReport(prisma(), { actorId: officerOut.id, unitId: unit, weekStart: WEEK, draft: draft() })).toEqual({ kind: "forbidden" });
    const wrong = await submitReport(prisma(), { actorId: chair.id, unitId: unit, weekStart: WEEK, draft: draft({ totalMembers: 1000 }) });
    expect(wrong).toMatchObject({ kind: "invalid", problems: [{ key: "reports.check.members_dropped" }] });
    expect(await prisma().weeklyReport.count()).toBe(0);

    const first = await submitReport(prisma(), { actorId: chair.id, unitId: unit, weekStart: day(2026, 3, 4), draft: draft() }); // a Wednesday: its Monday
    expect(first).toMatchObject({ kind: "saved", version: 1 });
    const second = await submitReport(prisma(), { actorId: officer.id, unitId: unit, weekStart: WEEK, draft: draft({ totalMembers: 1030 }) });
    expect(second).toMatchObject({ kind: "saved", version: 2 });

    const rows = await prisma().weeklyReport.findMany({ where: { unitId: unit }, orderBy: { version: "asc" } });
    expect(rows.map((r) => [r.weekStart.toISOString().slice(0, 10), r.version, r.isLatest, r.totalMembers])).toEqual([
      ["2026-03-02", 1, false, 1027],
      ["2026-03-02", 2, true, 1030],
    ]);
    expect(rows[0]!.reductions).toEqual({ LEFT_COMPANY: 1, DECEASED: 1 });
    expect((await latestReport(prisma(), unit, WEEK))?.version).toBe(2);
    expect((await prefill(prisma(), unit, WEEK))!.latestVersion).toBe(2);
    // The next week starts from the latest version's totals.
    const next = (await prefill(prisma(), unit, day(2026, 3, 9)))!;
    expect(next).toMatchObject({ previous: { weekStart: "2026-03-02", totalMembers: 1030, totalWorkers: 1164 }, membersAtStart: 1030 });

    const audits = await prisma().auditLog.findMany({ where: { action: "report.submit" }, orderBy: { at: "asc" } });
    expect(audits.map((a) => [a.actorId, a.unitId, (a.after as { version: number }).version])).toEqual([
      [chair.id, unit, 1],
      [officer.id, unit, 2],
    ]);
    expect(await prisma().auditLog.count({ where: { action: "denied:report.submit" } })).toBe(2);
  });
});
