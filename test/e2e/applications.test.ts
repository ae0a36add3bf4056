// What waits for a decision, end to end through the fake Bot API: /applications lists a chair's pending applications
// oldest first and opens each one's decision card, whose Approve works; a chair never sees another union's, an officer
// sees their subtree only (a page at a time), someone with no role is refused politely. Deciders are reminded of an
// application waiting 3 days and the officers above at 6 (never in quiet hours, once each, whatever the number of
// runs), with a button that opens the list. A union whose chair was never granted or blocked the bot has its
// applications' cards sent to the officers above at once.
import type { Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOTIFY_DECIDERS } from "../../src/bot/decision/notify-deciders.ts";
import { sendDueReminders } from "../../src/bot/reminders/send.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { formatApplicationRef } from "../../src/membership/numbers.ts";
import { daysWaiting } from "../../src/membership/pending.ts";
import { formatVietnamDate } from "../../src/shared/time.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const DAY = 86_400_000;
/** An instant given in Vietnam time. */
const vn = (local: string) => new Date(`${local}+07:00`);

const users = {
  chairCSLC: { id: 8101, first_name: "Chủ tịch Cao su" },
  deputyCSLC: { id: 8102, first_name: "Phó chủ tịch Cao su" },
  chairAGR: { id: 8103, first_name: "Chủ tịch Agribank" },
  officerDK: { id: 8104, first_name: "Cán bộ phường Đoàn Kết" },
  officerTP: { id: 8105, first_name: "Cán bộ phường Tân Phong" },
  stranger: { id: 8106, first_name: "Người lạ" },
  chairNN2: { id: 8107, first_name: "Chủ tịch Nậm Na 2" },
  officerPT: { id: 8108, first_name: "Cán bộ xã Phong Thổ" },
  chairCHO: { id: 8109, first_name: "Chủ tịch Chợ" },
} satisfies Record<string, TestUser>;

describe("applications waiting for a decision", () => {
  let h: Harness;
  let nextApplicant = 9100;
  const prisma = () => h.db.prisma;

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(prisma());
    await grant(prisma(), users.chairCSLC, "CHAIR", "LC-DK-CSLC");
    await grant(prisma(), users.deputyCSLC, "DEPUTY_CHAIR", "LC-DK-CSLC");
    await grant(prisma(), users.chairAGR, "CHAIR", "LC-DK-AGR");
    await grant(prisma(), users.officerDK, "OFFICER", "LC-DK");
    await grant(prisma(), users.officerTP, "OFFICER", "LC-TP");
    await grant(prisma(), users.chairNN2, "CHAIR", "LC-PT-NN2");
    await grant(prisma(), users.officerPT, "OFFICER", "LC-PT");
  });
  afterAll(() => h?.close());

  /** Files a pending application (as the join form would) and dates it `createdAt`. */
  async function apply(unitCode: string, fullName: string, createdAt = new Date()) {
    const user = { id: nextApplicant++ };
    const filed = await fileApplication(prisma(), user, unitCode, { fullName, createdAt });
    return { user, applicationId: filed.applicationId, ref: formatApplicationRef(filed.ref), createdAt, fullName };
  }

  /** Runs the notify-deciders job through pg-boss and waits until it has finished. */
  async function notify(applicationId: string) {
    const jobId = await h.app.boss.send(NOTIFY_DECIDERS, { applicationId });
    if (!jobId) throw new Error("job not queued");
    await expect.poll(async () => (await h.app.boss.getJobById(NOTIFY_DECIDERS, jobId))?.state, { timeout: 8_000 }).toBe("completed");
  }

  const buttonsOf = (m: Message | undefined) => (m?.reply_markup?.inline_keyboard ?? []).flat();
  const dataOf = (m: Message, label: string) => {
    const button = buttonsOf(m).find((b) => b.text === label);
    if (!button || !("callback_data" in button)) throw new Error(`no button ${label}`);
    return button.callback_data;
  };
  const waiting = (a: { createdAt: Date }) =>
    vi("applications.list.since", { date: formatVietnamDate(a.createdAt), waiting: vi("applications.list.days", { count: daysWaiting(a.createdAt, new Date()) }) });
  const line = (no: number, a: { fullName: string; ref: string }) => vi("applications.list.line", { no, name: a.fullName, ref: a.ref });
  const sentTo = (user: TestUser, text: string) => h.fake.deliveredTo(user).filter((m) => m.text?.includes(text)).length;

  let cslc: Awaited<ReturnType<typeof apply>>[];
  let agr: Awaited<ReturnType<typeof apply>>;
  let tp: Awaited<ReturnType<typeof apply>>;

  it("/applications shows a chair their union's applications oldest first; a number opens the card, whose Approve works", async () => {
    const now = Date.now();
    const five = await apply("LC-DK-CSLC", "Lò Thị Năm", new Date(now - 5 * DAY));
    const one = await apply("LC-DK-CSLC", "Vàng Văn Một", new Date(now - 1 * DAY));
    const nine = await apply("LC-DK-CSLC", "Giàng A Chín", new Date(now - 9 * DAY));
    cslc = [nine, five, one];
    agr = await apply("LC-DK-AGR", "Tòng Thị Agribank", new Date(now - 2 * DAY));
    tp = await apply("LC-TP-DL", "Quàng Văn Điện", new Date(now - 4 * DAY));

    const chair = new Chat(h.fake, users.chairCSLC);
    const list = await chair.answer("/applications", vi("applications.list.title"));
    expect(list.text).toContain(vi("applications.list.count", { count: 3, page: 1, pages: 1 }));
    const at = (s: string) => list.text!.indexOf(s);
    expect([at(line(1, nine)), at(line(2, five)), at(line(3, one))].every((i) => i >= 0)).toBe(true);
    expect(at(line(1, nine))).toBeLessThan(at(line(2, five)));
    expect(at(line(2, five))).toBeLessThan(at(line(3, one)));
    expect(list.text).toContain(waiting(nine)); // dd/mm/yyyy · đã chờ 9 ngày
    expect(list.text).toMatch(/\d{2}\/\d{2}\/\d{4} · /);
    // One union in scope: no union names on the lines; never another union's application.
    expect(list.text).not.toContain(agr.fullName);
    expect(list.text).not.toContain(tp.fullName);
    expect(buttonsOf(list).map((b) => b.text)).toEqual(["1", "2", "3"]);

    // The deputy sees what the chair sees.
    const deputyList = await new Chat(h.fake, users.deputyCSLC).answer("/applications", vi("applications.list.title"));
    expect(deputyList.text).toBe(list.text);

    // "1" opens the oldest one's decision card: the card and the Approve / Reject buttons of the notification.
    chair.press("1");
    const card = await chair.expect(nine.ref);
    expect(card.text).toContain(nine.fullName);
    expect(buttonsOf(card).map((b) => b.text)).toEqual([vi("decision.approve"), vi("decision.reject")]);
    expect(dataOf(card, vi("decision.approve"))).toBe(`dec:a:${nine.applicationId}`);
    const view = await prisma().auditLog.findFirst({ where: { action: "application.view", targetId: nine.applicationId } });
    expect(view).not.toBeNull();

    const press = h.fake.pressButton(users.chairCSLC, card, `dec:a:${nine.applicationId}`);
    expect((await h.fake.waitForCallbackAnswer(press.callbackQueryId)).payload.text).toBe(vi("decision.approved_done"));
    await new Chat(h.fake, nine.user).expect(vi("decision.approved_applicant"));
    expect((await prisma().application.findUniqueOrThrow({ where: { id: nine.applicationId } })).status).toBe("APPROVED");

    // Decided: gone from the list; its old "1" button now says it was decided.
    const after = await chair.answer("/applications", vi("applications.list.title"));
    expect(after.text).toContain(vi("applications.list.count", { count: 2, page: 1, pages: 1 }));
    expect(after.text).toContain(line(1, five));
    expect(after.text).not.toContain(nine.ref);
    const stale = h.fake.pressButton(users.chairCSLC, list, `apo:${nine.applicationId}`);
    expect((await h.fake.waitForCallbackAnswer(stale.callbackQueryId)).payload.text).toBe(
      vi("decision.already", { status: vi("decision.status.APPROVED") }),
    );
  });

  it("a chair never sees another union's applications, even with a forged button; no role: a polite refusal", async () => {
    const chair = new Chat(h.fake, users.chairAGR);
    const list = await chair.answer("/applications", vi("applications.list.title"));
    expect(list.text).toContain(line(1, agr));
    expect(list.text).toContain(vi("applications.list.count", { count: 1, page: 1, pages: 1 }));
    for (const a of cslc) expect(list.text).not.toContain(a.ref);
    expect(list.text).not.toContain(tp.ref);

    const forged = h.fake.pressButton(users.chairAGR, list, `apo:${cslc[1]!.applicationId}`, { allowUnknownData: true });
    expect((await h.fake.waitForCallbackAnswer(forged.callbackQueryId)).payload.text).toBe(vi("applications.forbidden"));
    expect(sentTo(users.chairAGR, cslc[1]!.ref)).toBe(0);
    const chairPerson = await prisma().chatIdentity.findUniqueOrThrow({ where: { channel_externalId: { channel: "TELEGRAM", externalId: String(users.chairAGR.id) } } });
    expect(await prisma().auditLog.count({ where: { action: "denied:application.view", actorId: chairPerson.personId } })).toBe(1);

    const stranger = new Chat(h.fake, users.stranger);
    const refusal = await stranger.answer("/applications", vi("applications.forbidden"));
    expect(buttonsOf(refusal)).toEqual([]);
    const own = await stranger.answer("/status", vi("status.none"));
    const strangerPress = h.fake.pressButton(users.stranger, own, `apo:${agr.applicationId}`, { allowUnknownData: true });
    expect((await h.fake.waitForCallbackAnswer(strangerPress.callbackQueryId)).payload.text).toBe(vi("applications.forbidden"));
    const page = h.fake.pressButton(users.stranger, own, "apl:1", { allowUnknownData: true });
    expect((await h.fake.waitForCallbackAnswer(page.callbackQueryId)).payload.text).toBe(vi("applications.forbidden"));
    expect(sentTo(users.stranger, agr.ref)).toBe(0);
  });

  it("an officer sees their subtree only, with each application's union, a page at a time", async () => {
    // Eight more in LC-DK-AGR: with the 2 of CSLC and 1 of AGR, 11 wait under LC-DK (8 a page).
    const now = Date.now();
    const more = [];
    for (let i = 0; i < 8; i++) more.push(await apply("LC-DK-AGR", `Người Làm Đơn Số ${i + 1}`, new Date(now - (i + 10) * 3_600_000)));
    const officer = new Chat(h.fake, users.officerDK);
    const first = await officer.answer("/applications", vi("applications.list.title"));
    expect(first.text).toContain(vi("applications.list.count", { count: 11, page: 1, pages: 2 }));
    expect(first.text).toContain(line(1, cslc[1]!)); // 5 days: the oldest left under LC-DK
    expect(first.text).toContain(line(2, agr));
    expect(first.text).toContain(line(3, cslc[2]!));
    expect(first.text).toContain(vi("applications.list.unit", { unit: "Công đoàn Công ty Cổ phần Cao su Lai Châu" }));
    expect(first.text).toContain(vi("applications.list.unit", { unit: "Công đoàn Agribank Chi nhánh tỉnh Lai Châu" }));
    expect(first.text).not.toContain(tp.ref); // LC-TP-DL is under another ward
    expect(buttonsOf(first).map((b) => b.text)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", vi("applications.list.next")]);

    officer.press(vi("applications.list.next"));
    const second = await officer.expect(vi("applications.list.count", { count: 11, page: 2, pages: 2 }));
    expect(second.message_id).toBe(first.message_id); // turned in place
    // Oldest first: 5 days (CSLC), 2 days (AGR), 1 day (CSLC), then the eight sent 17 to 10 hours ago; page 2 has the
    // newest three, Người Làm Đơn Số 1 (10 hours) last.
    expect(second.text).toContain(line(9, more[2]!));
    expect(second.text).toContain(line(11, more[0]!));
    expect(second.text).not.toContain(cslc[2]!.ref);
    expect(buttonsOf(second).map((b) => b.text)).toEqual(["9", "10", "11", vi("applications.list.prev")]);

    const other = await new Chat(h.fake, users.officerTP).answer("/applications", vi("applications.list.title"));
    expect(other.text).toContain(vi("applications.list.count", { count: 1, page: 1, pages: 1 }));
    expect(other.text).toContain(line(1, tp));

    // Everything decided under LC-TP: the officer there is told so.
    await prisma().application.update({ where: { id: tp.applicationId }, data: { status: "REJECTED", rejectReason: "thử" } });
    await new Chat(h.fake, users.officerTP).answer("/applications", vi("applications.list.empty"));
  });

  it("a union with no chair, or whose chair blocked the bot, has its cards sent to the officer above at once", async () => {
    // LC-DK-XDGT has no chair: the officer of LC-DK decides.
    const noChair = await apply("LC-DK-XDGT", "Sùng A Xây");
    await notify(noChair.applicationId);
    const officer = new Chat(h.fake, users.officerDK);
    const card = await officer.expect(noChair.ref);
    expect(card.text).toContain(vi("decision.new_application"));
    expect(dataOf(card, vi("decision.approve"))).toBe(`dec:a:${noChair.applicationId}`);
    const press = h.fake.pressButton(users.officerDK, card, `dec:a:${noChair.applicationId}`);
    expect((await h.fake.waitForCallbackAnswer(press.callbackQueryId)).payload.text).toBe(vi("decision.approved_done"));

    // LC-DK-CHO has a chair, who blocked the bot: the officer gets the card, the chair is not tried.
    const chairPerson = await grant(prisma(), users.chairCHO, "CHAIR", "LC-DK-CHO");
    h.fake.blockBot(users.chairCHO);
    await expect.poll(async () => (await prisma().person.findUniqueOrThrow({ where: { id: chairPerson.id } })).unreachableAt).not.toBeNull();
    const blocked = await apply("LC-DK-CHO", "Lò Văn Chợ");
    await notify(blocked.applicationId);
    await officer.expect(blocked.ref);
    expect(sentTo(users.chairCHO, blocked.ref)).toBe(0);

    // A union whose chair is reachable: the chair alone, the officer is not bothered.
    const normal = await apply("LC-DK-AGR", "Hoàng Thị Thường");
    await notify(normal.applicationId);
    await new Chat(h.fake, users.chairAGR).expect(normal.ref);
    expect(sentTo(users.officerDK, normal.ref)).toBe(0);
  });

  it("reminds the chair after 3 days and the officer above after 6, never in quiet hours, each once", async () => {
    const deps = () => ({ api: h.app.bot.api, prisma: prisma(), logger: h.app.logger });
    const first = await apply("LC-PT-NN2", "Lý Văn Đầu", vn("2026-03-02T10:00"));
    const second = await apply("LC-PT-NN2", "Lý Thị Sau", vn("2026-03-03T09:00"));
    const unit = "Công đoàn Công ty Cổ phần Thủy điện Nậm Na 2";
    const waitOne = vi("applications.reminder.wait_chair", { count: 1, days: 3, unit });
    const waitTwo = vi("applications.reminder.wait_chair", { count: 2, days: 3, unit });
    const late = vi("applications.reminder.late_officer", { count: 1, days: 6, unit: "Công đoàn xã Phong Thổ" });

    await sendDueReminders(deps(), vn("2026-03-05T09:59")); // 2 days 23:59
    expect(sentTo(users.chairNN2, waitOne)).toBe(0);

    // Three days: the chair, once, even with two instances running the schedule at the same moment.
    await Promise.all([sendDueReminders(deps(), vn("2026-03-05T10:00")), sendDueReminders(deps(), vn("2026-03-05T10:00"))]);
    const chair = new Chat(h.fake, users.chairNN2);
    const reminder = await chair.expect(waitOne);
    expect(buttonsOf(reminder).map((b) => b.text)).toEqual([vi("applications.open_list")]);
    await sendDueReminders(deps(), vn("2026-03-05T10:15"));
    expect(sentTo(users.chairNN2, waitOne)).toBe(1);
    expect(sentTo(users.officerPT, late)).toBe(0);

    // The second one reaches three days the next morning: one more reminder, counting both.
    await sendDueReminders(deps(), vn("2026-03-06T09:00"));
    await chair.expect(waitTwo);
    await sendDueReminders(deps(), vn("2026-03-06T15:00"));
    expect(sentTo(users.chairNN2, waitTwo)).toBe(1);

    // Six days pass in the evening: nothing during quiet hours, the officer above at 07:00, once.
    await sendDueReminders(deps(), vn("2026-03-08T22:00"));
    await sendDueReminders(deps(), vn("2026-03-09T06:59"));
    expect(sentTo(users.officerPT, late)).toBe(0);
    await sendDueReminders(deps(), vn("2026-03-09T07:00"));
    const officer = new Chat(h.fake, users.officerPT);
    const escalation = await officer.expect(late);
    await sendDueReminders(deps(), vn("2026-03-09T07:15"));
    await sendDueReminders(deps(), vn("2026-03-10T09:00")); // the second one's six days: one more, counting both
    expect(sentTo(users.officerPT, late)).toBe(1);
    expect(sentTo(users.chairNN2, waitOne) + sentTo(users.chairNN2, waitTwo)).toBe(2);
    await officer.expect(vi("applications.reminder.late_officer", { count: 2, days: 6, unit: "Công đoàn xã Phong Thổ" }));

    // The reminder's button opens the list, as /applications does.
    officer.press(vi("applications.open_list"));
    const list = await officer.expect(vi("applications.list.title"));
    expect(list.message_id).not.toBe(escalation.message_id);
    expect(list.text).toContain(line(1, first));
    expect(list.text).toContain(line(2, second));
    chair.press(vi("applications.open_list"));
    const chairList = await chair.expect(vi("applications.list.title"));
    expect(chairList.text).toContain(line(1, first));
  });
});
