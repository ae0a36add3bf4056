// Reminders and report status on Telegram, end to end, with a fixed clock: the running app's reminder
// run sends the chair the Friday report reminder with its "Báo cáo ngay" button, which opens the report
// form; /reminders turns them off (then nothing comes) and on again; the demo campaign's first wave is
// announced to chairs; an officer's /report_status lists the unions that have not reported and one tap
// nudges their chairs, once a day.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendDueReminders } from "../../src/bot/reminders/send.ts";
import { loadDriveDemo } from "../../src/drive/demo.ts";
import { vietnamWeekStart } from "../../src/drive/reminders.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { formatCalendarDate } from "../../src/shared/time.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const vn = (local: string) => new Date(`${local}+07:00`);
const DAY = 86_400_000;

const CSLC = "Công đoàn Công ty Cổ phần Cao su Lai Châu";
const AGR = "Công đoàn Agribank Chi nhánh tỉnh Lai Châu";
const CHAIR1 = { id: 7301, first_name: "Chủ tịch Cao su" };
const CHAIR2 = { id: 7302, first_name: "Chủ tịch Agribank" };
const OFFICER = { id: 7303, first_name: "Cán bộ phường" };

describe("reminders and report status", () => {
  let h: Harness;
  const deps = () => ({ api: h.app.bot.api, prisma: h.db.prisma, logger: h.app.logger });
  const remindersTo = (user: { id: number }, text: string) => h.fake.messagesTo(user).filter((m) => m.text?.includes(text)).length;

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, CHAIR1, "CHAIR", "LC-DK-CSLC");
    await grant(h.db.prisma, CHAIR2, "CHAIR", "LC-DK-AGR");
    await grant(h.db.prisma, OFFICER, "OFFICER", "LC-DK");
  });
  afterAll(() => h?.close());

  it("sends the chair the Friday 15:00 reminder once, with a button that opens the report form", async () => {
    const chair = new Chat(h.fake, CHAIR1);
    const result = await sendDueReminders(deps(), vn("2026-03-06T15:00"));
    expect(result.sent).toBeGreaterThan(0);
    const text = vi("reminders.message.report_due", { unit: CSLC, from: "02/03/2026", to: "08/03/2026" });
    const message = await chair.expect(text);
    const cslc = (await findUnitByCode(h.db.prisma, "LC-DK-CSLC"))!;
    expect(message.reply_markup?.inline_keyboard.flat()).toEqual([{ text: vi("reminders.report_now"), callback_data: `rep:${cslc.id}` }]);

    // The next run sends nothing again.
    expect(await sendDueReminders(deps(), vn("2026-03-06T15:15"))).toMatchObject({ sent: 0 });
    expect(remindersTo(CHAIR1, text)).toBe(1);

    await chair.choose(vi("reminders.report_now"), vi("reports.week_ask", { unit: CSLC }));
    await chair.answer("/cancel", vi("forms.report.cancelled"));
  });

  it("/reminders turns them off (then nothing comes) and on again", async () => {
    const chair = new Chat(h.fake, CHAIR2);
    await chair.answer("/reminders", vi("reminders.state_on"));
    await chair.choose(vi("reminders.turn_off"), vi("reminders.state_off"));

    await sendDueReminders(deps(), vn("2026-03-13T15:00"));
    const week = { from: "09/03/2026", to: "15/03/2026" };
    await new Chat(h.fake, CHAIR1).expect(vi("reminders.message.report_due", { unit: CSLC, ...week }));
    expect(remindersTo(CHAIR2, vi("reminders.message.report_due", { unit: AGR, ...week }))).toBe(0);

    await chair.answer("/reminders", vi("reminders.state_off"));
    await chair.choose(vi("reminders.turn_on"), vi("reminders.state_on"));
    await sendDueReminders(deps(), vn("2026-03-14T09:00"));
    await chair.expect(vi("reminders.message.report_due", { unit: AGR, ...week }));
  });

  it("announces the demo campaign's first wave to chairs on its first day", async () => {
    await loadDriveDemo(h.db.prisma);
    const wave = await h.db.prisma.wave.findFirstOrThrow({ where: { campaign: { code: "LC-TCD-2026" } }, orderBy: { startsOn: "asc" }, include: { campaign: true } });
    const text = vi("reminders.message.wave_start", {
      unit: CSLC,
      wave: wave.name,
      campaign: wave.campaign.name,
      from: "01/05/2026",
      to: formatCalendarDate(wave.endsOn),
      days: 3,
    });
    await sendDueReminders(deps(), vn("2026-04-30T22:00")); // quiet hours, and the day before
    expect(remindersTo(CHAIR1, text)).toBe(0);
    await sendDueReminders(deps(), vn("2026-05-01T08:00"));
    await new Chat(h.fake, CHAIR1).expect(text);
  });

  it("shows an officer who has not reported this week and nudges them once a day with one tap", async () => {
    const officer = new Chat(h.fake, OFFICER);
    const weekStart = vietnamWeekStart(new Date());
    const range = { from: formatCalendarDate(weekStart), to: formatCalendarDate(new Date(weekStart.getTime() + 6 * DAY)) };
    const status = await officer.answer("/report_status", vi("report_status.title", { unit: "Công đoàn phường Đoàn Kết", ...range }));
    expect(status.text).toContain(vi("report_status.summary", { done: 0, total: 4 }));
    expect(status.text).toContain(vi("report_status.missing", { count: 4 }));
    expect(status.text).toContain(`• ${CSLC} (LC-DK-CSLC)`);
    expect(status.text).toContain(`• ${AGR} (LC-DK-AGR)`);

    const nudge = vi("reminders.message.overdue", { unit: AGR, ...range });
    await officer.choose(vi("report_status.nudge"), vi("report_status.nudged", { count: 2 }));
    await new Chat(h.fake, CHAIR2).expect(nudge);
    await new Chat(h.fake, CHAIR1).expect(vi("reminders.message.overdue", { unit: CSLC, ...range }));
    await officer.choose(vi("report_status.nudge"), vi("report_status.nudged_already"));
    expect(remindersTo(CHAIR2, nudge)).toBe(1);
    expect(await h.db.prisma.auditLog.count({ where: { action: "report.nudge" } })).toBe(2);

    // Outside the officer's scope, an unknown code, and a chair: nothing to see.
    await officer.answer("/report_status LC-TP", vi("report_status.forbidden"));
    await officer.answer("/report_status KHONGCO", vi("report_status.unit_not_found", { code: "KHONGCO" }));
    await new Chat(h.fake, CHAIR1).answer("/report_status", vi("report_status.forbidden"));
  });
});
