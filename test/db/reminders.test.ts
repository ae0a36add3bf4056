// Reminders in the domain, on a fake clock: the weekly report falls due on Friday 15:00 for the chairs and
// deputies of open grassroots unions, once (even with two bot instances at the same moment); nothing in
// quiet hours; people who turned reminders off or blocked the bot are skipped; Monday's overdue nudge only
// goes to unions without a report; a campaign wave's start, half-time and last three days; report status.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nudgeMissing, reportStatus } from "../../src/drive/report-status.ts";
import {
  runDueReminders,
  setRemindersOn,
  settingsOf,
  vietnamWeekStart,
  waveDates,
  type DueReminder,
  type ReminderKind,
} from "../../src/drive/reminders.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

/** An instant given in Vietnam time. */
const vn = (local: string) => new Date(`${local}+07:00`);
const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe("reminders", () => {
  let db: TestDatabase;
  const ids: Record<string, string> = {};
  const unitIds: Record<string, string> = {};
  let sent: DueReminder[] = [];
  const deliver = async (r: DueReminder) => {
    sent.push(r);
    return "sent" as const;
  };
  // Members' texts go to the outbox (test/e2e/wave-announcement.test.ts); these tests are about chairs.
  const announce = async (rs: DueReminder[]) => {
    sent.push(...rs);
    return rs.length;
  };
  /** Runs the reminders at `now` and returns what was sent then. */
  async function run(now: Date, kind?: ReminderKind) {
    sent = [];
    await runDueReminders({ prisma: db.prisma, deliver, announce }, now);
    return sent.filter((r) => !kind || r.kind === kind);
  }
  const who = (rs: DueReminder[]) => rs.map((r) => `${Object.keys(ids).find((k) => ids[k] === r.personId)}@${r.unit.code}`).sort();

  // Each test starts from its own fresh store (the demo units and these people), so none depends on what an
  // earlier one sent or wrote.
  beforeEach(async () => {
    db = await createTestDatabase();
    await loadDemo(db.prisma);
    for (const code of ["LC-DK-CSLC", "LC-DK-AGR", "LC-TP-DL", "LC-TP-MT", "LC-TP-NS"]) unitIds[code] = (await findUnitByCode(db.prisma, code))!.id;
    ids.chairA = (await grant(db.prisma, { id: 71001, first_name: "A" }, "CHAIR", "LC-DK-CSLC")).id;
    ids.deputyA = (await grant(db.prisma, { id: 71002, first_name: "A2" }, "DEPUTY_CHAIR", "LC-DK-CSLC")).id;
    ids.chairB = (await grant(db.prisma, { id: 71003, first_name: "B" }, "CHAIR", "LC-DK-AGR")).id;
    ids.chairOff = (await grant(db.prisma, { id: 71004, first_name: "Off" }, "CHAIR", "LC-TP-DL")).id;
    ids.chairGone = (await grant(db.prisma, { id: 71005, first_name: "Gone" }, "CHAIR", "LC-TP-MT")).id;
    ids.chairClosed = (await grant(db.prisma, { id: 71006, first_name: "Closed" }, "CHAIR", "LC-TP-NS")).id;
    ids.officer = (await grant(db.prisma, { id: 71007, first_name: "Officer" }, "OFFICER", "LC-DK")).id;
    await setRemindersOn(db.prisma, ids.chairOff!, false);
    await db.prisma.person.update({ where: { id: ids.chairGone }, data: { unreachableAt: new Date() } });
    await db.prisma.unit.update({ where: { code: "LC-TP-NS" }, data: { closedAt: new Date() } });
  });
  afterEach(() => db?.destroy());

  it("sends the report reminder on Friday 15:00 to chairs and deputies, once, skipping opted-out, unreachable and closed", async () => {
    expect(await run(vn("2026-03-06T14:59"), "report_due")).toEqual([]);
    const due = await run(vn("2026-03-06T15:00"), "report_due");
    expect(who(due)).toEqual(["chairA@LC-DK-CSLC", "chairB@LC-DK-AGR", "deputyA@LC-DK-CSLC"]);
    expect(due[0]!.weekStart).toEqual(day("2026-03-02"));
    // The next runs of the schedule send nothing new.
    expect(await run(vn("2026-03-06T15:15"))).toEqual([]);
    expect(await run(vn("2026-03-07T10:00"))).toEqual([]);
    expect(await db.prisma.reminderDelivery.count({ where: { key: { startsWith: "report_due:2026-03-02:" } } })).toBe(3);
  });

  it("sends once when two bot instances run the schedule at the same moment", async () => {
    sent = [];
    const now = vn("2026-03-13T15:00");
    const results = await Promise.all([
      runDueReminders({ prisma: db.prisma, deliver, announce }, now),
      runDueReminders({ prisma: db.prisma, deliver, announce }, now),
    ]);
    const due = sent.filter((r) => r.kind === "report_due");
    expect(who(due)).toEqual(["chairA@LC-DK-CSLC", "chairB@LC-DK-AGR", "deputyA@LC-DK-CSLC"]);
    expect(results[0]!.sent + results[1]!.sent).toBe(sent.length);
  });

  it("holds reminders in quiet hours (21:00–07:00) and sends them at 07:00", async () => {
    // The bot was down on Friday afternoon and comes back at 21:30.
    expect(await run(vn("2026-03-20T21:30"))).toEqual([]);
    expect(await run(vn("2026-03-21T03:00"))).toEqual([]);
    expect(await run(vn("2026-03-21T06:59"))).toEqual([]);
    const morning = await run(vn("2026-03-21T07:00"), "report_due");
    expect(who(morning)).toEqual(["chairA@LC-DK-CSLC", "chairB@LC-DK-AGR", "deputyA@LC-DK-CSLC"]);
  });

  it("a person who turns reminders back on gets the ones still due", async () => {
    expect(who(await run(vn("2026-03-20T15:00"), "report_due"))).toEqual(["chairA@LC-DK-CSLC", "chairB@LC-DK-AGR", "deputyA@LC-DK-CSLC"]);
    await setRemindersOn(db.prisma, ids.chairOff!, true);
    const due = await run(vn("2026-03-21T08:00"), "report_due");
    expect(who(due)).toEqual(["chairOff@LC-TP-DL"]);
  });

  it("nudges on Monday 08:00 only the unions that did not report the week before", async () => {
    await db.prisma.weeklyReport.create({
      data: { unitId: unitIds["LC-DK-CSLC"]!, weekStart: day("2026-03-16"), version: 1, admitted: 3, reduced: 0, reductions: {}, totalMembers: 120, totalWorkers: 150 },
    });
    expect(await run(vn("2026-03-23T07:59"), "overdue")).toEqual([]);
    const overdue = await run(vn("2026-03-23T08:00"), "overdue");
    expect(who(overdue)).toEqual(["chairB@LC-DK-AGR"]);
    expect(overdue[0]!.weekStart).toEqual(day("2026-03-16"));
    expect(await run(vn("2026-03-23T09:00"), "overdue")).toEqual([]);
  });

  it("reminds chairs at a wave's start, half-time and three days before its end", async () => {
    const lc = (await findUnitByCode(db.prisma, "LC"))!;
    const campaign = await db.prisma.campaign.create({
      data: {
        code: "TEST-TCD-2026",
        name: "Tháng cao điểm 2026",
        issuingUnitId: lc.id,
        startsOn: day("2026-05-01"),
        endsOn: day("2026-07-28"),
        waves: {
          create: [
            { name: "Đợt 1", startsOn: day("2026-05-01"), endsOn: day("2026-05-31") },
            { name: "Đợt 2", startsOn: day("2026-07-01"), endsOn: day("2026-07-28") },
          ],
        },
      },
      include: { waves: { orderBy: { startsOn: "asc" } } },
    });
    const [w1, w2] = campaign.waves;
    expect(waveDates(w1!)).toEqual({ start: day("2026-05-01"), half: day("2026-05-16"), ending: day("2026-05-28") });
    expect(waveDates(w2!)).toEqual({ start: day("2026-07-01"), half: day("2026-07-14"), ending: day("2026-07-25") });

    const waveRun = async (at: string, kind: ReminderKind) => (await run(vn(at), kind)).filter((r) => r.wave?.id === w1!.id || r.wave?.id === w2!.id);
    expect(await waveRun("2026-05-01T07:59", "wave_start")).toEqual([]);
    const start = await waveRun("2026-05-01T08:00", "wave_start");
    // Chairs only (not deputies), and not those who opted out, blocked the bot or whose union closed.
    expect(who(start)).toEqual(["chairA@LC-DK-CSLC", "chairB@LC-DK-AGR"]);
    expect(start[0]!.wave).toMatchObject({ name: "Đợt 1", campaignName: "Tháng cao điểm 2026" });
    expect(await waveRun("2026-05-01T12:00", "wave_start")).toEqual([]);
    expect(who(await waveRun("2026-05-16T08:00", "wave_half"))).toEqual(["chairA@LC-DK-CSLC", "chairB@LC-DK-AGR"]);
    const ending = await waveRun("2026-05-28T08:00", "wave_ending");
    expect(who(ending)).toEqual(["chairA@LC-DK-CSLC", "chairB@LC-DK-AGR"]);
    expect(ending[0]!.daysBefore).toBe(3);

    // Per-campaign settings: the second wave starts being announced at 09:30, and its end five days before.
    await db.prisma.campaign.update({ where: { id: campaign.id }, data: { reminders: { waveStart: { time: "09:30" }, waveEnding: { daysBefore: 5 } } } });
    expect(await waveRun("2026-07-01T08:00", "wave_start")).toEqual([]);
    expect(who(await waveRun("2026-07-01T09:30", "wave_start"))).toEqual(["chairA@LC-DK-CSLC", "chairB@LC-DK-AGR"]);
    expect(await waveRun("2026-07-25T08:00", "wave_ending")).toEqual([]);
    const early = await waveRun("2026-07-23T08:00", "wave_ending");
    expect(who(early)).toEqual(["chairA@LC-DK-CSLC", "chairB@LC-DK-AGR"]);
    expect(early[0]!.daysBefore).toBe(5);
  });

  it("validates campaign settings and falls back to the defaults on bad ones", () => {
    expect(settingsOf({ reportDue: { weekday: 4, time: "16:30" } }).settings.reportDue).toEqual({ enabled: true, weekday: 4, time: "16:30" });
    const bad = settingsOf({ reportDue: { time: "25:00" }, surprise: true });
    expect(bad.error).toBeTruthy();
    expect(bad.settings.reportDue.time).toBe("15:00");
  });

  it("shows officers who has reported, and nudges the missing once a day", async () => {
    await db.prisma.weeklyReport.create({
      data: { unitId: unitIds["LC-DK-CSLC"]!, weekStart: day("2026-03-16"), version: 1, admitted: 3, reduced: 0, reductions: {}, totalMembers: 120, totalWorkers: 150 },
    });
    const weekStart = vietnamWeekStart(vn("2026-03-18T10:00"));
    expect(weekStart).toEqual(day("2026-03-16"));
    const status = await reportStatus(db.prisma, { actorId: ids.officer!, unitId: (await findUnitByCode(db.prisma, "LC-DK"))!.id, weekStart });
    if (!status.ok) throw new Error(status.reason);
    expect(status.reported.map((u) => u.code)).toEqual(["LC-DK-CSLC"]);
    expect(status.missing.map((u) => u.code).sort()).toEqual(["LC-DK-AGR", "LC-DK-CHO", "LC-DK-XDGT"]);

    // A chair may not see the status; an officer may not see outside their subtree.
    expect(await reportStatus(db.prisma, { actorId: ids.chairA!, unitId: unitIds["LC-DK-CSLC"]!, weekStart })).toEqual({ ok: false, reason: "forbidden" });
    const tp = (await findUnitByCode(db.prisma, "LC-TP"))!.id;
    expect(await reportStatus(db.prisma, { actorId: ids.officer!, unitId: tp, weekStart })).toEqual({ ok: false, reason: "forbidden" });

    const lcdk = (await findUnitByCode(db.prisma, "LC-DK"))!.id;
    sent = [];
    const first = await nudgeMissing(db.prisma, { actorId: ids.officer!, unitId: lcdk, weekStart, now: vn("2026-03-24T10:00") }, deliver);
    expect(first).toMatchObject({ ok: true, sent: 1 });
    expect(who(sent)).toEqual(["chairB@LC-DK-AGR"]);
    sent = [];
    const again = await nudgeMissing(db.prisma, { actorId: ids.officer!, unitId: lcdk, weekStart, now: vn("2026-03-24T16:00") }, deliver);
    expect(again).toMatchObject({ ok: true, sent: 0, already: 1 });
    expect(sent).toEqual([]);
    expect(await db.prisma.auditLog.count({ where: { action: "report.nudge", actorId: ids.officer } })).toBe(2);
    // The next day, again.
    expect(await nudgeMissing(db.prisma, { actorId: ids.officer!, unitId: lcdk, weekStart, now: vn("2026-03-25T09:00") }, deliver)).toMatchObject({ sent: 1 });
    expect(await nudgeMissing(db.prisma, { actorId: ids.chairA!, unitId: lcdk, weekStart, now: vn("2026-03-26T09:00") }, deliver)).toEqual({ ok: false, reason: "forbidden" });
  });
});
