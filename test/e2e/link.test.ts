// One worker on Telegram and on Zalo is one person once they say so with a code: /link on one app shows it, /link
// <code> on the other joins them, with one application or membership; /unlink separates them again. Telegram and
// Zalo are faked at their HTTP APIs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOTIFY_DECIDERS } from "../../src/bot/decision/notify-deciders.ts";
import { zaloChatId } from "../../src/channels/address.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { decideApplication } from "../../src/membership/applications.ts";
import { formatApplicationRef, formatMemberNumber } from "../../src/membership/numbers.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";
import { FakeZalo } from "../fake-zalo/server.ts";

const vi = tFor("vi");
const CODE = /\/link ([0-9A-Z]{4}-[0-9A-Z]{4})/;
/** The first line of a text with {{variables}}: what stays the same whatever they are. */
const opening = (key: string) => vi(key).split("{{")[0]!.trim();

describe("one person across Telegram and Zalo", () => {
  let h: Harness;
  let zalo: FakeZalo;
  let chairId: string;
  beforeAll(async () => {
    zalo = await FakeZalo.start();
    h = await startHarness({ env: { ZALO_BOT_TOKEN: zalo.token, ZALO_API_ROOT: zalo.apiRoot } });
    await loadDemo(h.db.prisma);
    chairId = (await grant(h.db.prisma, { id: 500 }, "CHAIR", "LC-DK-CSLC")).id;
  });
  afterAll(async () => {
    await h?.close();
    await zalo?.close();
  });

  const identityOf = (channel: "TELEGRAM" | "ZALO", externalId: string) =>
    h.db.prisma.chatIdentity.findUniqueOrThrow({ where: { channel_externalId: { channel, externalId } } });

  async function codeOn(chat: Chat): Promise<string> {
    chat.send("/link");
    const shown = await chat.expect(CODE);
    expect(shown.text).toContain(opening("link.code"));
    return CODE.exec(shown.text!)![1]!;
  }

  const memberTelegram = { id: 7301, first_name: "Long" };
  const memberZalo = "e7301a1b2c3d4e5f6071";

  it("joins a Telegram member and their Zalo account with a code shown on Telegram and typed on Zalo", async () => {
    const filed = await fileApplication(h.db.prisma, memberTelegram, "LC-DK-CSLC", { fullName: "Đèo Văn Long" });
    expect(await decideApplication(h.db.prisma, { applicationId: filed.applicationId, actorId: chairId, decision: { kind: "approve" } })).toMatchObject({ ok: true });
    const telegram = new Chat(h.fake, memberTelegram);
    zalo.userSends(memberZalo, "/status");
    await zalo.expect(memberZalo, vi("status.none"));

    const code = await codeOn(telegram);
    zalo.userSends(memberZalo, `/link ${code}`);
    const joined = await zalo.expect(memberZalo, opening("link.joined"));
    expect(joined.text).toContain("Telegram, Zalo");
    await telegram.expect(vi("link.joined_elsewhere", { channel: "Zalo" }));

    const [onTelegram, onZalo] = await Promise.all([identityOf("TELEGRAM", "7301"), identityOf("ZALO", memberZalo)]);
    expect(onZalo.personId).toBe(onTelegram.personId);
    expect(onTelegram.personId).toBe(filed.personId); // the older record is kept
    expect(await h.db.prisma.chatIdentity.count({ where: { personId: filed.personId } })).toBe(2);
    const audit = await h.db.prisma.auditLog.findFirstOrThrow({ where: { action: "privacy.link", actorId: filed.personId } });
    expect(audit.targetId).toBe(filed.personId);

    zalo.userSends(memberZalo, "/status");
    const card = await zalo.expect(memberZalo, /DV\d{7}/);
    expect(card.text).toContain("Đèo Văn Long");

    // The same code twice joins nothing more.
    zalo.userSends(memberZalo, `/link ${code}`);
    await zalo.expect(memberZalo, vi("link.errors.used"));
    // A code typed on the app that showed it.
    const again = await codeOn(telegram);
    await telegram.answer(`/link ${again}`, vi("link.errors.same_channel"));
  });

  it("refuses an expired code and wrong codes, and stops a typist after five wrong ones", async () => {
    const telegram = new Chat(h.fake, { id: 7311, first_name: "Hoa" });
    const typist = "e7311a1b2c3d4e5f6071";
    zalo.userSends(typist, "/status");
    await zalo.expect(typist, vi("status.none"));

    const expired = await codeOn(telegram);
    const shownTo = await identityOf("TELEGRAM", "7311");
    await h.db.prisma.linkCode.updateMany({ where: { personId: shownTo.personId }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    zalo.userSends(typist, `/link ${expired}`);
    await zalo.expect(typist, vi("link.errors.expired"));

    for (let i = 0; i < 5; i++) {
      zalo.userSends(typist, `/link WRNG-${i + 2}AAA`);
      await zalo.expect(typist, vi("link.errors.wrong"));
    }
    zalo.userSends(typist, "/link ABCD-EFGH");
    await zalo.expect(typist, vi("link.errors.rate_limited", { minutes: 15 }));
    // While refused, even a good code does not join: guessing cannot go on by mixing in a real one.
    const good = await codeOn(telegram);
    zalo.userSends(typist, `/link ${good}`);
    await zalo.expect(typist, vi("link.errors.rate_limited", { minutes: 15 }));
    expect((await identityOf("ZALO", typist)).personId).not.toBe(shownTo.personId);
  });

  const applicantTelegram = { id: 7321, first_name: "Páo" };
  const applicantZalo = "e7321a1b2c3d4e5f6071";

  it("keeps the older of two pending applications, tells the chair, and then reaches the person where they wrote last", async () => {
    const chair = new Chat(h.fake, { id: 500, first_name: "Chủ tịch" });
    const older = await fileApplication(h.db.prisma, applicantTelegram, "LC-DK-CSLC", {
      fullName: "Vàng A Páo",
      createdAt: new Date(Date.now() - 2 * 86_400_000),
    });
    const newer = await fileApplication(h.db.prisma, { channel: "ZALO", externalId: applicantZalo, chatId: zaloChatId(applicantZalo) }, "LC-DK-CSLC", {
      fullName: "Vàng A Páo",
    });

    // The code from Zalo, typed on Telegram.
    zalo.userSends(applicantZalo, "/link");
    const shown = await zalo.expect(applicantZalo, CODE);
    const telegram = new Chat(h.fake, applicantTelegram);
    telegram.send(`/link ${CODE.exec(shown.text!)![1]}`);
    const joined = await telegram.expect(opening("link.joined"));
    const refs = { kept: formatApplicationRef(older.ref), withdrawn: formatApplicationRef(newer.ref) };
    expect(joined.text).toContain(vi("link.both_pending", refs));
    await chair.expect(vi("link.chair_both_pending", refs));

    const applications = await h.db.prisma.application.findMany({ where: { id: { in: [older.applicationId, newer.applicationId] } } });
    const byId = new Map(applications.map((a) => [a.id, a]));
    expect(byId.get(older.applicationId)).toMatchObject({ status: "PENDING" });
    expect(byId.get(newer.applicationId)).toMatchObject({ status: "WITHDRAWN" });
    expect(new Set(applications.map((a) => a.personId)).size).toBe(1);

    // They last wrote on Zalo: the decision reaches them there, and not on Telegram.
    zalo.userSends(applicantZalo, "/status");
    await zalo.expect(applicantZalo, formatApplicationRef(older.ref));
    await h.app.boss.send(NOTIFY_DECIDERS, { applicationId: older.applicationId });
    await chair.expect("Vàng A Páo", 15_000);
    chair.press(vi("decision.approve"));
    await zalo.expect(applicantZalo, vi("decision.approved_applicant"), 15_000);
    expect(h.fake.messagesTo(applicantTelegram).some((m) => m.text?.includes(vi("decision.approved_applicant")))).toBe(false);
  });

  it("keeps the older of two member records for the person, leaves the newer as it was and tells the chair", async () => {
    const chair = new Chat(h.fake, { id: 500, first_name: "Chủ tịch" });
    const worker = { id: 7331, first_name: "Mai" };
    const workerZalo = "e7331a1b2c3d4e5f6071";
    const zaloAddress = { channel: "ZALO" as const, externalId: workerZalo, chatId: zaloChatId(workerZalo) };
    const first = await fileApplication(h.db.prisma, zaloAddress, "LC-DK-CSLC", { fullName: "Lò Thị Mai" });
    await decideApplication(h.db.prisma, { applicationId: first.applicationId, actorId: chairId, decision: { kind: "approve" } });
    const second = await fileApplication(h.db.prisma, worker, "LC-DK-CSLC", { fullName: "Lò Thị Mai" });
    await decideApplication(h.db.prisma, { applicationId: second.applicationId, actorId: chairId, decision: { kind: "approve" } });
    const [older, newer] = await Promise.all([
      h.db.prisma.member.findUniqueOrThrow({ where: { applicationId: first.applicationId } }),
      h.db.prisma.member.findUniqueOrThrow({ where: { applicationId: second.applicationId } }),
    ]);

    const code = await codeOn(new Chat(h.fake, worker));
    zalo.userSends(workerZalo, `/link ${code}`);
    const numbers = { kept: formatMemberNumber(older.number), other: formatMemberNumber(newer.number) };
    const joined = await zalo.expect(workerZalo, opening("link.joined"));
    expect(joined.text).toContain(vi("link.both_members", numbers));
    await chair.expect(vi("link.chair_both_members", numbers));

    expect((await identityOf("TELEGRAM", "7331")).personId).toBe(first.personId);
    expect((await h.db.prisma.member.findUniqueOrThrow({ where: { id: newer.id } })).personId).toBe(second.personId);
    expect(await h.db.prisma.application.count({ where: { personId: second.personId } })).toBe(1);
  });

  it("separates a joined account again with /unlink, the record staying with the other", async () => {
    const telegram = new Chat(h.fake, memberTelegram);
    zalo.userSends(memberZalo, "/unlink");
    const choose = await zalo.expect(memberZalo, opening("link.unlink_choose"));
    expect(choose.text).toContain("Telegram");
    zalo.userSends(memberZalo, "Zalo");
    await zalo.expect(memberZalo, vi("link.unlink_confirm", { channel: "Zalo" }));
    zalo.userSends(memberZalo, vi("link.unlink_yes"));
    await zalo.expect(memberZalo, vi("link.unlinked", { channel: "Zalo", remaining: "Telegram" }));

    const [onTelegram, onZalo] = await Promise.all([identityOf("TELEGRAM", "7301"), identityOf("ZALO", memberZalo)]);
    expect(onZalo.personId).not.toBe(onTelegram.personId);
    zalo.userSends(memberZalo, "/status");
    await zalo.expect(memberZalo, vi("status.none"));
    const card = await telegram.answer("/status", /DV\d{7}/);
    expect(card.text).toContain("Đèo Văn Long");

    // Nothing left to separate on either side.
    zalo.userSends(memberZalo, "/unlink");
    await zalo.expect(memberZalo, vi("link.unlink_nothing"));
    await telegram.answer("/unlink", vi("link.unlink_nothing"));
  });
});
