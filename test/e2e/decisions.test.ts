// Deciding applications on Telegram, end to end: who gets the card, who may press its buttons, what a
// second, concurrent or forged press does, rejection with a reason, routing of workplaces that are
// not listed, and applicants who blocked the bot. Applications are filed with the domain function
// (the form itself is covered by join.test.ts); deciders are told by the real pg-boss job.
import type { Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOTIFY_DECIDERS } from "../../src/bot/decision/notify-deciders.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import type { Workplace } from "../../src/membership/applications.ts";
import { formatApplicationRef, formatMemberNumber } from "../../src/membership/numbers.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { formatVietnamDate } from "../../src/shared/time.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const already = (status: "APPROVED" | "REJECTED") => vi("decision.already", { status: vi(`decision.status.${status}`) });

describe("deciding applications", () => {
  let h: Harness;
  const unitIds = new Map<string, string>();

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    for (const code of ["LC", "LC-TP", "LC-TP-DL", "LC-DK", "LC-DK-CSLC", "LC-DK-AGR", "LC-DK-XDGT", "LC-BD"]) {
      unitIds.set(code, (await findUnitByCode(h.db.prisma, code))!.id);
    }
  });
  afterAll(() => h?.close());

  const unitId = (code: string) => {
    const id = unitIds.get(code);
    if (!id) throw new Error(`unit ${code} not loaded`);
    return id;
  };
  const prisma = () => h.db.prisma;

  /** Files a pending application for `user`, as the join form would, without going through the form. */
  async function apply(user: TestUser, workplace: Workplace | string, fullName?: string) {
    const filed = await fileApplication(prisma(), user, workplace, { fullName });
    return { ...filed, ref: formatApplicationRef(filed.ref) };
  }

  /** Runs the notify-deciders job through pg-boss and waits until it has finished. */
  async function notify(applicationId: string) {
    const jobId = await h.app.boss.send(NOTIFY_DECIDERS, { applicationId });
    if (!jobId) throw new Error("job not queued");
    const deadline = Date.now() + 8_000;
    for (;;) {
      const job = await h.app.boss.getJobById(NOTIFY_DECIDERS, jobId);
      if (job?.state === "completed") return;
      if (job?.state === "failed" || Date.now() > deadline) throw new Error(`notify job ${job?.state ?? "missing"}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const cardsTo = (user: TestUser, ref: string) => h.fake.deliveredTo(user).filter((m) => m.text?.includes(ref));
  const buttonsOf = (m: Message | undefined) => (m?.reply_markup?.inline_keyboard ?? []).flat();
  /** The card as the user sees it now (edits applied). */
  const currentCard = (user: TestUser, card: Message) => h.fake.messagesTo(user).find((m) => m.message_id === card.message_id);

  /** Presses `data` on `message` and returns the text the bot answered the callback query with. */
  async function press(user: TestUser, message: Message, data: string, allowUnknownData = false) {
    const update = h.fake.pressButton(user, message, data, { allowUnknownData });
    const answer = await h.fake.waitForCallbackAnswer(update.callbackQueryId);
    return answer.payload.text as string | undefined;
  }

  /** Some bot message in the user's own chat, to press forged buttons on. */
  async function someMessage(chat: Chat) {
    return chat.answer("/status", vi("status.none"));
  }

  const status = async (applicationId: string) =>
    (await prisma().application.findUniqueOrThrow({ where: { id: applicationId } })).status;
  const membersOf = (applicationId: string) => prisma().member.count({ where: { applicationId } });
  const unreachableAt = async (personId: string) =>
    (await prisma().person.findUniqueOrThrow({ where: { id: personId } })).unreachableAt;
  const audits = (action: string, targetId: string) => prisma().auditLog.count({ where: { action, targetId } });

  it("a chair approves: the applicant gets a member number, the card loses its buttons, the audit log has it", async () => {
    const chairUser = { id: 500, first_name: "Chủ tịch" };
    const applicantUser = { id: 1500, first_name: "Lan" };
    const chairPerson = await grant(prisma(), chairUser, "CHAIR", "LC-DK-CSLC");
    const chair = new Chat(h.fake, chairUser);
    const applicant = new Chat(h.fake, applicantUser);
    const { applicationId, ref } = await apply(applicantUser, "LC-DK-CSLC", "Lò Thị Lan");
    await notify(applicationId);

    const card = await chair.expect(ref);
    expect(card.text).toContain(vi("decision.new_application"));
    expect(card.text).toContain("Lò Thị Lan");
    expect(card.text).toContain("Công ty Cổ phần Cao su Lai Châu");
    expect(buttonsOf(card).map((b) => b.text)).toEqual([vi("decision.approve"), vi("decision.reject")]);

    expect(await press(chairUser, card, `dec:a:${applicationId}`)).toBe(vi("decision.approved_done"));
    const welcome = await applicant.expect(vi("decision.approved_applicant"));
    const member = await prisma().member.findUniqueOrThrow({ where: { applicationId } });
    expect(welcome.text).toContain(formatMemberNumber(member.number));
    expect(welcome.text).toMatch(/DV\d{7}/);
    expect(member.fullName).toBe("Lò Thị Lan");
    expect(member.unitId).toBe(unitId("LC-DK-CSLC"));

    const shown = currentCard(chairUser, card);
    expect(buttonsOf(shown)).toEqual([]);
    expect(shown?.text).toContain(vi("decision.approved_stamp", { date: formatVietnamDate(member.joinedAt) }));

    const application = await prisma().application.findUniqueOrThrow({ where: { id: applicationId } });
    expect(application.status).toBe("APPROVED");
    expect(application.decidedById).toBe(chairPerson.id);
    const audit = await prisma().auditLog.findFirstOrThrow({ where: { action: "application.approve", targetId: applicationId } });
    expect(audit.actorId).toBe(chairPerson.id);
    expect(audit.unitId).toBe(unitId("LC-DK-CSLC"));
    expect(audit.after).toMatchObject({ status: "APPROVED", memberId: member.id });
  });

  it("a double tap, and a second chair of the same union, change nothing and are told it was already decided", async () => {
    const first = { id: 510, first_name: "Chủ tịch" };
    const second = { id: 511, first_name: "Phó chủ tịch" };
    const applicantUser = { id: 1510 };
    await grant(prisma(), first, "CHAIR", "LC-DK-AGR");
    await grant(prisma(), second, "CHAIR", "LC-DK-AGR");
    const { applicationId, ref } = await apply(applicantUser, "LC-DK-AGR");
    await notify(applicationId);
    const firstCard = await new Chat(h.fake, first).expect(ref);
    const secondCard = await new Chat(h.fake, second).expect(ref);

    // A double tap: both presses are on their way before the first is handled.
    const tap1 = h.fake.pressButton(first, firstCard, `dec:a:${applicationId}`);
    const tap2 = h.fake.pressButton(first, firstCard, `dec:a:${applicationId}`);
    expect((await h.fake.waitForCallbackAnswer(tap1.callbackQueryId)).payload.text).toBe(vi("decision.approved_done"));
    expect((await h.fake.waitForCallbackAnswer(tap2.callbackQueryId)).payload.text).toBe(already("APPROVED"));
    await new Chat(h.fake, applicantUser).expect(vi("decision.approved_applicant"));

    // A stale client still showing the buttons presses again later.
    expect(await press(first, firstCard, `dec:a:${applicationId}`, true)).toBe(already("APPROVED"));
    // The other chair's card still has its buttons: pressing Approve or Reject there changes nothing.
    expect(await press(second, secondCard, `dec:a:${applicationId}`)).toBe(already("APPROVED"));
    expect(buttonsOf(currentCard(second, secondCard))).toEqual([]);
    expect(await press(second, secondCard, `dec:r:${applicationId}`, true)).toBe(already("APPROVED"));

    expect(await membersOf(applicationId)).toBe(1);
    expect(await audits("application.approve", applicationId)).toBe(1);
    expect(h.fake.deliveredTo(applicantUser).filter((m) => m.text?.includes(vi("decision.approved_applicant")))).toHaveLength(1);
  });

  it("two chairs pressing Approve at the same moment make exactly one member", async () => {
    const first = { id: 520 };
    const second = { id: 521 };
    const applicantUser = { id: 1520 };
    const firstPerson = await grant(prisma(), first, "CHAIR", "LC-DK-XDGT");
    const secondPerson = await grant(prisma(), second, "CHAIR", "LC-DK-XDGT");
    const { applicationId, ref } = await apply(applicantUser, "LC-DK-XDGT");
    await notify(applicationId);
    const firstCard = await new Chat(h.fake, first).expect(ref);
    const secondCard = await new Chat(h.fake, second).expect(ref);

    const a = h.fake.pressButton(first, firstCard, `dec:a:${applicationId}`);
    const b = h.fake.pressButton(second, secondCard, `dec:a:${applicationId}`);
    const answers = await Promise.all([a, b].map((p) => h.fake.waitForCallbackAnswer(p.callbackQueryId)));
    expect(answers.map((c) => c.payload.text).sort()).toEqual([already("APPROVED"), vi("decision.approved_done")].sort());
    await new Chat(h.fake, applicantUser).expect(vi("decision.approved_applicant"));

    expect(await membersOf(applicationId)).toBe(1);
    expect(await audits("application.approve", applicationId)).toBe(1);
    const application = await prisma().application.findUniqueOrThrow({ where: { id: applicationId } });
    const winner = answers[0]?.payload.text === vi("decision.approved_done") ? firstPerson : secondPerson;
    expect(application.decidedById).toBe(winner.id);
    expect((await prisma().auditLog.findFirstOrThrow({ where: { action: "application.approve", targetId: applicationId } })).actorId).toBe(winner.id);
  });

  it("someone without a role pressing a forged button is refused, and the refusal is audited", async () => {
    const strangerUser = { id: 530 };
    const stranger = new Chat(h.fake, strangerUser);
    const { applicationId } = await apply({ id: 1530 }, "LC-DK-CSLC");
    const own = await someMessage(stranger);

    expect(await press(strangerUser, own, `dec:a:${applicationId}`, true)).toBe(vi("decision.forbidden"));
    expect(await press(strangerUser, own, `dec:r:${applicationId}`, true)).toBe(vi("decision.forbidden"));

    expect(await status(applicationId)).toBe("PENDING");
    expect(await membersOf(applicationId)).toBe(0);
    const strangerPerson = await prisma().chatIdentity.findUniqueOrThrow({
      where: { channel_externalId: { channel: "TELEGRAM", externalId: "530" } },
    });
    const denied = await prisma().auditLog.findMany({ where: { action: "denied:application.decide", actorId: strangerPerson.personId } });
    expect(denied).toHaveLength(2);
    expect(denied[0]?.unitId).toBe(unitId("LC-DK-CSLC"));
    // The reject press asked for no reason: no conversation was entered.
    expect(h.fake.deliveredTo(strangerUser).some((m) => m.text?.includes(vi("decision.reason_ask")))).toBe(false);
  });

  it("only the union's own chairs and the officers above it, or an admin, may decide", async () => {
    const otherChair = { id: 540 }; // chair of another grassroots union under the same commune union
    const otherOfficer = { id: 541 }; // officer of another commune union
    const parentOfficer = { id: 542 }; // officer of LC-DK, the commune union above LC-DK-CSLC
    const admin = { id: 543 };
    const refusedPeople = [
      await grant(prisma(), otherChair, "CHAIR", "LC-DK-AGR"),
      await grant(prisma(), otherOfficer, "OFFICER", "LC-TP"),
    ];
    await grant(prisma(), parentOfficer, "OFFICER", "LC-DK");
    await grant(prisma(), admin, "ADMIN");
    const one = await apply({ id: 1540 }, "LC-DK-CSLC");
    const two = await apply({ id: 1541 }, "LC-DK-CSLC");

    for (const user of [otherChair, otherOfficer]) {
      const own = await someMessage(new Chat(h.fake, user));
      expect(await press(user, own, `dec:a:${one.applicationId}`, true)).toBe(vi("decision.forbidden"));
      expect(await press(user, own, `dec:r:${one.applicationId}`, true)).toBe(vi("decision.forbidden"));
    }
    expect(await status(one.applicationId)).toBe("PENDING");
    for (const person of refusedPeople) {
      const denied = await prisma().auditLog.findMany({ where: { action: "denied:application.decide", actorId: person.id } });
      expect(denied.map((d) => d.unitId)).toEqual([unitId("LC-DK-CSLC"), unitId("LC-DK-CSLC")]);
    }

    const officerMessage = await someMessage(new Chat(h.fake, parentOfficer));
    expect(await press(parentOfficer, officerMessage, `dec:a:${one.applicationId}`, true)).toBe(vi("decision.approved_done"));
    await new Chat(h.fake, { id: 1540 }).expect(vi("decision.approved_applicant"));
    const adminMessage = await someMessage(new Chat(h.fake, admin));
    expect(await press(admin, adminMessage, `dec:a:${two.applicationId}`, true)).toBe(vi("decision.approved_done"));
    await new Chat(h.fake, { id: 1541 }).expect(vi("decision.approved_applicant"));

    expect(await status(one.applicationId)).toBe("APPROVED");
    expect(await status(two.applicationId)).toBe("APPROVED");
    expect(await audits("application.approve", one.applicationId)).toBe(1);
    expect(await audits("application.approve", two.applicationId)).toBe(1);
  });

  it("button data that does not match the pattern is a stale button, and changes nothing", async () => {
    const chairUser = { id: 550 };
    await grant(prisma(), chairUser, "CHAIR", "LC-DK-CSLC");
    const { applicationId } = await apply({ id: 1550 }, "LC-DK-CSLC");
    const own = await someMessage(new Chat(h.fake, chairUser));
    const auditsBefore = await prisma().auditLog.count();

    const junk = "ÿ".repeat(32); // 64 bytes
    expect(Buffer.byteLength(junk)).toBe(64);
    const forged = [
      "dec:a:../../x",
      "dec:x:abc",
      `dec:x:${applicationId}`,
      `dec:a:${applicationId.toUpperCase()}`,
      `dec:a:${applicationId} `,
      `dec:a:${applicationId}${"0".repeat(8)}`,
      `dec:a:${applicationId}\n`,
      `dec:a:'${applicationId}'`,
      junk,
    ];
    for (const data of forged) {
      expect(await press(chairUser, own, data, true), data).toBe(vi("form.stale_button"));
    }
    // Well-formed, but no such application.
    expect(await press(chairUser, own, `dec:a:${"a".repeat(25)}`, true)).toBe(vi("decision.not_found"));
    expect(await press(chairUser, own, `dec:r:${"a".repeat(25)}`, true)).toBe(vi("decision.not_found"));

    expect(await status(applicationId)).toBe("PENDING");
    expect(await membersOf(applicationId)).toBe(0);
    expect(await prisma().auditLog.count()).toBe(auditsBefore);
  });

  it("reject asks for a reason, refuses one that is too short, and /cancel leaves the application pending", async () => {
    const chairUser = { id: 560 };
    const applicantUser = { id: 1560 };
    await grant(prisma(), chairUser, "CHAIR", "LC-TP-DL");
    const chair = new Chat(h.fake, chairUser);
    const { applicationId, ref } = await apply(applicantUser, "LC-TP-DL");
    await notify(applicationId);
    const card = await chair.expect(ref);

    expect(await press(chairUser, card, `dec:r:${applicationId}`)).toBeUndefined();
    await chair.expect(vi("decision.reason_ask"));
    const refused = await chair.answer("x", vi("decision.reason_too_short"));
    expect(refused.text).toContain(vi("decision.reason_ask")); // and asked again
    await chair.answer("/cancel", vi("forms.reject-application.cancelled"));
    expect(await status(applicationId)).toBe("PENDING");
    expect(await audits("application.reject", applicationId)).toBe(0);
    // After /cancel, a text is just a text again.
    await chair.answer("Thiếu hợp đồng", vi("unhandled"));
    expect(await status(applicationId)).toBe("PENDING");

    // The buttons still work: reject, with a reason this time.
    expect(await press(chairUser, card, `dec:r:${applicationId}`)).toBeUndefined();
    await chair.expect(vi("decision.reason_ask"));
    await chair.answer("Thiếu hợp đồng lao động", vi("decision.rejected_done", { reason: "Thiếu hợp đồng lao động" }));
    await new Chat(h.fake, applicantUser).expect(vi("decision.rejected_applicant", { reason: "Thiếu hợp đồng lao động" }));
    const application = await prisma().application.findUniqueOrThrow({ where: { id: applicationId } });
    expect(application.status).toBe("REJECTED");
    expect(application.rejectReason).toBe("Thiếu hợp đồng lao động");
    expect(await audits("application.reject", applicationId)).toBe(1);
    expect(await membersOf(applicationId)).toBe(0);
    // Approve after a rejection: already decided.
    expect(await press(chairUser, card, `dec:a:${applicationId}`, true)).toBe(already("REJECTED"));
  });

  it("while typing a rejection reason, a chair can still approve another application", async () => {
    const chairUser = { id: 565 };
    await grant(prisma(), chairUser, "CHAIR", "LC-DK-XDGT");
    const chair = new Chat(h.fake, chairUser);
    const a = await apply({ id: 1565 }, "LC-DK-XDGT");
    const b = await apply({ id: 1566 }, "LC-DK-XDGT");
    await notify(a.applicationId);
    await notify(b.applicationId);
    const cardA = await chair.expect(a.ref);
    const cardB = await chair.expect(b.ref);

    expect(await press(chairUser, cardA, `dec:r:${a.applicationId}`)).toBeUndefined();
    await chair.expect(vi("decision.reason_ask"));
    expect(await press(chairUser, cardB, `dec:a:${b.applicationId}`)).toBe(vi("decision.approved_done"));
    expect(await status(b.applicationId)).toBe("APPROVED");
    // The reason question for A is still open.
    await chair.answer("Đã là đoàn viên nơi khác", vi("decision.rejected_done", { reason: "Đã là đoàn viên nơi khác" }));
    expect(await status(a.applicationId)).toBe("REJECTED");
  });

  it("a workplace not listed goes to the officers of the upper unit, then the province, then the admins", async () => {
    const tpOfficer = { id: 570 };
    const lcOfficer = { id: 571 };
    const admin = { id: 572 };
    const tpChair = { id: 573 }; // chair of a grassroots union under LC-TP
    const cslcChair = { id: 574 };
    await grant(prisma(), tpOfficer, "OFFICER", "LC-TP");
    await grant(prisma(), lcOfficer, "OFFICER", "LC");
    await grant(prisma(), admin, "ADMIN");
    await grant(prisma(), tpChair, "CHAIR", "LC-TP-DL");
    await grant(prisma(), cslcChair, "CHAIR", "LC-DK-CSLC");
    const everyone = [tpOfficer, lcOfficer, admin, tpChair, cslcChair];
    const unlisted: Workplace = {
      kind: "unlisted",
      employer: "Cửa hàng Hoa Mai",
      address: "phường Tân Phong, Lai Châu",
      upperUnitId: unitId("LC-TP"),
    };
    const toldOf = (ref: string) => everyone.filter((u) => cardsTo(u, ref).length > 0).map((u) => u.id);

    // 1. An officer on LC-TP gets it (so does the LC-TP officer granted by an earlier test); no chair does.
    const first = await apply({ id: 1570 }, unlisted, "Đỗ Văn Hoa");
    await notify(first.applicationId);
    expect(toldOf(first.ref)).toEqual([tpOfficer.id]);
    const card = cardsTo(tpOfficer, first.ref)[0]!;
    expect(card.text).toContain("Cửa hàng Hoa Mai");
    expect(card.text).toContain("Công đoàn phường Tân Phong");
    expect(await press(tpOfficer, card, `dec:a:${first.applicationId}`)).toBe(vi("decision.approved_done"));
    await new Chat(h.fake, { id: 1570 }).expect(vi("decision.approved_applicant"));
    expect((await prisma().member.findUniqueOrThrow({ where: { applicationId: first.applicationId } })).unitId).toBe(unitId("LC-TP"));

    // 2. No officer on LC-TP: the province's officers.
    await prisma().roleGrant.deleteMany({ where: { role: "OFFICER", unitId: unitId("LC-TP") } });
    const second = await apply({ id: 1571 }, unlisted);
    await notify(second.applicationId);
    expect(toldOf(second.ref)).toEqual([lcOfficer.id]);

    // 3. No officer there either: the admins.
    await prisma().roleGrant.deleteMany({ where: { role: "OFFICER", unitId: unitId("LC") } });
    const third = await apply({ id: 1572 }, unlisted);
    await notify(third.applicationId);
    expect(toldOf(third.ref)).toEqual([admin.id]);
    const adminCard = cardsTo(admin, third.ref)[0]!;
    expect(await press(admin, adminCard, `dec:a:${third.applicationId}`)).toBe(vi("decision.approved_done"));
  });

  it("an applicant who blocked the bot: the decision still succeeds and the person is marked unreachable", async () => {
    const chairUser = { id: 580 };
    await grant(prisma(), chairUser, "CHAIR", "LC-BD");
    const chair = new Chat(h.fake, chairUser);

    // Blocked, and Telegram told the bot (my_chat_member).
    const blocked = { id: 1580 };
    const one = await apply(blocked, "LC-BD");
    await notify(one.applicationId);
    const card = await chair.expect(one.ref);
    h.fake.blockBot(blocked);
    await expect.poll(() => unreachableAt(one.personId), { timeout: 15_000 }).not.toBeNull();
    expect(await press(chairUser, card, `dec:a:${one.applicationId}`)).toBe(vi("decision.approved_done"));
    await h.fake.waitForCall((c) => c.method === "editMessageText" && String(c.payload.chat_id) === "580");
    expect(await status(one.applicationId)).toBe("APPROVED");
    expect(await membersOf(one.applicationId)).toBe(1);
    expect(await unreachableAt(one.personId)).not.toBeNull();
    expect(h.fake.deliveredTo(blocked).some((m) => m.text?.includes(vi("decision.approved_applicant")))).toBe(false);

    // Blocked, but the bot missed the update: the 403 on sending the result marks the person.
    const silent = { id: 1581 };
    const two = await apply(silent, "LC-BD");
    await notify(two.applicationId);
    const secondCard = await chair.expect(two.ref);
    h.fake.blockBot(silent);
    // Wait for the my_chat_member handler, then forget what it recorded.
    await expect.poll(() => unreachableAt(two.personId)).not.toBeNull();
    await prisma().person.update({ where: { id: two.personId }, data: { unreachableAt: null } });
    const mark = h.fake.mark();
    expect(await press(chairUser, secondCard, `dec:a:${two.applicationId}`)).toBe(vi("decision.approved_done"));
    const refused = await h.fake.waitForCall(
      (c) => c.method === "sendMessage" && String(c.payload.chat_id) === "1581",
      5_000,
      mark,
    );
    expect(refused.status).toBe(403);
    await expect.poll(() => unreachableAt(two.personId)).not.toBeNull();
    expect(await status(two.applicationId)).toBe("APPROVED");
    expect(await membersOf(two.applicationId)).toBe(1);
    expect(buttonsOf(currentCard(chairUser, secondCard))).toEqual([]);
    // Nothing was said to the chair about a failure.
    expect(h.fake.deliveredTo(chairUser).some((m) => m.text?.includes(vi("error")))).toBe(false);
  });
});
