// One person across channels: a worker on Telegram and on Zalo is two chat identities, and only they can say the two
// are one. /link on one channel shows a one-time code; typing it on the other channel joins the identities into one
// person with one application or membership. Nothing else is proof: a matching phone is never looked at (families
// and colleagues share phones, and anyone may type anyone's number).
import { createHash, randomInt } from "node:crypto";
import type { Channel, Prisma } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import { forgetPeople } from "../people/people.ts";

/** No 0/O, 1/I/L: read off one phone and typed on another. */
export const LINK_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
export const LINK_CODE_LENGTH = 8;
export const LINK_CODE_TTL_MS = 10 * 60_000;
/** Codes one person may ask for per hour. */
export const LINK_CODES_PER_HOUR = 5;
/** Unknown codes one person may type within the window before they are refused for the rest of it. */
export const WRONG_CODES_ALLOWED = 5;
export const WRONG_CODE_WINDOW_MS = 15 * 60_000;

const HOUR_MS = 60 * 60_000;
/** A wrong code is written to the audit log as a refusal: the log is the count, and guessing shows there. */
const WRONG_CODE_ACTION = "denied:privacy.link";

type Tx = Prisma.TransactionClient;

const hashOf = (code: string) => createHash("sha256").update(code).digest("hex");

function newCode(): string {
  let code = "";
  for (let i = 0; i < LINK_CODE_LENGTH; i++) code += LINK_CODE_ALPHABET[randomInt(LINK_CODE_ALPHABET.length)];
  return code;
}

/** As shown: two groups of four, easier to read out and type. */
export function formatLinkCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What was typed, as stored: spaces and dashes dropped, any case; null when it cannot be a code at all. */
export function normaliseLinkCode(raw: string): string | null {
  const code = raw.replace(/[\s-]/g, "").toUpperCase();
  if (code.length !== LINK_CODE_LENGTH) return null;
  return [...code].every((c) => LINK_CODE_ALPHABET.includes(c)) ? code : null;
}

export type IssueResult = { ok: true; code: string; expiresAt: Date } | { ok: false; reason: "link.errors.too_many_codes" };

/**
 * A fresh code for this person, shown on `channel` (it must be typed on another one). Only its hash is stored; an
 * earlier code of theirs still unused stops working, so only the code on their screen joins.
 */
export async function issueLinkCode(prisma: PrismaClient, personId: string, channel: Channel, now = new Date()): Promise<IssueResult> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`link:person:${personId}`}))`;
    const recent = await tx.linkCode.count({ where: { personId, createdAt: { gt: new Date(now.getTime() - HOUR_MS) } } });
    if (recent >= LINK_CODES_PER_HOUR) return { ok: false, reason: "link.errors.too_many_codes" } as const;
    await tx.linkCode.updateMany({ where: { personId, usedAt: null, expiresAt: { gt: now } }, data: { expiresAt: now } });
    let code = newCode();
    // 31^8 codes: a clash with a stored one is all but impossible, but a clash would join the wrong people.
    while (await tx.linkCode.findUnique({ where: { codeHash: hashOf(code) }, select: { id: true } })) code = newCode();
    const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
    await tx.linkCode.create({ data: { codeHash: hashOf(code), personId, channel, createdAt: now, expiresAt } });
    return { ok: true, code, expiresAt };
  });
}

export interface ApplicationRef {
  id: string;
  ref: number;
  routedUnitId: string;
}

export interface MemberRef {
  id: string;
  number: number;
  unitId: string;
}

export type RedeemRefusal =
  | "link.errors.rate_limited"
  | "link.errors.wrong"
  | "link.errors.used"
  | "link.errors.expired"
  | "link.errors.same_channel"
  | "link.errors.already_joined"
  | "link.errors.channel_taken";

export interface Joined {
  ok: true;
  /** The person both identities now belong to (the older record). */
  personId: string;
  /** The other record: left without identities (and, when both were members, with the newer member record). */
  mergedPersonId: string;
  channels: Channel[];
  /** Roles moved: their command menus change. */
  rolesMoved: boolean;
  /** Both had a pending application: the older is kept, the newer withdrawn; their deciders must be told. */
  bothPending: { kept: ApplicationRef; withdrawn: ApplicationRef } | null;
  /** One was a member and the other had a pending application, which can no longer be approved: withdrawn. */
  withdrawnForMember: { withdrawn: ApplicationRef[]; member: MemberRef } | null;
  /** Both were members: the older record is theirs now; the newer is left as it was, for their union to settle. */
  bothMembers: { kept: MemberRef; other: MemberRef } | null;
}

export type RedeemResult = Joined | { ok: false; reason: RedeemRefusal };

/**
 * Joins the identity typing `code` to the person who was shown it. Refused when the code is unknown, used, expired,
 * typed on the channel it was shown on, or the two are one person already; unknown codes count against the typist,
 * who is refused for a while after WRONG_CODES_ALLOWED of them. Everything moves in one transaction.
 */
export async function redeemLinkCode(
  prisma: PrismaClient,
  input: { code: string; identity: { channel: Channel; externalId: string }; now?: Date },
): Promise<RedeemResult> {
  const now = input.now ?? new Date();
  const typist = await prisma.chatIdentity.findUnique({
    where: { channel_externalId: { channel: input.identity.channel, externalId: input.identity.externalId } },
    select: { personId: true },
  });
  if (!typist) return { ok: false, reason: "link.errors.wrong" };
  const wrongTries = await prisma.auditLog.count({
    where: { actorId: typist.personId, action: WRONG_CODE_ACTION, at: { gte: new Date(now.getTime() - WRONG_CODE_WINDOW_MS) } },
  });
  if (wrongTries >= WRONG_CODES_ALLOWED) return { ok: false, reason: "link.errors.rate_limited" };

  const code = normaliseLinkCode(input.code);
  const stored = code ? await prisma.linkCode.findUnique({ where: { codeHash: hashOf(code) } }) : null;
  if (!stored) {
    await writeAudit(prisma, { actorId: typist.personId, action: WRONG_CODE_ACTION, targetType: "Person", targetId: typist.personId });
    return { ok: false, reason: "link.errors.wrong" };
  }
  if (stored.usedAt) return { ok: false, reason: "link.errors.used" };
  if (stored.expiresAt <= now) return { ok: false, reason: "link.errors.expired" };
  if (stored.channel === input.identity.channel) return { ok: false, reason: "link.errors.same_channel" };
  if (stored.personId === typist.personId) return { ok: false, reason: "link.errors.already_joined" };

  const result = await prisma.$transaction(async (tx) => {
    // The same lock as filing an application (src/membership/applications.ts): no application arrives mid-join.
    for (const id of [stored.personId, typist.personId].sort()) {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`apply:person:${id}`}))`;
    }
    // One identity per channel and person: which of two Telegram accounts would the bot write to?
    const channels = await tx.chatIdentity.groupBy({ by: ["channel"], where: { personId: { in: [stored.personId, typist.personId] } }, _count: true });
    if (channels.some((c) => c._count > 1)) return { ok: false, reason: "link.errors.channel_taken" } as const;
    const claimed = await tx.linkCode.updateMany({ where: { id: stored.id, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
    if (claimed.count === 0) return { ok: false, reason: "link.errors.used" } as const;
    return join(tx, { shownTo: stored.personId, typist: typist.personId, channel: input.identity.channel, now });
  });
  if (result.ok) forgetPeople(prisma, [result.personId, result.mergedPersonId]);
  return result;
}

async function join(tx: Tx, input: { shownTo: string; typist: string; channel: Channel; now: Date }): Promise<Joined> {
  const people = await tx.person.findMany({
    where: { id: { in: [input.shownTo, input.typist] } },
    select: {
      id: true,
      createdAt: true,
      language: true,
      languageChosen: true,
      announcementsOn: true,
      remindersOn: true,
      member: { select: { id: true, number: true, unitId: true, joinedAt: true } },
    },
  });
  const [a, b] = [people.find((p) => p.id === input.shownTo)!, people.find((p) => p.id === input.typist)!];
  const bothMembers = a.member && b.member;
  // The older record stays; when both are members, the one holding the older membership.
  const older = bothMembers
    ? a.member!.joinedAt.getTime() - b.member!.joinedAt.getTime() || a.member!.number - b.member!.number
    : a.createdAt.getTime() - b.createdAt.getTime();
  const [keep, drop] = older <= 0 ? [a, b] : [b, a];
  const moved = { personId: keep.id };

  await tx.chatIdentity.updateMany({ where: { personId: drop.id }, data: moved });
  await tx.linkCode.updateMany({ where: { personId: drop.id }, data: moved });
  const held = await tx.roleGrant.findMany({ where: { personId: keep.id }, select: { role: true, unitId: true } });
  const roles = await tx.roleGrant.findMany({ where: { personId: drop.id }, select: { id: true, role: true, unitId: true } });
  for (const role of roles) {
    const twice = held.some((h) => h.role === role.role && h.unitId === role.unitId);
    if (twice) await tx.roleGrant.delete({ where: { id: role.id } });
    else await tx.roleGrant.update({ where: { id: role.id }, data: moved });
  }

  let bothPending: Joined["bothPending"] = null;
  let withdrawnForMember: Joined["withdrawnForMember"] = null;
  if (!bothMembers) {
    // Their data goes with them: what /mydata, /correct and /withdraw act on is the person's.
    await tx.application.updateMany({ where: { personId: drop.id }, data: moved });
    await tx.consent.updateMany({ where: { personId: drop.id }, data: moved });
    await tx.dataRequest.updateMany({ where: { personId: drop.id }, data: moved });
    await tx.fieldChange.updateMany({ where: { personId: drop.id }, data: moved });
    if (drop.member) await tx.member.update({ where: { id: drop.member.id }, data: moved });
    const member = keep.member ?? drop.member;
    const pending = await tx.application.findMany({
      where: { personId: keep.id, status: "PENDING" },
      select: { id: true, ref: true, routedUnitId: true },
      orderBy: [{ createdAt: "asc" }, { ref: "asc" }],
    });
    // A member cannot be admitted twice (one member record per person); of two applications, the older stays.
    const withdrawn = member ? pending : pending.slice(1);
    if (withdrawn.length > 0) {
      await tx.application.updateMany({
        where: { id: { in: withdrawn.map((w) => w.id) }, status: "PENDING" },
        data: { status: "WITHDRAWN", decidedById: keep.id, decidedAt: input.now },
      });
    }
    if (member && withdrawn.length > 0) withdrawnForMember = { withdrawn, member: { id: member.id, number: member.number, unitId: member.unitId } };
    else if (withdrawn[0]) bothPending = { kept: pending[0]!, withdrawn: withdrawn[0] };
  }

  await tx.person.update({
    where: { id: keep.id },
    data: {
      lastChannel: input.channel,
      unreachableAt: null,
      // Either record's "no" stands: turning announcements off was a choice, joining accounts is not a new one.
      announcementsOn: keep.announcementsOn && drop.announcementsOn,
      remindersOn: keep.remindersOn && drop.remindersOn,
      ...(!keep.languageChosen && drop.languageChosen ? { language: drop.language, languageChosen: true } : {}),
    },
  });
  const identities = await tx.chatIdentity.findMany({ where: { personId: keep.id }, select: { channel: true }, orderBy: { channel: "asc" } });
  const channels = identities.map((i) => i.channel);
  const memberRef = (m: NonNullable<typeof a.member>): MemberRef => ({ id: m.id, number: m.number, unitId: m.unitId });
  const result: Joined = {
    ok: true,
    personId: keep.id,
    mergedPersonId: drop.id,
    channels,
    rolesMoved: roles.length > 0,
    bothPending,
    withdrawnForMember,
    bothMembers: bothMembers ? { kept: memberRef(keep.member!), other: memberRef(drop.member!) } : null,
  };
  await writeAudit(tx, {
    actorId: keep.id,
    action: "privacy.link",
    targetType: "Person",
    targetId: keep.id,
    before: { personIds: [input.shownTo, input.typist] },
    after: {
      personId: keep.id,
      mergedPersonId: drop.id,
      channels,
      withdrawnApplicationIds: [...(bothPending ? [bothPending.withdrawn.id] : []), ...(withdrawnForMember?.withdrawn.map((w) => w.id) ?? [])],
      otherMemberId: result.bothMembers?.other.id ?? null,
    },
  });
  return result;
}

/** The channels a person is on: more than one, and /unlink can separate them. */
export async function channelsOf(prisma: PrismaClient, personId: string): Promise<Channel[]> {
  const identities = await prisma.chatIdentity.findMany({ where: { personId }, select: { channel: true }, orderBy: { channel: "asc" } });
  return identities.map((i) => i.channel);
}

export type UnlinkResult =
  | { ok: true; newPersonId: string; channel: Channel; remaining: Channel[] }
  | { ok: false; reason: "link.errors.only_identity" | "link.errors.not_joined" };

/**
 * Separates a person's identity on `channel`: it becomes a new person with nothing but its language and choices;
 * the application, membership, consents and roles stay with the person. Refused for a person's only identity.
 */
export async function unlink(prisma: PrismaClient, input: { personId: string; channel: Channel }): Promise<UnlinkResult> {
  const result = await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`apply:person:${input.personId}`}))`;
    const identities = await tx.chatIdentity.findMany({ where: { personId: input.personId }, select: { id: true, channel: true }, orderBy: { channel: "asc" } });
    const leaving = identities.find((i) => i.channel === input.channel);
    if (!leaving) return { ok: false, reason: "link.errors.not_joined" } as const;
    if (identities.length < 2) return { ok: false, reason: "link.errors.only_identity" } as const;
    const person = await tx.person.findUniqueOrThrow({
      where: { id: input.personId },
      select: { language: true, languageChosen: true, lastChannel: true, announcementsOn: true, remindersOn: true },
    });
    const { lastChannel, ...choices } = person;
    const separated = await tx.person.create({ data: { ...choices, lastChannel: input.channel }, select: { id: true } });
    await tx.chatIdentity.update({ where: { id: leaving.id }, data: { personId: separated.id } });
    const remaining = identities.filter((i) => i.id !== leaving.id).map((i) => i.channel);
    if (lastChannel === input.channel) await tx.person.update({ where: { id: input.personId }, data: { lastChannel: remaining[0] ?? null } });
    await writeAudit(tx, {
      actorId: input.personId,
      action: "privacy.unlink",
      targetType: "Person",
      targetId: input.personId,
      after: { channel: input.channel, newPersonId: separated.id },
    });
    return { ok: true, newPersonId: separated.id, channel: input.channel, remaining } as const;
  });
  forgetPeople(prisma, [input.personId]);
  return result;
}
