// Correcting one's own data (/correct, Law 91/2025), end to end on Telegram: an applicant's pending application is
// corrected at once and keeps its history; a member's correction goes to their union's chair as a card, who accepts
// or refuses it with a reason, and the member is told; a chair of another union can do neither, by the domain or by
// a forged button; a value the join form would refuse is asked again with that field's own message.
import type { Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { decideApplication } from "../../src/membership/applications.ts";
import { formatApplicationRef, formatMemberNumber } from "../../src/membership/numbers.ts";
import { decideCorrection } from "../../src/privacy/corrections.ts";
import { formatVietnamDate } from "../../src/shared/time.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const field = (name: "fullName" | "birthDate" | "phone" | "workplace" | "jobPosition") => vi(`corrections.fields.${name}`);
const UNIT = "LC-DK-CSLC";
const UNIT_NAME = "Công đoàn Công ty Cổ phần Cao su Lai Châu";

describe("correcting one's own data", () => {
  let h: Harness;
  const chairUser = { id: 700, first_name: "Chủ tịch" };
  const otherChairUser = { id: 701, first_name: "Chủ tịch khác" };
  let chairId = "";
  let otherChairId = "";

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    chairId = (await grant(h.db.prisma, chairUser, "CHAIR", UNIT)).id;
    otherChairId = (await grant(h.db.prisma, otherChairUser, "CHAIR", "LC-DK-AGR")).id;
  });
  afterAll(() => h?.close());

  const prisma = () => h.db.prisma;

  /** A member of UNIT who joined through an application the chair approved. */
  async function member(user: TestUser) {
    const filed = await fileApplication(prisma(), user, UNIT);
    const decided = await decideApplication(prisma(), { applicationId: filed.applicationId, actorId: chairId, decision: { kind: "approve" } });
    if (!decided.ok || decided.memberNumber === undefined) throw new Error("not approved");
    const row = await prisma().member.findUniqueOrThrow({ where: { number: decided.memberNumber } });
    return { ...filed, member: row, number: formatMemberNumber(decided.memberNumber) };
  }

  /** The member asks, through /correct, to change `name` to `typed`; returns the saved request. */
  async function askCorrection(chat: Chat, number: string, name: "fullName" | "phone", typed: string) {
    await chat.answer("/correct", vi("corrections.choose_field_member", { number, unit: UNIT_NAME }));
    await chat.choose(field(name), vi(`corrections.ask.${name}`, { current: "" }).split(":")[0]!);
    await chat.answer(typed, field(name));
    const request = async () =>
      prisma().dataRequest.findFirstOrThrow({ where: { person: { identities: { some: { externalId: String(chat.user.id) } } }, status: "PENDING" } });
    chat.press(vi("corrections.confirm_yes"));
    await chat.expect(vi("corrections.requested", { field: field(name), unit: UNIT_NAME, date: formatVietnamDate((await waitFor(request)).dueAt) }));
    return request();
  }

  /** Presses `data` on `message` and returns the text the bot answered the press with. */
  async function press(user: TestUser, message: Message, data: string, allowUnknownData = false) {
    const update = h.fake.pressButton(user, message, data, { allowUnknownData });
    return (await h.fake.waitForCallbackAnswer(update.callbackQueryId)).payload.text as string | undefined;
  }

  it("an applicant corrects their phone in place, after a foreign number is asked again; the old one is kept in the history", async () => {
    const user = { id: 7001, first_name: "Lan" };
    const chat = new Chat(h.fake, user);
    const { applicationId, ref, personId } = await fileApplication(prisma(), user, UNIT, { phone: "+84912000111" });

    await chat.answer("/correct", vi("corrections.choose_field_application", { ref: formatApplicationRef(ref) }));
    await chat.choose(field("phone"), vi("corrections.ask.phone", { current: "0912 000 111" }));
    const again = await chat.answer("+1 202 555 0100", vi("join.errors.phone_not_vietnamese"));
    expect(again.text).toContain(vi("corrections.ask.phone", { current: "0912 000 111" }));
    await chat.answer("0987 654 321", vi("corrections.confirm", { field: field("phone"), before: "0912 000 111", after: "0987 654 321" }));
    await chat.choose(
      vi("corrections.confirm_yes"),
      vi("corrections.applied", { field: field("phone"), ref: formatApplicationRef(ref), after: "0987 654 321" }),
    );

    const application = await prisma().application.findUniqueOrThrow({ where: { id: applicationId } });
    expect(application.phone).toBe("+84987654321");
    expect(application.status).toBe("PENDING");
    const history = await prisma().fieldChange.findMany({ where: { entity: "Application", entityId: applicationId } });
    expect(history).toEqual([expect.objectContaining({ personId, field: "phone", before: "+84912000111", after: "+84987654321", changedById: personId })]);
    const audit = await prisma().auditLog.findFirstOrThrow({ where: { action: "privacy.correction.apply", targetId: applicationId } });
    expect(audit.actorId).toBe(personId);
    expect(JSON.stringify(audit)).not.toContain("987654321");
    expect(await prisma().dataRequest.count({ where: { personId } })).toBe(0);
  });

  it("a birth date in the future is asked again with the date's own message, and nothing changes when the person stops", async () => {
    const user = { id: 7002 };
    const chat = new Chat(h.fake, user);
    const { applicationId, ref } = await fileApplication(prisma(), user, UNIT);

    await chat.answer("/correct", vi("corrections.choose_field_application", { ref: formatApplicationRef(ref) }));
    await chat.choose(field("birthDate"), vi("corrections.ask.birthDate", { current: "01/01/1990" }));
    const again = await chat.answer("01/01/2099", vi("join.errors.dob_future"));
    expect(again.text).toContain(vi("corrections.ask.birthDate", { current: "01/01/1990" }));
    await chat.answer("01/01/1990", vi("corrections.same"));
    await chat.answer("5/9/1991", vi("corrections.confirm", { field: field("birthDate"), before: "01/01/1990", after: "05/09/1991" }));
    await chat.choose(vi("corrections.confirm_no"), vi("corrections.dropped"));

    const application = await prisma().application.findUniqueOrThrow({ where: { id: applicationId } });
    expect(application.birthDate.toISOString().slice(0, 10)).toBe("1990-01-01");
    expect(await prisma().fieldChange.count({ where: { entityId: applicationId } })).toBe(0);
  });

  it("a member's name correction reaches the chair, is accepted, and the member's record and /status show the new name", async () => {
    const user = { id: 7003 };
    const chat = new Chat(h.fake, user);
    const chair = new Chat(h.fake, chairUser);
    const { member: before, number, personId } = await member(user);

    const request = await askCorrection(chat, number, "fullName", "lò văn minh");
    expect(request).toMatchObject({ kind: "CORRECTION", field: "fullName", value: "Lò Văn Minh", unitId: before.unitId });

    const card = await chair.expect(vi("corrections.card.heading"));
    expect(card.text).toContain(number);
    expect(card.text).toContain(before.fullName);
    expect(card.text).toContain("Lò Văn Minh");
    expect(card.text).toContain(field("fullName"));
    expect(card.text).toContain(formatVietnamDate(request.dueAt));
    expect(card.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual([vi("corrections.card.accept"), vi("corrections.card.refuse")]);

    expect(await press(chairUser, card, `cor:a:${request.id}`)).toBe(vi("corrections.decide.accepted_done"));
    await chat.expect(vi("corrections.outcome.accepted", { field: field("fullName"), value: "Lò Văn Minh" }));

    const after = await prisma().member.findUniqueOrThrow({ where: { id: before.id } });
    expect(after.fullName).toBe("Lò Văn Minh");
    expect(after.searchName).toBe("lo van minh");
    const status = await chat.answer("/status", number);
    expect(status.text).toContain("Lò Văn Minh");
    const history = await prisma().fieldChange.findFirstOrThrow({ where: { entity: "Member", entityId: before.id } });
    expect(history).toMatchObject({ personId, field: "fullName", before: before.fullName, after: "Lò Văn Minh", changedById: chairId, requestId: request.id });
    expect(await prisma().dataRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({ status: "DONE", decidedById: chairId });
    expect(await prisma().auditLog.count({ where: { action: "privacy.correction.accept", actorId: chairId, targetId: before.id } })).toBe(1);

    // A second press (a stale card) changes nothing and says it was decided.
    const already = vi("corrections.decide.already", { status: vi("corrections.decide.status.DONE") });
    expect(await press(chairUser, card, `cor:a:${request.id}`, true)).toBe(already);
    expect(await decideCorrection(prisma(), { requestId: request.id, actorId: chairId, accept: false, reason: "lại" })).toMatchObject({
      ok: false,
      reason: "already",
    });
  });

  it("a refusal asks a reason, tells the member, and changes nothing", async () => {
    const user = { id: 7004 };
    const chat = new Chat(h.fake, user);
    const chair = new Chat(h.fake, chairUser);
    const { member: before, number } = await member(user);

    const request = await askCorrection(chat, number, "phone", "0988 111 222");
    const card = await chair.expect(number);
    expect(card.text).toContain(number);
    expect(card.text).toContain("0988 111 222");

    h.fake.pressButton(chairUser, card, `cor:r:${request.id}`);
    await chair.expect(vi("corrections.decide.reason_ask"));
    await chair.answer("ab", vi("corrections.decide.reason_too_short"));
    const reason = "Số này không phải của bạn";
    await chair.answer(reason, vi("corrections.decide.refused_done", { reason }));
    await chat.expect(vi("corrections.outcome.refused", { field: field("phone"), reason }));

    const after = await prisma().member.findUniqueOrThrow({ where: { id: before.id } });
    expect(after.phone).toBe(before.phone);
    expect(await prisma().fieldChange.count({ where: { entityId: before.id } })).toBe(0);
    expect(await prisma().dataRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({ status: "REFUSED", reason, decidedById: chairId });
    const shown = h.fake.messagesTo(chairUser).find((m) => m.message_id === card.message_id);
    expect(shown?.reply_markup?.inline_keyboard.flat() ?? []).toEqual([]);
    expect(shown?.text).toContain(reason);
  });

  it("a chair of another union can decide nothing: the domain refuses and audits it, a forged button is told so", async () => {
    const user = { id: 7005 };
    const chat = new Chat(h.fake, user);
    const otherChair = new Chat(h.fake, otherChairUser);
    const { member: before, number } = await member(user);
    const request = await askCorrection(chat, number, "fullName", "Lò Thị Hoa");

    expect(await decideCorrection(prisma(), { requestId: request.id, actorId: otherChairId, accept: true })).toEqual({ ok: false, reason: "forbidden" });
    expect(await prisma().auditLog.count({ where: { action: "denied:privacy.correction.decide", actorId: otherChairId, unitId: before.unitId } })).toBe(1);

    const own = await otherChair.answer("/status", vi("status.none"));
    expect(await press(otherChairUser, own, `cor:a:${request.id}`, true)).toBe(vi("corrections.decide.forbidden"));
    expect(await press(otherChairUser, own, `cor:r:${request.id}`, true)).toBe(vi("corrections.decide.forbidden"));
    expect(await press(otherChairUser, own, "cor:a:not-an-id!", true)).toBe(vi("corrections.decide.invalid"));
    expect(await press(otherChairUser, own, "cor:a:zzzzzzzzzzzzzzzzzzzzzzzzz", true)).toBe(vi("corrections.decide.not_found"));

    expect((await prisma().member.findUniqueOrThrow({ where: { id: before.id } })).fullName).toBe(before.fullName);
    expect(await prisma().dataRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({ status: "PENDING", decidedById: null });
  });

  it("a member cannot turn a change of workplace into a correction", async () => {
    const user = { id: 7006 };
    const chat = new Chat(h.fake, user);
    const { number, personId } = await member(user);
    await chat.answer("/correct", vi("corrections.choose_field_member", { number, unit: UNIT_NAME }));
    await chat.choose(field("workplace"), vi("corrections.refused.workplace_transfer"));
    expect(await prisma().dataRequest.count({ where: { personId } })).toBe(0);
  });
});

async function waitFor<V>(read: () => Promise<V>, timeoutMs = 8_000): Promise<V> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
