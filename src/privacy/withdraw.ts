// Withdrawing consent, per purpose (Law 91/2025/QH15, Decree 356/2025): the sensitive ethnicity consent alone
// (the ethnicity is erased at once, nothing else changes), or the membership consent, which is leaving the union:
// the reduction is recorded as a chair records it, then what only the membership purpose needed is erased.
import type { Prisma } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import { selfLeave } from "../membership/members.ts";
import { erasePerson, scrubTraces } from "./erasure.ts";

/** What a person may still withdraw. */
export interface WithdrawableConsents {
  ethnicity: boolean;
  /** The membership consent (or, for a member, their membership itself). */
  membership: boolean;
  /** Withdrawing membership records a leave: they are a member today. */
  member: { number: number; unitName: string } | null;
  /** Withdrawing membership withdraws this application. */
  pendingRef: number | null;
}

export async function withdrawableConsents(prisma: PrismaClient, personId: string): Promise<WithdrawableConsents> {
  const [person, consents, member, pending] = await Promise.all([
    prisma.person.findUnique({ where: { id: personId }, select: { erasedAt: true } }),
    prisma.consent.findMany({ where: { personId, withdrawnAt: null }, select: { purpose: true } }),
    prisma.member.findUnique({ where: { personId }, select: { number: true, leftOn: true, unit: { select: { name: true } } } }),
    prisma.application.findFirst({ where: { personId, status: "PENDING" }, select: { ref: true } }),
  ]);
  if (!person || person.erasedAt) return { ethnicity: false, membership: false, member: null, pendingRef: null };
  const given = new Set(consents.map((c) => c.purpose));
  const current = member && !member.leftOn ? { number: member.number, unitName: member.unit.name } : null;
  return {
    ethnicity: given.has("SENSITIVE_ETHNICITY"),
    membership: given.has("MEMBERSHIP_APPLICATION") || current !== null,
    member: current,
    pendingRef: pending?.ref ?? null,
  };
}

export type WithdrawResult = { ok: true } | { ok: false; reason: "nothing_to_withdraw" };

/**
 * The ethnicity consent alone: the consent is marked withdrawn, and the ethnicity leaves every application of the
 * person, the history of their corrections, audit details about them, and what their chats kept (stored updates
 * already handled, the web chat's messages) — nothing else changes.
 */
export async function withdrawEthnicityConsent(prisma: PrismaClient, input: { personId: string; now?: Date }): Promise<WithdrawResult> {
  const now = input.now ?? new Date();
  return prisma.$transaction(async (tx) => {
    const withdrawn = await tx.consent.updateMany({
      where: { personId: input.personId, purpose: "SENSITIVE_ETHNICITY", withdrawnAt: null },
      data: { withdrawnAt: now },
    });
    if (withdrawn.count === 0) return { ok: false, reason: "nothing_to_withdraw" } as const;
    const applications = await tx.application.findMany({
      where: { personId: input.personId },
      select: { id: true, ethnicity: true, routedUnitId: true, member: { select: { id: true } } },
      orderBy: { createdAt: "desc" },
    });
    const values = [...new Set(applications.map((a) => a.ethnicity?.trim()).filter((e): e is string => !!e && e.length >= 2))];
    await tx.application.updateMany({ where: { personId: input.personId }, data: { ethnicity: null } });
    await tx.fieldChange.updateMany({ where: { personId: input.personId, field: "ethnicity" }, data: { before: null, after: null } });
    if (values.length > 0) await forgetInChats(tx, input.personId, values);
    const targets = applications.flatMap((a) => [a.id, ...(a.member ? [a.member.id] : [])]);
    if (values.length > 0) await scrubTraces(tx, { targetIds: targets, traces: { everywhere: [], own: values } });
    await writeAudit(tx, {
      actorId: input.personId,
      action: "privacy.withdraw",
      unitId: applications[0]?.routedUnitId ?? null,
      targetType: "Person",
      targetId: input.personId,
      after: { purpose: "SENSITIVE_ETHNICITY", applications: applications.length },
    });
    return { ok: true } as const;
  });
}

/** The person's own chats: handled updates and web chat messages that carry the ethnicity they typed or were shown. */
async function forgetInChats(tx: Prisma.TransactionClient, personId: string, values: string[]) {
  const chats = (await tx.chatIdentity.findMany({ where: { personId }, select: { chatId: true } })).map((c) => c.chatId);
  if (chats.length === 0) return;
  const patterns = values.map((v) => `%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  await tx.$executeRaw`
    DELETE FROM "InboxUpdate" WHERE "chatKey" = ANY(${chats}::text[]) AND "handledAt" IS NOT NULL
       AND payload::text ILIKE ANY(${patterns}::text[])`;
  await tx.$executeRaw`DELETE FROM "WebMessage" WHERE "chatId" = ANY(${chats}::text[]) AND content::text ILIKE ANY(${patterns}::text[])`;
}

export type WithdrawMembershipResult =
  /** `withdrawnRef`: the reference of the pending application withdrawn, if there was one. */
  | { ok: true; left: { leftOn: Date; number: number } | null; withdrawnRef: number | null }
  | { ok: false; reason: "nothing_to_withdraw" };

/**
 * The membership consent: a current member leaves the union (selfLeave: RESIGNED, today, recorded by themself,
 * counted as a reduction like any other), a pending application is withdrawn, and then the person is erased
 * (erasePerson: the tombstone keeps the member number, union and leave, so the union's counts stay right).
 */
export async function withdrawMembershipConsent(
  prisma: PrismaClient,
  input: { personId: string; now?: Date },
): Promise<WithdrawMembershipResult> {
  const now = input.now ?? new Date();
  const what = await withdrawableConsents(prisma, input.personId);
  if (!what.membership) return { ok: false, reason: "nothing_to_withdraw" };
  let left: { leftOn: Date; number: number } | null = null;
  if (what.member) {
    const leaving = await selfLeave(prisma, { personId: input.personId, now });
    if (leaving.ok && leaving.member.leftOn) left = { leftOn: leaving.member.leftOn, number: leaving.member.number };
  }
  await writeAudit(prisma, {
    actorId: input.personId,
    action: "privacy.withdraw",
    targetType: "Person",
    targetId: input.personId,
    after: { purpose: "MEMBERSHIP_APPLICATION", left: left !== null, pending: what.pendingRef !== null },
  });
  const erased = await erasePerson(prisma, input.personId, { actorId: input.personId, cause: "withdrawal", now });
  if (!erased.ok) return { ok: false, reason: "nothing_to_withdraw" };
  return { ok: true, left, withdrawnRef: what.pendingRef };
}
