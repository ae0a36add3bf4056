// Invite links in the domain: who may create them and for what, and what opening one does — forged,
// expired, used, revoked, closed units, and two people opening the same link at once.
import { createHash } from "node:crypto";
import { GrammyError, type Api } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { menuFor, refreshMenu } from "../../src/bot/commands.ts";
import type { Logger } from "../../src/logger.ts";
import { createInvite, listInvites, redeemInvite, revokeInvite } from "../../src/organisation/invites.ts";
import { rolesOf } from "../../src/organisation/roles.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { findOrCreatePerson } from "../../src/people/people.ts";
import { authorize, unitsWhere } from "../../src/policy/policy.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const HOUR = 3_600_000;

describe("invites", () => {
  let db: TestDatabase;
  const units = new Map<string, string>();
  let admin: string;
  let officer: string; // officer of LC-DK
  let nextUser = 50_000;

  const unit = (code: string) => {
    const id = units.get(code);
    if (!id) throw new Error(`unit ${code} not loaded`);
    return id;
  };
  /** A new person without roles. */
  const person = async () => {
    const id = String(nextUser++);
    return (await findOrCreatePerson(db.prisma, { channel: "TELEGRAM", externalId: id, chatId: id }, "vi")).id;
  };
  async function invite(role: "CHAIR" | "DEPUTY_CHAIR" | "OFFICER", code: string, extra: { actorId?: string; ttlHours?: number; now?: Date } = {}) {
    const result = await createInvite(db.prisma, { actorId: extra.actorId ?? officer, role, unitId: unit(code), ttlHours: extra.ttlHours, now: extra.now });
    if (!result.ok) throw new Error(`invite refused: ${result.reason}`);
    return result;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDemo(db.prisma);
    for (const code of ["LC", "LC-DK", "LC-DK-CSLC", "LC-DK-AGR", "LC-TP", "LC-TP-DL", "LC-BD"]) {
      units.set(code, (await findUnitByCode(db.prisma, code))!.id);
    }
    admin = (await grant(db.prisma, { id: 49_001, first_name: "Admin" }, "ADMIN")).id;
    officer = (await grant(db.prisma, { id: 49_002, first_name: "Officer" }, "OFFICER", "LC-DK")).id;
  });
  afterAll(() => db?.destroy());

  it("stores only the hash of a random, link-safe token, and audits the creation", async () => {
    const created = await invite("CHAIR", "LC-DK-CSLC");
    expect(created.token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const stored = await db.prisma.invite.findUniqueOrThrow({ where: { id: created.inviteId } });
    expect(stored.tokenHash).toBe(createHash("sha256").update(created.token).digest("hex"));
    expect(JSON.stringify(stored)).not.toContain(created.token);
    expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBe(72 * HOUR);
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: "invite.create", targetId: created.inviteId } });
    expect(audit).toMatchObject({ actorId: officer, unitId: unit("LC-DK-CSLC") });
    expect(JSON.stringify(audit)).not.toContain(created.token);
  });

  it("opening a link grants the role once, marks the invite used and audits both", async () => {
    const created = await invite("CHAIR", "LC-DK-CSLC");
    const chair = await person();
    const result = await redeemInvite(db.prisma, { token: created.token, personId: chair });
    expect(result).toMatchObject({ ok: true, role: "CHAIR", unit: { code: "LC-DK-CSLC" }, createdById: officer, alreadyHeld: false });
    expect(await rolesOf(db.prisma, chair)).toEqual([{ role: "CHAIR", unitId: unit("LC-DK-CSLC") }]);
    expect(await authorize(db.prisma, chair, "application.decide", unit("LC-DK-CSLC"))).toBe(true);
    const stored = await db.prisma.invite.findUniqueOrThrow({ where: { id: created.inviteId } });
    expect(stored.usedById).toBe(chair);
    expect(stored.usedAt).not.toBeNull();
    const actions = (await db.prisma.auditLog.findMany({ where: { unitId: unit("LC-DK-CSLC"), OR: [{ targetId: chair }, { targetId: created.inviteId }] } })).map((a) => a.action);
    expect(actions.sort()).toEqual(["invite.create", "invite.redeem", "role.grant"]);

    // Used twice: by someone else, and by the same person again.
    const other = await person();
    expect(await redeemInvite(db.prisma, { token: created.token, personId: other })).toEqual({ ok: false, reason: "used" });
    expect(await redeemInvite(db.prisma, { token: created.token, personId: chair })).toEqual({ ok: false, reason: "used" });
    expect(await rolesOf(db.prisma, other)).toEqual([]);
  });

  it("a forged or mangled token is unknown and grants nothing", async () => {
    const created = await invite("OFFICER", "LC-DK");
    const someone = await person();
    const forged = created.token.slice(0, -1) + (created.token.endsWith("A") ? "B" : "A");
    for (const token of [forged, "", "x", "A".repeat(22), `${created.token}x`, "../../etc", "a b c d e f g h i j k l"]) {
      expect(await redeemInvite(db.prisma, { token, personId: someone })).toEqual({ ok: false, reason: "unknown" });
    }
    expect(await rolesOf(db.prisma, someone)).toEqual([]);
    // The real one still works afterwards.
    expect((await redeemInvite(db.prisma, { token: created.token, personId: someone })).ok).toBe(true);
  });

  it("an expired link is refused (controllable clock), and grants nothing", async () => {
    const created = await invite("CHAIR", "LC-DK-AGR", { ttlHours: 24 });
    const someone = await person();
    const later = new Date(created.expiresAt.getTime() + 1);
    expect(await redeemInvite(db.prisma, { token: created.token, personId: someone, now: later })).toEqual({ ok: false, reason: "expired" });
    // Just before the end it still works.
    const before = new Date(created.expiresAt.getTime() - 1000);
    expect((await redeemInvite(db.prisma, { token: created.token, personId: someone, now: before })).ok).toBe(true);

    // Created in the past with a validity that has run out.
    const old = await invite("CHAIR", "LC-DK-AGR", { ttlHours: 1, now: new Date(Date.now() - 2 * HOUR) });
    const late = await person();
    expect(await redeemInvite(db.prisma, { token: old.token, personId: late })).toEqual({ ok: false, reason: "expired" });
    expect(await rolesOf(db.prisma, late)).toEqual([]);
  });

  it("two people opening the same link at once: exactly one becomes chair", async () => {
    const created = await invite("CHAIR", "LC-DK-CSLC");
    const people = await Promise.all([person(), person(), person(), person()]);
    const results = await Promise.all(people.map((personId) => redeemInvite(db.prisma, { token: created.token, personId })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.reason)).toEqual(["used", "used", "used"]);
    const holders = await db.prisma.roleGrant.count({ where: { personId: { in: people } } });
    expect(holders).toBe(1);
    expect(await db.prisma.auditLog.count({ where: { action: "invite.redeem", targetId: created.inviteId } })).toBe(1);
  });

  it("a revoked link is refused; revoking is authorized, audited and happens once", async () => {
    const created = await invite("DEPUTY_CHAIR", "LC-DK-CSLC");
    const outsider = (await grant(db.prisma, { id: 49_003, first_name: "Other officer" }, "OFFICER", "LC-TP")).id;
    expect(await revokeInvite(db.prisma, { actorId: outsider, inviteId: created.inviteId })).toEqual({ ok: false, reason: "forbidden" });
    expect(await revokeInvite(db.prisma, { actorId: officer, inviteId: "c000000000000000000000000" })).toEqual({ ok: false, reason: "not_found" });
    expect(await revokeInvite(db.prisma, { actorId: officer, inviteId: created.inviteId })).toEqual({ ok: true });
    expect(await revokeInvite(db.prisma, { actorId: officer, inviteId: created.inviteId })).toEqual({ ok: false, reason: "revoked" });
    expect(await db.prisma.auditLog.count({ where: { action: "invite.revoke", targetId: created.inviteId } })).toBe(1);
    const someone = await person();
    expect(await redeemInvite(db.prisma, { token: created.token, personId: someone })).toEqual({ ok: false, reason: "revoked" });
    expect(await rolesOf(db.prisma, someone)).toEqual([]);
  });

  it("a deputy chair acts like a chair on their own union only", async () => {
    const created = await invite("DEPUTY_CHAIR", "LC-DK-CSLC");
    const deputy = await person();
    expect((await redeemInvite(db.prisma, { token: created.token, personId: deputy })).ok).toBe(true);
    expect(await authorize(db.prisma, deputy, "application.decide", unit("LC-DK-CSLC"))).toBe(true);
    expect(await authorize(db.prisma, deputy, "application.decide", unit("LC-DK-AGR"))).toBe(false);
    expect(await authorize(db.prisma, deputy, "invite.create", unit("LC-DK-CSLC"))).toBe(false);
  });

  it("an officer may invite only within their subtree; chairs only for grassroots unions; nobody else may invite", async () => {
    const attempt = (actorId: string, role: "CHAIR" | "DEPUTY_CHAIR" | "OFFICER", code: string, ttlHours?: number) =>
      createInvite(db.prisma, { actorId, role, unitId: unit(code), ttlHours });
    expect(await attempt(officer, "CHAIR", "LC-TP-DL")).toEqual({ ok: false, reason: "forbidden" });
    expect(await attempt(officer, "OFFICER", "LC")).toEqual({ ok: false, reason: "forbidden" });
    expect(await attempt(officer, "CHAIR", "LC-DK")).toEqual({ ok: false, reason: "needs_grassroots" });
    expect(await attempt(officer, "DEPUTY_CHAIR", "LC-DK")).toEqual({ ok: false, reason: "needs_grassroots" });
    expect(await attempt(officer, "CHAIR", "LC-DK-CSLC", 0)).toEqual({ ok: false, reason: "bad_ttl" });
    expect(await attempt(officer, "CHAIR", "LC-DK-CSLC", 30 * 24 + 1)).toEqual({ ok: false, reason: "bad_ttl" });
    expect((await attempt(officer, "CHAIR", "LC-DK-CSLC", 30 * 24)).ok).toBe(true);
    expect((await attempt(officer, "OFFICER", "LC-DK")).ok).toBe(true);
    // The refusal for outside the subtree is in the audit log, as every refusal is.
    expect(await db.prisma.auditLog.count({ where: { actorId: officer, action: "denied:invite.create", unitId: unit("LC-TP-DL") } })).toBe(1);
    // An admin may invite anywhere; a chair and a nobody nowhere.
    expect((await attempt(admin, "CHAIR", "LC-TP-DL")).ok).toBe(true);
    expect((await attempt(admin, "OFFICER", "LC")).ok).toBe(true);
    const chair = (await grant(db.prisma, { id: 49_004, first_name: "Chair" }, "CHAIR", "LC-DK-CSLC")).id;
    expect(await attempt(chair, "DEPUTY_CHAIR", "LC-DK-CSLC")).toEqual({ ok: false, reason: "forbidden" });
    expect(await attempt(await person(), "CHAIR", "LC-DK-CSLC")).toEqual({ ok: false, reason: "forbidden" });
    expect(await unitsWhere(db.prisma, chair, "invite.create")).toEqual([]);
    expect(await unitsWhere(db.prisma, admin, "invite.create")).toBe("everywhere");
    expect((await unitsWhere(db.prisma, officer, "invite.create")) as string[]).toEqual(
      expect.arrayContaining([unit("LC-DK"), unit("LC-DK-CSLC"), unit("LC-DK-AGR")]),
    );
    expect(await unitsWhere(db.prisma, officer, "invite.create")).not.toContain(unit("LC-TP-DL"));
  });

  it("closed units take no invites, and a link to a unit closed since is refused", async () => {
    const created = await invite("CHAIR", "LC-DK-AGR");
    await db.prisma.unit.update({ where: { id: unit("LC-DK-AGR") }, data: { closedAt: new Date() } });
    try {
      const someone = await person();
      expect(await redeemInvite(db.prisma, { token: created.token, personId: someone })).toEqual({ ok: false, reason: "unit_closed" });
      expect(await rolesOf(db.prisma, someone)).toEqual([]);
      expect(await createInvite(db.prisma, { actorId: officer, role: "CHAIR", unitId: unit("LC-DK-AGR") })).toEqual({ ok: false, reason: "unit_closed" });
    } finally {
      await db.prisma.unit.update({ where: { id: unit("LC-DK-AGR") }, data: { closedAt: null } });
    }
  });

  it("lists the invites within the actor's scope, with their status", async () => {
    const fresh = await invite("CHAIR", "LC-BD", { actorId: admin });
    const mine = await listInvites(db.prisma, { actorId: officer, limit: 100 });
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((i) => ["LC-DK", "LC-DK-CSLC", "LC-DK-AGR"].includes(i.unit.code))).toBe(true);
    expect(new Set(mine.map((i) => i.status))).toEqual(new Set(["pending", "used", "expired", "revoked"]));
    const all = await listInvites(db.prisma, { actorId: admin, limit: 100 });
    expect(all.find((i) => i.id === fresh.inviteId)).toMatchObject({ status: "pending", role: "CHAIR", unit: { code: "LC-BD" } });
    expect(await listInvites(db.prisma, { actorId: await person() })).toEqual([]);
    const farFuture = new Date(Date.now() + 365 * 24 * HOUR);
    expect((await listInvites(db.prisma, { actorId: admin, limit: 100, now: farFuture })).filter((i) => i.status === "pending")).toEqual([]);
  });

  it("a person's menu is set for their private chat in their language; Telegram refusing it is logged without the chat", async () => {
    const calls: { method: string; args: unknown[] }[] = [];
    const warnings: unknown[] = [];
    let refuse = false;
    const api = {
      setMyCommands: async (...args: unknown[]) => {
        calls.push({ method: "setMyCommands", args });
        if (refuse) throw new GrammyError("refused", { ok: false, error_code: 400, description: "Bad Request: chat not found" }, "setMyCommands", {});
        return true;
      },
      deleteMyCommands: async (...args: unknown[]) => (calls.push({ method: "deleteMyCommands", args }), true),
    } as unknown as Api;
    const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger;
    const officerChat = 49_002;

    await refreshMenu({ api, prisma: db.prisma, logger }, officer);
    expect(calls).toEqual([{ method: "setMyCommands", args: [menuFor(["OFFICER"], "vi"), { scope: { type: "chat", chat_id: officerChat } }] }]);

    refuse = true;
    await expect(refreshMenu({ api, prisma: db.prisma, logger }, officer)).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings)).toContain(officer);
    expect(JSON.stringify(warnings)).not.toContain(String(officerChat));

    // Without roles: back to the default menu.
    const nobody = await person();
    await refreshMenu({ api, prisma: db.prisma, logger }, nobody);
    expect(calls.at(-1)?.method).toBe("deleteMyCommands");
  });
});
