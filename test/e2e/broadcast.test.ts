// Broadcasts end to end, against the fake Bot API enforcing Telegram's flood limits (per second overall and
// per chat, 429 with retry_after): the audience is exactly what the officer narrowed it to, each recipient
// gets exactly one copy, 429s are waited out, people who blocked the bot are marked and not retried,
// opted-out people get nothing, scheduled broadcasts (a typed Vietnam time) can be edited and cancelled from
// /broadcasts, photos go out with the text as caption, and quiet hours hold back non-urgent broadcasts (a
// movable clock).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelBroadcast, countRecipients, createBroadcast, formatBroadcastRef, startDueBroadcasts } from "../../src/broadcasts/broadcasts.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { formatVietnamMinute } from "../../src/shared/time.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { announcementsTo, movableClock, nextVietnamHour, seedMembers, until, waitForAll, type Seeded } from "../support/broadcasts.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const en = tFor("en");
const OFFICER = { id: 7601, first_name: "Cán bộ phường" };
const CHAIR = { id: 7602, first_name: "Chủ tịch Agribank" };
const DK = "Công đoàn phường Đoàn Kết";
const AGR = "Công đoàn Agribank Chi nhánh tỉnh Lai Châu";
const ids = (people: Seeded[]) => people.map((p) => p.telegramId);

describe("broadcasts", { timeout: 120_000 }, () => {
  let h: Harness;
  const clock = movableClock(nextVietnamHour(10));
  let officerId = "";
  let cslc: Seeded[] = [];
  let agrVi: Seeded[] = [];
  let agrEn: Seeded[] = [];
  let dl: Seeded[] = [];
  let tp: Seeded[] = [];
  const unitId = async (code: string) => (await findUnitByCode(h.db.prisma, code))!.id;
  const broadcastTo = async (code: string, text: string, extra: { sendAt?: Date; urgent?: boolean } = {}) => {
    const result = await createBroadcast(
      h.db.prisma,
      officerId,
      { audience: "MEMBERS", scopeUnitId: await unitId(code), language: null, channel: null, text, photoFileId: null, urgent: extra.urgent ?? false, sendAt: extra.sendAt ?? clock.now() },
      clock.now(),
    );
    if (!result.ok) throw new Error(`broadcast refused: ${result.reason}`);
    h.app.broadcasts.worker.wake();
    return result;
  };
  const statusOf = async (id: string) => (await h.db.prisma.broadcast.findUniqueOrThrow({ where: { id } })).status;

  beforeAll(async () => {
    h = await startHarness({
      logLevel: "warn",
      // Bursts of a few replies in one private chat are normal on Telegram; the broadcast pacer keeps 1/s per chat anyway.
      fake: { enforceLimits: true, globalPerSecond: 100, perChatPerSecond: 10 },
      app: { clock: clock.now, broadcastTuning: { ratePerSecond: 90, batchSize: 40, concurrency: 4, idleMs: 200 } },
    });
    await loadDemo(h.db.prisma);
    officerId = (await grant(h.db.prisma, OFFICER, "OFFICER", "LC-DK")).id;
    await grant(h.db.prisma, CHAIR, "CHAIR", "LC-DK-AGR");
    cslc = await seedMembers(h.db.prisma, "LC-DK-CSLC", 60, 800_000);
    agrVi = await seedMembers(h.db.prisma, "LC-DK-AGR", 40, 801_000);
    agrEn = await seedMembers(h.db.prisma, "LC-DK-AGR", 20, 802_000, { language: "en" });
    dl = await seedMembers(h.db.prisma, "LC-DK-XDGT", 30, 803_000);
    tp = await seedMembers(h.db.prisma, "LC-TP-DL", 10, 804_000);
  });
  afterAll(() => h?.close());

  it("counts exactly the audience narrowed by unit subtree, language and role", async () => {
    const count = async (audience: "MEMBERS" | "CHAIRS" | "EVERYONE", code: string | null, language: "vi" | "en" | null = null) =>
      countRecipients(h.db.prisma, { audience, scopeUnitId: code ? await unitId(code) : null, language, channel: null });
    expect(await count("MEMBERS", "LC-DK")).toBe(150);
    expect(await count("MEMBERS", "LC-DK-AGR")).toBe(60);
    expect(await count("MEMBERS", "LC-DK", "en")).toBe(20);
    expect(await count("MEMBERS", "LC-TP")).toBe(10);
    expect(await count("MEMBERS", "LC-DK-XDGT")).toBe(30);
    expect(await count("MEMBERS", null)).toBe(160);
    expect(await count("CHAIRS", "LC-DK")).toBe(1);
    expect(await count("EVERYONE", "LC-DK-AGR")).toBe(61);
  });

  it("an officer's broadcast through chat reaches the narrowed audience once each, escaped, and reports back", async () => {
    const officer = new Chat(h.fake, OFFICER);
    await officer.answer("/broadcast", vi("broadcasts.ask_audience"));
    await officer.choose(vi("broadcasts.audience.MEMBERS"), vi("broadcasts.ask_unit", { scope: DK }));
    await officer.choose(vi("broadcasts.unit_code"), vi("broadcasts.ask_unit_code"));
    await officer.answer("KHONGCO", vi("broadcasts.errors.unit_not_found", { code: "KHONGCO" }));
    await officer.answer("LC-TP", vi("broadcasts.errors.unit_forbidden", { code: "LC-TP" }));
    await officer.answer("lc-dk-agr", vi("broadcasts.ask_language"));
    await officer.choose(vi("broadcasts.languages.en"), vi("broadcasts.ask_channel"));
    await officer.choose(vi("broadcasts.any_channel"), vi("broadcasts.count", { count: 20, scope: AGR }));
    await officer.expect(vi("broadcasts.ask_text", { max: 3500 }));
    h.fake.sendSticker(OFFICER);
    await officer.expect(vi("form.text_expected"));
    const text = 'Meeting <b>tonight</b> & "snacks" at 19:00 #chat1';
    await officer.answer(text, vi("broadcasts.ask_photo"));
    await officer.answer("no thanks", vi("broadcasts.errors.photo_expected"));
    await officer.choose(vi("broadcasts.no_photo"), vi("broadcasts.preview_intro"));
    const preview = await officer.expect("#chat1");
    expect(preview.text).toBe(`${vi("broadcasts.heading")}\n\n${text}`);
    expect(preview.entities).toEqual([{ type: "bold", offset: 0, length: vi("broadcasts.heading").length }]);
    await officer.expect(vi("broadcasts.ask_when"));
    await officer.choose(vi("broadcasts.when_now"), vi("broadcasts.ask_urgent"));
    await officer.choose(vi("broadcasts.urgent_no"), vi("broadcasts.summary", {
      audience: vi("broadcasts.audience.MEMBERS"),
      scope: AGR,
      language: vi("broadcasts.languages.en"),
      channel: vi("broadcasts.any_channel"),
      count: 20,
      when: vi("broadcasts.when_now"),
      urgent: vi("broadcasts.urgent_no"),
    }));
    const done = await officer.choose(vi("broadcasts.confirm_send"), /TB-\d{6}/);
    const ref = /TB-\d{6}/.exec(done.text ?? "")![0];
    expect(done.text).toBe(vi("broadcasts.created_now", { ref, count: 20 }));

    await waitForAll(h.fake, ids(agrEn), "#chat1");
    for (const p of agrEn) {
      const got = announcementsTo(h.fake, p.telegramId, "#chat1");
      expect(got).toHaveLength(1);
      expect(got[0]!.text).toBe(`${en("broadcasts.heading")}\n\n${text}`);
    }
    const report = await officer.expect(vi("broadcasts.report", { ref, total: 20, sent: 20, failed: 0, unreachable: 0, skipped: 0 }), 30_000);
    expect(report.text).toBe(vi("broadcasts.report", { ref, total: 20, sent: 20, failed: 0, unreachable: 0, skipped: 0 }));
    // Nobody outside the narrowed audience got it.
    for (const p of [...cslc, ...agrVi, ...dl, ...tp]) expect(announcementsTo(h.fake, p.telegramId, "#chat1")).toHaveLength(0);
    expect(await h.db.prisma.auditLog.count({ where: { action: "broadcast.create", actorId: officerId } })).toBe(1);
  });

  it("schedules a broadcast for a typed Vietnam time, insisting on a real time in the future", async () => {
    const officer = new Chat(h.fake, OFFICER);
    await officer.answer("/broadcast", vi("broadcasts.ask_audience"));
    await officer.choose(vi("broadcasts.audience.CHAIRS"), vi("broadcasts.ask_unit", { scope: DK }));
    await officer.choose(vi("broadcasts.unit_whole"), vi("broadcasts.ask_language"));
    await officer.choose(vi("broadcasts.any_language"), vi("broadcasts.ask_channel"));
    await officer.choose(vi("broadcasts.any_channel"), vi("broadcasts.count", { count: 1, scope: DK }));
    await officer.expect(vi("broadcasts.ask_text", { max: 3500 }));
    await officer.answer("Chairs' meeting #sched", vi("broadcasts.ask_photo"));
    await officer.choose(vi("broadcasts.no_photo"), vi("broadcasts.preview_intro"));
    await officer.expect(vi("broadcasts.ask_when"));
    await officer.choose(vi("broadcasts.when_later"), vi("broadcasts.ask_time"));
    await officer.answer("tomorrow 8am", vi("broadcasts.errors.bad_time"));
    await officer.answer("01/01/2020 08:00", vi("broadcasts.errors.time_past"));
    const at = new Date(Math.ceil((Date.now() + 3 * 86_400_000) / 60_000) * 60_000);
    await officer.answer(formatVietnamMinute(at), vi("broadcasts.ask_urgent"));
    const summary = vi("broadcasts.summary", {
      audience: vi("broadcasts.audience.CHAIRS"),
      scope: DK,
      language: vi("broadcasts.any_language"),
      channel: vi("broadcasts.any_channel"),
      count: 1,
      when: formatVietnamMinute(at),
      urgent: vi("broadcasts.urgent_no"),
    });
    await officer.choose(vi("broadcasts.urgent_no"), summary);
    const done = await officer.choose(vi("broadcasts.confirm_schedule"), /TB-\d{6}/);
    const ref = /TB-(\d{6})/.exec(done.text ?? "")!;
    expect(done.text).toBe(vi("broadcasts.created_later", { ref: ref[0], count: 1, when: formatVietnamMinute(at) }));
    const stored = await h.db.prisma.broadcast.findUniqueOrThrow({ where: { ref: Number(ref[1]) } });
    expect({ status: stored.status, sendAt: stored.sendAt, audience: stored.audience }).toEqual({ status: "SCHEDULED", sendAt: at, audience: "CHAIRS" });
    await cancelBroadcast(h.db.prisma, officerId, stored.id);
  });

  it("honours a 429: every send waits out retry_after, then the message is sent again, once", async () => {
    const before = h.fake.mark();
    h.fake.failNext("sendMessage", { error_code: 429, retry_after: 2 });
    const b = await broadcastTo("LC-DK-CSLC", "Flood test #f429");
    await waitForAll(h.fake, ids(cslc), "#f429");
    for (const p of cslc) expect(announcementsTo(h.fake, p.telegramId, "#f429")).toHaveLength(1);
    const rejected = h.fake.calls.slice(before).find((c) => c.method === "sendMessage" && c.status === 429)!;
    expect(rejected).toBeDefined();
    // Requests already on their way when the 429 came back may land just after it; none after that until retry_after ran out.
    const recipients = new Set(ids(cslc).map(String));
    const tooEarly = h.fake.calls
      .slice(before)
      .filter((c) => c.method === "sendMessage" && recipients.has(String(c.payload.chat_id)) && c.at > rejected.at + 300 && c.at < rejected.at + 2000);
    expect(tooEarly).toEqual([]);
    await until(async () => (await statusOf(b.id)) === "DONE", "the broadcast to finish");
    expect(h.app.broadcasts.worker.stats.retryAfter).toBeGreaterThanOrEqual(1);
  });

  it("marks people who blocked the bot unreachable and does not retry them", async () => {
    const b = await broadcastTo("LC-DK-XDGT", "Blocked test #blk", { sendAt: new Date(clock.now().getTime() + 3_600_000) });
    const blocked = dl.slice(0, 3);
    for (const p of blocked) h.fake.blockBot({ id: p.telegramId });
    await h.db.prisma.broadcast.update({ where: { id: b.id }, data: { sendAt: clock.now() } });
    h.app.broadcasts.worker.wake();
    await waitForAll(h.fake, ids(dl.slice(3)), "#blk");
    await until(async () => (await statusOf(b.id)) === "DONE", "the broadcast to finish");
    for (const p of blocked) {
      const attempts = h.fake.callsTo("sendMessage").filter((c) => String(c.payload.chat_id) === String(p.telegramId));
      expect(attempts.map((c) => c.status)).toEqual([403]);
      const row = await h.db.prisma.outboxMessage.findUniqueOrThrow({ where: { broadcastId_personId: { broadcastId: b.id, personId: p.personId } } });
      expect(row.status).toBe("UNREACHABLE");
      expect((await h.db.prisma.person.findUniqueOrThrow({ where: { id: p.personId } })).unreachableAt).not.toBeNull();
    }
    await new Chat(h.fake, OFFICER).expect(vi("broadcasts.report", { ref: formatBroadcastRef(b.ref), total: 30, sent: 27, failed: 0, unreachable: 3, skipped: 0 }), 30_000);
  });

  it("sends nothing to people who opted out, before the outbox was written or after", async () => {
    const early = cslc[0]!;
    const late = cslc[1]!;
    await new Chat(h.fake, { id: early.telegramId }).answer("/stop", vi("broadcasts.stopped"));
    const b = await broadcastTo("LC-DK-CSLC", "Opt-out test #opt", { sendAt: new Date(clock.now().getTime() + 3_600_000) });
    expect(b.recipientCount).toBe(59);
    // The other one taps "Stop announcements" under an earlier announcement.
    const lateChat = new Chat(h.fake, { id: late.telegramId });
    lateChat.press(vi("broadcasts.stop_button"));
    await lateChat.expect(vi("broadcasts.stopped"));
    await h.db.prisma.broadcast.update({ where: { id: b.id }, data: { sendAt: clock.now() } });
    h.app.broadcasts.worker.wake();
    await waitForAll(h.fake, ids(cslc.slice(2)), "#opt");
    await until(async () => (await statusOf(b.id)) === "DONE", "the broadcast to finish");
    expect(announcementsTo(h.fake, early.telegramId, "#opt")).toHaveLength(0);
    expect(announcementsTo(h.fake, late.telegramId, "#opt")).toHaveLength(0);
    const row = await h.db.prisma.outboxMessage.findUniqueOrThrow({ where: { broadcastId_personId: { broadcastId: b.id, personId: late.personId } } });
    expect(row.status).toBe("SKIPPED");

    await new Chat(h.fake, { id: early.telegramId }).answer("/start_announcements", vi("broadcasts.resumed"));
    expect((await h.db.prisma.person.findUniqueOrThrow({ where: { id: early.personId } })).announcementsOn).toBe(true);
  });

  it("edits and cancels scheduled broadcasts from /broadcasts; a cancelled one sends nothing", async () => {
    const later = new Date(clock.now().getTime() + 2 * 86_400_000);
    const keep = await broadcastTo("LC-DK-AGR", "Old text #old", { sendAt: later });
    const drop = await broadcastTo("LC-DK-AGR", "Never sent #never", { sendAt: later });
    const officer = new Chat(h.fake, OFFICER);
    const list = await officer.answer("/broadcasts", vi("broadcasts.list_title"));
    expect(list.text).toContain(`${formatBroadcastRef(keep.ref)} · ${vi("broadcasts.status.SCHEDULED")}`);

    await officer.choose(vi("broadcasts.edit_button", { ref: formatBroadcastRef(keep.ref) }), vi("broadcasts.ask_new_text", { ref: formatBroadcastRef(keep.ref), max: 3500 }));
    await officer.answer("  ", vi("broadcasts.errors.text_empty"));
    await officer.answer("New text #new", vi("broadcasts.edited", { ref: formatBroadcastRef(keep.ref) }));

    const press = h.fake.pressButton(OFFICER, list, `bcx:${drop.id}`);
    await h.fake.waitForCallbackAnswer(press.callbackQueryId);
    await officer.expect(vi("broadcasts.cancelled", { ref: formatBroadcastRef(drop.ref) }));
    // The same (now stale) button again, and the chair of the union (not an officer) pressing it.
    const again = h.fake.pressButton(OFFICER, list, `bcx:${drop.id}`);
    expect((await h.fake.waitForCallbackAnswer(again.callbackQueryId)).payload.text).toBe(vi("broadcasts.not_scheduled", { ref: formatBroadcastRef(drop.ref) }));
    const chairList = await new Chat(h.fake, CHAIR).answer("/broadcasts", vi("broadcasts.forbidden"));
    const forged = h.fake.pressButton(CHAIR, chairList, `bce:${keep.id}`, { allowUnknownData: true });
    expect((await h.fake.waitForCallbackAnswer(forged.callbackQueryId)).payload.text).toBe(vi("broadcasts.forbidden"));

    // Both become due: the edited one goes out with its new text, the cancelled one not at all.
    await h.db.prisma.broadcast.updateMany({ where: { id: { in: [keep.id, drop.id] } }, data: { sendAt: clock.now() } });
    h.app.broadcasts.worker.wake();
    await waitForAll(h.fake, ids([...agrVi, ...agrEn]), "#new");
    await until(async () => (await statusOf(keep.id)) === "DONE", "the edited broadcast to finish");
    for (const p of [...agrVi, ...agrEn]) {
      expect(announcementsTo(h.fake, p.telegramId, "#new")).toHaveLength(1);
      expect(announcementsTo(h.fake, p.telegramId, "#old")).toHaveLength(0);
      expect(announcementsTo(h.fake, p.telegramId, "#never")).toHaveLength(0);
    }
    expect(await statusOf(drop.id)).toBe("CANCELLED");
    expect(await h.db.prisma.outboxMessage.count({ where: { broadcastId: drop.id, status: { not: "SKIPPED" } } })).toBe(0);
  });

  it("sends a photo with the text as its caption, and refuses a caption Telegram would cut", async () => {
    const photo = h.fake.sendPhoto(OFFICER).message.photo!.at(-1)!.file_id;
    const input = { audience: "MEMBERS" as const, scopeUnitId: await unitId("LC-DK-XDGT"), language: null, channel: null, urgent: true, photoFileId: photo, sendAt: clock.now() };
    const tooLong = await createBroadcast(h.db.prisma, officerId, { ...input, text: "x".repeat(901) }, clock.now());
    expect(tooLong).toEqual({ ok: false, reason: "invalid", error: "broadcasts.errors.caption_too_long" });
    const created = await createBroadcast(h.db.prisma, officerId, { ...input, text: "Photo & caption #photo" }, clock.now());
    if (!created.ok) throw new Error(created.reason);
    h.app.broadcasts.worker.wake();
    const reachable = ids(dl.slice(3));
    await waitForAll(h.fake, reachable, "#photo");
    for (const id of reachable) {
      const [got] = announcementsTo(h.fake, id, "#photo");
      expect(got?.photo?.at(-1)?.file_id).toBe(photo);
      expect(got?.caption).toBe(`${vi("broadcasts.heading")}\n\nPhoto & caption #photo`);
    }
  });

  it("holds a non-urgent broadcast through quiet hours while an urgent one goes out", async () => {
    const night = nextVietnamHour(22, clock.now());
    clock.set(night);
    const calm = await broadcastTo("LC-DK-XDGT", "Tomorrow's news #calm");
    const urgent = await broadcastTo("LC-DK-XDGT", "Storm warning #urgent", { urgent: true });
    const reachable = ids(dl.slice(3));
    await waitForAll(h.fake, reachable, "#urgent");
    await until(async () => (await statusOf(urgent.id)) === "DONE", "the urgent broadcast to finish");
    expect(await statusOf(calm.id)).toBe("SCHEDULED");
    expect(await startDueBroadcasts(h.db.prisma, clock.now())).toEqual([]);
    for (const id of reachable) expect(announcementsTo(h.fake, id, "#calm")).toHaveLength(0);

    clock.set(nextVietnamHour(7, night));
    h.app.broadcasts.worker.wake();
    await waitForAll(h.fake, reachable, "#calm");
    for (const id of reachable) expect(announcementsTo(h.fake, id, "#calm")).toHaveLength(1);
  });
});
