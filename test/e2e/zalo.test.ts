// A worker on Zalo joins the union through the same bot as Telegram: Zalo has no buttons, so choices arrive as
// numbered lines answered by typing the number (or the label); the chair decides on Telegram; the worker hears the
// decision on Zalo. Zalo is faked at its HTTP API (test/fake-zalo), Telegram at its own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBroadcast } from "../../src/broadcasts/broadcasts.ts";
import { NOTIFY_DECIDERS } from "../../src/bot/decision/notify-deciders.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";
import { FakeZalo } from "../fake-zalo/server.ts";
import { freePort } from "../support/ports.ts";

const vi = tFor("vi");

describe("joining on Zalo", () => {
  let h: Harness;
  let zalo: FakeZalo;
  beforeAll(async () => {
    zalo = await FakeZalo.start();
    h = await startHarness({ env: { ZALO_BOT_TOKEN: zalo.token, ZALO_API_ROOT: zalo.apiRoot } });
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, { id: 500 }, "CHAIR", "LC-DK-CSLC");
  });
  afterAll(async () => {
    await h?.close();
    await zalo?.close();
  });

  it("takes a Zalo worker from the poster's code to a member card, choices typed as numbers", async () => {
    const worker = "a3f09c1d22e47b5c8d01";
    const say = (text: string) => zalo.userSends(worker, text, "Lò Thị Mai");
    const chair = new Chat(h.fake, { id: 500, first_name: "Chủ tịch" });

    say("/start LC-DK-CSLC");
    const language = await zalo.expect(worker, vi("join.language.ask"));
    expect(language.text).toContain("1️⃣ Tiếng Việt");
    expect(language.text).toContain(vi("zalo.reply_with_number"));
    say("1");
    await zalo.expect(worker, vi("join.consent.question"));
    say("1");
    await zalo.expect(worker, vi("join.fields.fullName.ask"));
    say("lò thị mai");
    await zalo.expect(worker, vi("join.fields.birthDate.ask"));
    say("31/02/1990");
    await zalo.expect(worker, vi("join.fields.birthDate.ask")); // asked again after the specific error
    say("12/03/1990");
    await zalo.expect(worker, vi("join.fields.sex.ask"));
    say(vi("join.fields.sex.FEMALE")); // the label works as well as the number
    await zalo.expect(worker, vi("join.fields.phone.ask"));
    say("0987 654 321");
    await zalo.expect(worker, vi("join.fields.nationality.ask"));
    say("1");
    await zalo.expect(worker, "Công ty Cổ phần Cao su Lai Châu");
    say(vi("join.fields.workplace.confirm_yes"));
    await zalo.expect(worker, vi("join.fields.jobPosition.ask"));
    say("Công nhân chăm sóc cao su");
    await zalo.expect(worker, vi("join.fields.ethnicity.consent").slice(0, 40));
    say(vi("join.fields.ethnicity.agree"));
    await zalo.expect(worker, vi("join.fields.ethnicity.ask"));
    say("Thái");
    const summary = await zalo.expect(worker, vi("join.summary.title"));
    expect(summary.text).toContain("Lò Thị Mai");
    say(vi("join.summary.submit"));
    await zalo.expect(worker, /HS-\d{6}/);

    const application = await h.db.prisma.application.findFirstOrThrow({ where: { fullName: "Lò Thị Mai" } });
    expect(application.channel).toBe("ZALO");
    const identity = await h.db.prisma.chatIdentity.findFirstOrThrow({ where: { personId: application.personId } });
    expect(identity).toMatchObject({ channel: "ZALO", externalId: worker });

    // The chair, on Telegram, approves; the worker is told on Zalo.
    await chair.expect(vi("decision.new_application"));
    chair.press(vi("decision.approve"));
    await zalo.expect(worker, vi("decision.approved_applicant"));

    say("/status");
    const card = await zalo.expect(worker, /DV\d{7}/);
    expect(card.text).toContain("Lò Thị Mai");
    // Nothing meant for Zalo leaked to Telegram.
    expect(h.fake.calls.some((c) => String(c.payload.chat_id ?? "").startsWith("zalo:"))).toBe(false);
  });

  it("answers a sticker, an image and withheld content in a form without crashing, then goes on", async () => {
    const worker = "b4e1a2c3d4e5f60718293";
    const base = { date: Date.now(), from: { id: worker, display_name: "Hùng" }, chat: { id: worker, chat_type: "PRIVATE" } };
    zalo.userSends(worker, "/start");
    await zalo.expect(worker, vi("join.language.ask"));
    zalo.userSends(worker, "1");
    await zalo.expect(worker, vi("join.consent.question"));
    zalo.userSends(worker, "1");
    await zalo.expect(worker, vi("join.fields.fullName.ask"));
    zalo.enqueue({ event_name: "message.sticker.received", message: { ...base, message_id: "s1", sticker: "abc", url: "https://zalo.me/s.png" } });
    await zalo.expect(worker, vi("form.text_expected"));
    zalo.enqueue({ event_name: "message.image.received", message: { ...base, message_id: "i1", photo_url: "https://photo-stal-1.zdn.vn/x.jpg" } });
    await zalo.expect(worker, vi("form.text_expected"));
    zalo.enqueue({ event_name: "message.unsupported.received", message: { ...base, message_id: "u1" } });
    await zalo.expect(worker, vi("form.text_expected"));
    // The same update served twice is handled once.
    const twice = { event_name: "message.text.received", message: { ...base, message_id: "t1", text: "Trần Văn Hùng" } };
    zalo.enqueue(twice);
    zalo.enqueue(twice);
    await zalo.expect(worker, vi("join.fields.birthDate.ask"));
    // A later message is answered only after everything before it in this chat: had the copy been handled, its
    // second question would already be there.
    zalo.enqueue({ event_name: "message.text.received", message: { ...base, message_id: "t2", text: "12/03/1990" } });
    await zalo.expect(worker, vi("join.fields.sex.ask"));
    expect(zalo.sentTo(worker).filter((m) => m.text?.includes(vi("join.fields.birthDate.ask")))).toHaveLength(1);
  });

  it("sends a poster's files as a note, since Zalo takes no uploads", async () => {
    const chairZalo = "c0ffee00112233445566";
    zalo.userSends(chairZalo, "/status");
    await zalo.expect(chairZalo, vi("status.none"));
    const person = await h.db.prisma.chatIdentity.findFirstOrThrow({ where: { channel: "ZALO", externalId: chairZalo } });
    const unit = await h.db.prisma.unit.findUniqueOrThrow({ where: { code: "LC-DK-CSLC" } });
    await h.db.prisma.roleGrant.create({ data: { personId: person.personId, role: "CHAIR", unitId: unit.id } });
    zalo.userSends(chairZalo, "/poster");
    await zalo.expect(chairZalo, vi("zalo.file_unavailable"), 15_000);
  });

  it("lets a Zalo chair admit an application by typing the button's number, even after a restart", async () => {
    const chairZalo = "c0ffee00112233445566"; // chair of LC-DK-CSLC since the poster test
    const filed = await fileApplication(h.db.prisma, { id: 3003 }, "LC-DK-CSLC", { fullName: "Vàng A Páo" });
    await h.app.boss.send(NOTIFY_DECIDERS, { applicationId: filed.applicationId });
    const card = await zalo.expect(chairZalo, "Vàng A Páo", 15_000);
    expect(card.text).toContain(`1️⃣ ${vi("decision.approve")}`);
    expect(card.text).toContain(`2️⃣ ${vi("decision.reject")}`);

    await h.restart(); // the buttons shown are remembered in the database, not in the process
    zalo.userSends(chairZalo, "1");
    await zalo.expect(chairZalo, vi("decision.approved_done"), 15_000);
    const decided = await h.db.prisma.application.findUniqueOrThrow({ where: { id: filed.applicationId } });
    expect(decided.status).toBe("APPROVED");
    // Typing the number again changes nothing.
    zalo.userSends(chairZalo, "1");
    await zalo.expect(chairZalo, /./);
    expect(await h.db.prisma.member.count({ where: { applicationId: filed.applicationId } })).toBe(1);
  });

  it("still uploads files to Telegram chats when Zalo is on (the gateway passes Telegram's calls through)", async () => {
    const chair = new Chat(h.fake, { id: 500, first_name: "Chủ tịch" });
    const before = h.fake.uploads.length;
    chair.send("/poster");
    await h.fake.waitForCall((c) => c.method === "sendDocument" || c.method === "sendPhoto", 15_000);
    await h.fake.waitForCall((c) => c.method === "sendDocument", 15_000);
    expect(h.fake.uploads.length).toBeGreaterThan(before);
  });
  it("speaks the language a Zalo user switches to, the number hint under buttons included", async () => {
    const user = "d00d1e5e0a1b2c3d4e5f";
    const en = tFor("en");
    zalo.userSends(user, "/language");
    await zalo.expect(user, vi("language.ask"));
    zalo.userSends(user, "1"); // Tiếng Việt
    await zalo.expect(user, vi("language.changed"));
    zalo.userSends(user, "/language");
    const asked = await zalo.expect(user, new RegExp(`${vi("language.ask").slice(0, 10)}[\\s\\S]*${vi("zalo.reply_with_number").slice(0, 10)}`));
    expect(asked.text).toContain(vi("zalo.reply_with_number"));
    zalo.userSends(user, "2"); // English
    await zalo.expect(user, en("language.changed"));
    zalo.userSends(user, "/language");
    const again = await zalo.expect(user, en("zalo.reply_with_number"));
    expect(again.text).not.toContain(vi("zalo.reply_with_number"));
  });

  it("delivers an officer's announcement to a Zalo member through the same outbox, and /stop on Zalo opts out", async () => {
    const worker = "a3f09c1d22e47b5c8d01"; // a member of LC-DK-CSLC since the first test
    const officer = await grant(h.db.prisma, { id: 7701 }, "OFFICER", "LC-DK");
    const unit = await h.db.prisma.unit.findUniqueOrThrow({ where: { code: "LC-DK-CSLC" } });
    const text = "Họp đoàn viên 8h sáng thứ Hai <b>#zalo-anc</b>";
    const created = await createBroadcast(
      h.db.prisma,
      officer.id,
      { audience: "MEMBERS", scopeUnitId: unit.id, language: null, channel: "ZALO", text, photoFileId: null, urgent: true, sendAt: new Date() },
      new Date(),
    );
    expect(created.ok && created.recipientCount).toBe(1);
    h.app.broadcasts.worker.wake();
    const got = await zalo.expect(worker, "#zalo-anc", 15_000);
    expect(got.text).toContain(text); // plain text on Zalo: nothing to escape, shown as typed
    expect(got.text).toContain(vi("zalo.stop_hint"));

    zalo.userSends(worker, "/stop");
    await zalo.expect(worker, vi("broadcasts.stopped"));
    const person = await h.db.prisma.chatIdentity.findFirstOrThrow({ where: { channel: "ZALO", externalId: worker }, select: { person: true } });
    expect(person.person.announcementsOn).toBe(false);
  });
});

describe("Zalo by webhook", () => {
  let h: Harness;
  let zalo: FakeZalo;
  const secret = "zalo-webhook-secret-0123456789";
  let port = 0;
  beforeAll(async () => {
    zalo = await FakeZalo.start({ local: true });
    port = await freePort();
    h = await startHarness({
      env: { ZALO_BOT_TOKEN: zalo.token, ZALO_API_ROOT: zalo.apiRoot, PORT: String(port), ZALO_WEBHOOK_URL: `http://127.0.0.1:${port}/zalo`, ZALO_WEBHOOK_SECRET: secret },
    });
  });
  afterAll(async () => {
    await h?.close();
    await zalo?.close();
  });

  it("registers the webhook, serves updates posted to it, and refuses a wrong secret", async () => {
    expect(zalo.calls.find((c) => c.method === "setWebhook")?.payload).toMatchObject({ secret_token: secret });
    expect(zalo.calls.some((c) => c.method === "getUpdates")).toBe(false);
    zalo.userSends("w9", "/status");
    await zalo.expect("w9", vi("status.none"));

    const forged = { event_name: "message.text.received", message: { message_id: "f1", date: Date.now(), from: { id: "w8" }, chat: { id: "w8", chat_type: "PRIVATE" }, text: "/status" } };
    expect(await zalo.post(forged, "wrong-secret-0000000000000")).toBe(403);
    expect(await h.db.prisma.chatIdentity.count({ where: { channel: "ZALO", externalId: "w8" } })).toBe(0);
    // Health probes with an empty body are acknowledged and ignored; a body that is not JSON is refused.
    expect(await zalo.post(undefined)).toBe(200);
    const malformed = await fetch(`http://127.0.0.1:${port}/zalo`, { method: "POST", headers: { "content-type": "application/json", "x-bot-api-secret-token": secret }, body: "{ not json" });
    expect(malformed.status).toBe(400);
  });
});
