// Every privileged command and button against every role, through chat: who is let in and who gets
// the refusal. Targets sit in LC-DK-CSLC (a grassroots union under the ward union LC-DK); "officer
// outside" is an officer of another ward (LC-TP), "other chair" the chair of a neighbouring union.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "grammy/types";
import { createBroadcast } from "../../src/broadcasts/broadcasts.ts";
import { vietnamWeekStart } from "../../src/drive/reminders.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { createInvite } from "../../src/organisation/invites.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { findOrCreatePerson } from "../../src/people/people.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";
import { fromKeys, keysIn } from "../support/locale-texts.ts";

const vi = tFor("vi");

const PERSONAS = ["admin", "officerIn", "officerOut", "chair", "deputy", "otherChair", "member", "none"] as const;
type Persona = (typeof PERSONAS)[number];
const users: Record<Persona, TestUser> = {
  admin: { id: 7101 },
  officerIn: { id: 7102 },
  officerOut: { id: 7103 },
  chair: { id: 7104 },
  deputy: { id: 7105 },
  otherChair: { id: 7106 },
  member: { id: 7107 },
  none: { id: 7108 },
};

const UPPER = ["admin", "officerIn", "officerOut"] as const;
const ANY_ROLE = [...UPPER, "chair", "deputy", "otherChair"] as const;
const IN_SCOPE = ["admin", "officerIn", "chair", "deputy"] as const;

/**
 * command → who may use it, the locale keys its answer comes from when allowed (`opens`: a key prefix or a
 * namespace), and what everyone else is told (with the refusal's parameters, if it has any).
 */
const COMMANDS: { command: string; allowed: readonly Persona[]; opens: string; refusal: string; params?: Record<string, string> }[] = [
  { command: "/applications", allowed: ANY_ROLE, opens: "applications", refusal: "applications.forbidden" },
  { command: "/members", allowed: ANY_ROLE, opens: "members", refusal: "members.not_allowed" },
  { command: "/import_members", allowed: ANY_ROLE, opens: "members", refusal: "members.not_allowed" },
  { command: "/poster", allowed: ANY_ROLE, opens: "posters", refusal: "posters.forbidden" },
  { command: "/invite", allowed: UPPER, opens: "invites", refusal: "invites.not_allowed" },
  { command: "/invites", allowed: UPPER, opens: "invites", refusal: "invites.not_allowed" },
  { command: "/import_units", allowed: UPPER, opens: "units", refusal: "units.chat.refused" },
  { command: "/export_units", allowed: UPPER, opens: "units", refusal: "units.chat.refused" },
  { command: "/units_template", allowed: UPPER, opens: "units", refusal: "units.chat.refused" },
  { command: "/audit", allowed: ["admin"], opens: "audit", refusal: "audit.forbidden" },
  { command: "/audit_export", allowed: ["admin"], opens: "audit", refusal: "audit.forbidden" },
  { command: "/targets LC-DK-CSLC", allowed: IN_SCOPE, opens: "targets", refusal: "targets.chat.notAllowed", params: { code: "LC-DK-CSLC" } },
  { command: "/set_target LC-DK-CSLC", allowed: ["admin", "officerIn"], opens: "targets", refusal: "targets.set.notAllowed", params: { code: "LC-DK-CSLC" } },
  { command: "/set_target", allowed: UPPER, opens: "targets", refusal: "targets.set.refused" },
  { command: "/import_targets", allowed: UPPER, opens: "targets", refusal: "targets.importChat.refused" },
  { command: "/targets_template", allowed: UPPER, opens: "targets", refusal: "targets.importChat.refused" },
  { command: "/report LC-DK-CSLC", allowed: IN_SCOPE, opens: "reports", refusal: "reports.not_allowed" },
  { command: "/report", allowed: ["chair", "deputy", "otherChair"], opens: "reports", refusal: "reports.not_chair" },
  { command: "/report_status LC-DK", allowed: ["admin", "officerIn"], opens: "report_status", refusal: "report_status.forbidden" },
  { command: "/reminders", allowed: PERSONAS, opens: "reminders", refusal: "error" },
  { command: "/summary LC-DK-CSLC", allowed: IN_SCOPE, opens: "summary", refusal: "summary.chat.notAllowed" },
  { command: "/export LC-DK-CSLC", allowed: IN_SCOPE, opens: "summary", refusal: "summary.chat.notAllowed" },
  { command: "/broadcast", allowed: UPPER, opens: "broadcasts", refusal: "broadcasts.forbidden" },
  { command: "/broadcasts", allowed: UPPER, opens: "broadcasts", refusal: "broadcasts.forbidden" },
];

let h: Harness;
const targets = { applicationId: "", memberId: "", inviteIds: [] as string[], auditId: "", unitId: "", broadcastId: "" };

beforeAll(async () => {
  h = await startHarness({ logLevel: "warn" });
  const prisma = h.db.prisma;
  await loadDemo(prisma);
  await grant(prisma, users.admin, "ADMIN");
  const officerIn = await grant(prisma, users.officerIn, "OFFICER", "LC-DK");
  await grant(prisma, users.officerOut, "OFFICER", "LC-TP");
  await grant(prisma, users.chair, "CHAIR", "LC-DK-CSLC");
  await grant(prisma, users.deputy, "DEPUTY_CHAIR", "LC-DK-CSLC");
  await grant(prisma, users.otherChair, "CHAIR", "LC-DK-AGR");
  const unit = (await findUnitByCode(prisma, "LC-DK-CSLC"))!;
  targets.unitId = unit.id;

  const memberPerson = await findOrCreatePerson(prisma, { channel: "TELEGRAM", externalId: "7107", chatId: "7107" }, "vi");
  targets.memberId = (
    await prisma.member.create({ data: { personId: memberPerson.id, unitId: unit.id, fullName: "Lò Văn Mạnh", searchName: "lo van manh" } })
  ).id;
  targets.applicationId = (await fileApplication(prisma, { id: 7199 }, "LC-DK-CSLC", { fullName: "Vàng A Sử" })).applicationId;
  // One pending invite per persona that may revoke, so each press meets a pending one.
  for (let i = 0; i < 2; i++) {
    const invite = await createInvite(prisma, { actorId: officerIn.id, role: "CHAIR", unitId: unit.id, ttlHours: 24 });
    if (!invite.ok) throw new Error("invite refused");
    targets.inviteIds.push(invite.inviteId);
  }
  // A broadcast to the union's members, scheduled far ahead (its buttons edit and cancel it).
  const broadcast = await createBroadcast(prisma, officerIn.id, {
    audience: "MEMBERS", scopeUnitId: unit.id, language: null, channel: null, text: "…", photoFileId: null, urgent: false,
    sendAt: new Date(Date.now() + 10 * 86_400_000),
  });
  if (!broadcast.ok) throw new Error("broadcast refused");
  targets.broadcastId = broadcast.id;
  targets.auditId = (await prisma.auditLog.findFirstOrThrow({ orderBy: { at: "desc" } })).id;
});
afterAll(() => h?.close());

async function firstReplyTo(user: TestUser, text: string): Promise<Message> {
  const since = h.fake.mark();
  h.fake.sendText(user, text);
  return h.fake.nextMessageTo(user, { since, timeoutMs: 10_000 });
}

/**
 * "refused" when the text is the refusal; "opened" when it is another text of the feature's own keys (`opens`);
 * anything else (a generic error, another feature's text) is named by the keys it was rendered from, so it fails.
 */
function outcomeOf(text: string, refusalText: string, opens: string): string {
  if (text === refusalText) return "refused";
  if (fromKeys(text, opens)) return "opened";
  return `other: ${keysIn(text).join(", ") || text.slice(0, 80)}`;
}

/** Leaves whatever form the command or button opened, so the next row starts clean. */
async function leave(user: TestUser) {
  const since = h.fake.mark();
  h.fake.sendText(user, "/cancel");
  await h.fake.waitForCall((c) => c.method === "sendMessage" && String(c.payload.chat_id) === String(user.id), 10_000, since);
}

describe("commands × roles", () => {
  for (const { command, allowed, opens, refusal, params } of COMMANDS) {
    it(`${command}: ${allowed.join(", ")} may; the rest are refused`, async () => {
      for (const persona of PERSONAS) {
        const reply = await firstReplyTo(users[persona], command);
        const outcome = outcomeOf(reply.text ?? reply.caption ?? "", vi(refusal, params), opens);
        expect({ persona, outcome }).toEqual({ persona, outcome: allowed.includes(persona) ? "opened" : "refused" });
        await leave(users[persona]);
      }
    });
  }
});

describe("buttons × roles (forged onto any message: the data alone must not grant anything)", () => {
  const BUTTONS: { name: string; data: () => string; allowed: readonly Persona[]; opens: string; refusal: string }[] = [
    { name: "reject an application", data: () => `dec:r:${targets.applicationId}`, allowed: IN_SCOPE, opens: "decision", refusal: "decision.forbidden" },
    { name: "open a waiting application's card", data: () => `apo:${targets.applicationId}`, allowed: IN_SCOPE, opens: "decision", refusal: "applications.forbidden" },
    { name: "page the waiting applications", data: () => "apl:1", allowed: ANY_ROLE, opens: "applications", refusal: "applications.forbidden" },
    { name: "open the waiting applications from a reminder", data: () => "apl:new", allowed: ANY_ROLE, opens: "applications", refusal: "applications.forbidden" },
    { name: "open a member", data: () => `md:${targets.memberId}`, allowed: IN_SCOPE, opens: "members", refusal: "members.forbidden" },
    { name: "record a member leaving", data: () => `mx:${targets.memberId}`, allowed: IN_SCOPE, opens: "members", refusal: "members.leave.refused.forbidden" },
    { name: "revoke an invite", data: () => `invrv:${targets.inviteIds[0]}`, allowed: ["admin", "officerIn"], opens: "invites", refusal: "invites.revoke.forbidden" },
    { name: "page the audit log", data: () => `au:o:${targets.auditId}`, allowed: ["admin"], opens: "audit", refusal: "audit.forbidden" },
    { name: "open a unit's summary", data: () => `sm:d:${targets.unitId}:Y2026:0`, allowed: IN_SCOPE, opens: "summary", refusal: "summary.chat.notAllowed" },
    { name: "open the set-target form", data: () => `tgs:${targets.unitId}`, allowed: ["admin", "officerIn"], opens: "targets", refusal: "targets.set.forbidden" },
    { name: "edit a scheduled broadcast", data: () => `bce:${targets.broadcastId}`, allowed: ["admin", "officerIn"], opens: "broadcasts", refusal: "broadcasts.forbidden" },
    { name: "cancel a scheduled broadcast", data: () => `bcx:${targets.broadcastId}`, allowed: ["admin", "officerIn"], opens: "broadcasts", refusal: "broadcasts.forbidden" },
    { name: "list a broadcast's failures", data: () => `bcf:${targets.broadcastId}`, allowed: ["admin", "officerIn"], opens: "broadcasts", refusal: "broadcasts.forbidden" },
    { name: "nudge the unions without a report", data: () => `rsn:${targets.unitId}:${vietnamWeekStart(new Date()).toISOString().slice(0, 10)}`, allowed: ["admin", "officerIn"], opens: "report_status", refusal: "report_status.forbidden" },
  ];

  for (const { name, data, allowed, opens, refusal } of BUTTONS) {
    it(`${name}: ${allowed.join(", ")} may; the rest are refused`, async () => {
      for (const persona of PERSONAS) {
        const user = users[persona];
        const message = await firstReplyTo(user, "/help");
        const since = h.fake.mark();
        const press = h.fake.pressButton(user, message, data(), { allowUnknownData: true });
        const answer = await h.fake.waitForCallbackAnswer(press.callbackQueryId, 10_000);
        const answerText = String(answer.payload.text ?? "");
        // A refusal is the callback's answer; what an allowed press opens is that answer or the next message or edit.
        const shown = answerText || ((await h.fake.nextMessageTo(user, { since, timeoutMs: 10_000 })).text ?? "");
        const outcome = outcomeOf(shown, vi(refusal), opens);
        expect({ persona, outcome }).toEqual({ persona, outcome: allowed.includes(persona) ? "opened" : "refused" });
        await leave(user);
      }
      // Nothing was decided, nobody left, by any press.
      const application = await h.db.prisma.application.findUniqueOrThrow({ where: { id: targets.applicationId } });
      expect(application.status).toBe("PENDING");
      const member = await h.db.prisma.member.findUniqueOrThrow({ where: { id: targets.memberId } });
      expect(member.leftOn).toBeNull();
    });
  }
});
