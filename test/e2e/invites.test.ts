// Invite links on Telegram, end to end: an admin invites an officer, who invites a chair of a union in
// their subtree (and cannot for one outside it); the invited get their role and their own command menu;
// used, expired, forged and revoked links explain why and grant nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { menuFor } from "../../src/bot/commands.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { createInvite } from "../../src/organisation/invites.ts";
import { rolesOf } from "../../src/organisation/roles.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { findOrCreatePerson } from "../../src/people/people.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const LINK = /https:\/\/t\.me\/(\w+)\?start=inv_([A-Za-z0-9_-]+)/;
const CSLC = "Công đoàn Công ty Cổ phần Cao su Lai Châu";

describe("invite links", () => {
  let h: Harness;
  let adminId: string;
  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    adminId = (await grant(h.db.prisma, { id: 7100 }, "ADMIN")).id;
  });
  afterAll(() => h?.close());

  const personOf = (user: TestUser) =>
    findOrCreatePerson(h.db.prisma, { channel: "TELEGRAM", externalId: String(user.id), chatId: String(user.id) }, "vi");
  const rolesOfUser = async (user: TestUser) => rolesOf(h.db.prisma, (await personOf(user)).id);
  const unitId = async (code: string) => (await findUnitByCode(h.db.prisma, code))!.id;
  /** Waits until the bot has set this user's own command menu, and returns it. */
  async function menuOf(user: TestUser, since: number) {
    await h.fake.waitForCall(
      (c) => c.method === "setMyCommands" && (c.payload.scope as { chat_id?: unknown } | undefined)?.chat_id === user.id,
      5_000,
      since,
    );
    return h.fake.commandsFor({ type: "chat", chat_id: user.id }, "");
  }

  it("admin invites an officer, who invites a chair within their subtree; each gets their role and menu", async () => {
    const admin = new Chat(h.fake, { id: 7100, first_name: "Quản trị" });
    const officerUser = { id: 7101, first_name: "Cán bộ", last_name: "Đoàn Kết" };
    const officer = new Chat(h.fake, officerUser);
    const chairUser = { id: 7102, first_name: "Chủ tịch" };
    const chair = new Chat(h.fake, chairUser);

    // Admin: /invite → officer → search "doan ket" (no diacritics) → LC-DK → 3 days.
    admin.send("/invite");
    await admin.expect(vi("invites.ask_role"));
    await admin.choose(vi("invites.roles.OFFICER"), vi("invites.ask_unit"));
    await admin.answer("x", vi("invites.query_too_short")); // wrong input: a specific reason and the question again
    await admin.answer("doan ket", vi("invites.unit_pick"));
    await admin.choose("Công đoàn phường Đoàn Kết · LC-DK", vi("invites.ask_validity"));
    const created = await admin.choose(vi("invites.validity.72"), LINK);
    expect(created.text).toContain(vi("invites.roles.OFFICER"));
    expect(created.text).toContain("Công đoàn phường Đoàn Kết");
    expect(created.text).toMatch(/\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/);
    const officerToken = LINK.exec(created.text ?? "")?.[2] ?? "";
    expect(officerToken).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // The token is nowhere in the store or the logs.
    expect(JSON.stringify(await h.db.prisma.invite.findMany())).not.toContain(officerToken);
    expect(JSON.stringify(await h.db.prisma.conversationState.findMany())).not.toContain(officerToken);
    expect(JSON.stringify(await h.db.prisma.auditLog.findMany())).not.toContain(officerToken);
    expect(h.logs.text).not.toContain(officerToken);

    // The officer opens the link: the role, a welcome, the officer's menu; the admin is told.
    let since = h.fake.mark();
    officer.send(`/start inv_${officerToken}`);
    await officer.expect(vi("invites.redeem.done.OFFICER", { unit: "Công đoàn phường Đoàn Kết" }));
    expect(await rolesOfUser(officerUser)).toEqual([{ role: "OFFICER", unitId: await unitId("LC-DK") }]);
    const officerMenu = await menuOf(officerUser, since);
    expect(officerMenu).toEqual(menuFor(["OFFICER"], "vi"));
    expect(officerMenu.map((c) => c.command)).toEqual(expect.arrayContaining(["start", "invite", "invites"]));
    await admin.expect(vi("invites.used_notice", { role: vi("invites.roles.OFFICER"), unit: "Công đoàn phường Đoàn Kết", name: "Cán bộ Đoàn Kết" }));

    // The officer invites a chair for LC-DK-CSLC, inside their subtree.
    officer.send("/invite");
    await officer.expect(vi("invites.ask_role"));
    await officer.choose(vi("invites.roles.CHAIR"), vi("invites.ask_unit_grassroots"));
    await officer.answer("cao su", vi("invites.unit_pick"));
    await officer.choose(`${CSLC} · LC-DK-CSLC`, vi("invites.ask_validity"));
    const chairLink = await officer.choose(vi("invites.validity.24"), LINK);
    const chairToken = LINK.exec(chairLink.text ?? "")?.[2] ?? "";

    since = h.fake.mark();
    chair.send(`/start inv_${chairToken}`);
    await chair.expect(`Bạn đã là Chủ tịch CĐCS ${CSLC}`);
    expect(await rolesOfUser(chairUser)).toEqual([{ role: "CHAIR", unitId: await unitId("LC-DK-CSLC") }]);
    const chairMenu = await menuOf(chairUser, since);
    expect(chairMenu).toEqual(menuFor(["CHAIR"], "vi"));
    expect(chairMenu.map((c) => c.command)).not.toContain("invite");
    // A chair may not invite.
    await chair.answer("/invite", vi("invites.not_allowed"));

    // Outside the officer's subtree (LC-TP-DL sits under LC-TP): not found by name or by code.
    officer.send("/invite");
    await officer.expect(vi("invites.ask_role"));
    await officer.choose(vi("invites.roles.CHAIR"), vi("invites.ask_unit_grassroots"));
    await officer.answer("dien luc", vi("invites.unit_none", { query: "dien luc" }));
    await officer.answer("LC-TP-DL", vi("invites.unit_none", { query: "LC-TP-DL" }));
    await officer.answer("/cancel", vi("forms.invite.cancelled"));
    expect(await h.db.prisma.invite.count({ where: { unitId: await unitId("LC-TP-DL") } })).toBe(0);

    // The chair's link opened again, by someone else: "used", nothing granted.
    const lateUser = { id: 7103, first_name: "Đến muộn" };
    const late = new Chat(h.fake, lateUser);
    late.send(`/start inv_${chairToken}`);
    await late.expect(vi("invites.redeem.used"));
    expect(await rolesOfUser(lateUser)).toEqual([]);
    // …and the join form did not open.
    expect(h.fake.messagesTo(lateUser).map((m) => m.text)).toEqual([vi("invites.redeem.used")]);
  });

  it("an expired link and a forged one explain why and grant nothing", async () => {
    const created = await createInvite(h.db.prisma, { actorId: adminId, role: "CHAIR", unitId: await unitId("LC-DK-AGR"), ttlHours: 24 });
    if (!created.ok) throw new Error(created.reason);
    await h.db.prisma.invite.update({ where: { id: created.inviteId }, data: { expiresAt: new Date(Date.now() - 60_000) } });

    const userA = { id: 7110, first_name: "A" };
    const a = new Chat(h.fake, userA);
    a.send(`/start inv_${created.token}`);
    await a.expect(vi("invites.redeem.expired"));
    expect(await rolesOfUser(userA)).toEqual([]);

    const userB = { id: 7111, first_name: "B" };
    const b = new Chat(h.fake, userB);
    b.send(`/start inv_${created.token.slice(0, 21)}Z`);
    await b.expect(vi("invites.redeem.unknown"));
    b.send("/start inv_");
    await b.expect(vi("invites.redeem.unknown"));
    expect(await rolesOfUser(userB)).toEqual([]);
    expect(await h.db.prisma.invite.count({ where: { usedById: { not: null }, id: created.inviteId } })).toBe(0);
  });

  it("/invites lists invites; Revoke works once, a forged press changes nothing, and the revoked link explains", async () => {
    const officerUser = { id: 7120, first_name: "Cán bộ Tân Phong" };
    const officerId = (await grant(h.db.prisma, officerUser, "OFFICER", "LC-TP")).id;
    const created = await createInvite(h.db.prisma, { actorId: officerId, role: "DEPUTY_CHAIR", unitId: await unitId("LC-TP-DL") });
    if (!created.ok) throw new Error(created.reason);
    const officer = new Chat(h.fake, officerUser);

    const list = await officer.answer("/invites", vi("invites.list.title"));
    expect(list.text).toContain(`${vi("invites.roles.DEPUTY_CHAIR")} – Công đoàn Công ty Điện lực Lai Châu (LC-TP-DL)`);
    // Only invites within LC-TP's subtree: not the LC-DK ones of the first test.
    expect(list.text).not.toContain("LC-DK");
    const button = vi("invites.list.revoke_button", { n: 1 });

    // Someone else pressing a copy of the button (forged data): refused, nothing changes.
    const intruderUser = { id: 7121, first_name: "Kẻ lạ" };
    const forged = h.fake.pressButton(intruderUser, { message_id: list.message_id, chat_id: officerUser.id }, `invrv:${created.inviteId}`);
    expect((await h.fake.waitForCallbackAnswer(forged.callbackQueryId)).payload.text).toBe(vi("invites.revoke.forbidden"));
    expect((await h.db.prisma.invite.findUniqueOrThrow({ where: { id: created.inviteId } })).revokedAt).toBeNull();

    const press = officer.press(button);
    expect((await h.fake.waitForCallbackAnswer(press.callbackQueryId)).payload.text).toBe(vi("invites.revoke.done"));
    const edited = await officer.expect(vi("invites.status.revoked", { at: "" }).trim());
    expect(edited.reply_markup?.inline_keyboard.flat() ?? []).toEqual([]);
    expect((await h.db.prisma.invite.findUniqueOrThrow({ where: { id: created.inviteId } })).revokedAt).not.toBeNull();

    // The same (stale) button again: nothing changes, a specific answer.
    const again = h.fake.pressButton(officerUser, { message_id: list.message_id, chat_id: officerUser.id }, `invrv:${created.inviteId}`, {
      allowUnknownData: true,
    });
    expect((await h.fake.waitForCallbackAnswer(again.callbackQueryId)).payload.text).toBe(vi("invites.revoke.revoked"));
    expect(await h.db.prisma.auditLog.count({ where: { action: "invite.revoke", targetId: created.inviteId } })).toBe(1);

    const userC = { id: 7122, first_name: "C" };
    const c = new Chat(h.fake, userC);
    c.send(`/start inv_${created.token}`);
    await c.expect(vi("invites.redeem.revoked"));
    expect(await rolesOfUser(userC)).toEqual([]);

    // A person without a role cannot list invites.
    await c.answer("/invites", vi("invites.not_allowed"));
  });

  it("at start, the bot sets the menus of role holders again", async () => {
    const since = h.fake.mark();
    await h.restart();
    const officerUser = { id: 7101 }; // made officer through a link in the first test
    await h.fake.waitForCall(
      (c) => c.method === "setMyCommands" && (c.payload.scope as { chat_id?: unknown } | undefined)?.chat_id === officerUser.id,
      10_000,
      since,
    );
    expect(h.fake.commandsFor({ type: "chat", chat_id: officerUser.id }, "")).toEqual(menuFor(["OFFICER"], "vi"));
  });
});
