// Erasure under the Personal Data Protection Law 91/2025/QH15: a person's data is replaced by an anonymous tombstone.
// The rows stay (a member's number, union, dates and leave; an application's status and union) so that counts,
// reports and the audit log stay whole, while no name, phone or birth date of theirs survives in any table: not on
// their records, not in the history of corrections, not in audit details, outbox texts, stored updates, saved forms
// or the web chat's transcript. Knows nothing of chat platforms.
import { openDataRequest } from "./requests.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import { formatPhoneForDisplay } from "../membership/application-fields.ts";
import { recordLeaving } from "../membership/members.ts";
import { forgetPeople } from "../people/people.ts";
import { authorize } from "../policy/policy.ts";
import { formatCalendarDate, vietnamDate } from "../shared/time.ts";

type Tx = Prisma.TransactionClient;

/** Application.birthDate cannot be empty: an erased application says 01/01/1900. */
export const TOMBSTONE_BIRTH_DATE = new Date(Date.UTC(1900, 0, 1));
/** What a web chat message of someone else that named the erased person shows instead. */
const ERASED_WEB_CONTENT = { text: "…" };
const TRANSACTION = { timeout: 60_000, maxWait: 30_000 };

/** Why a person is erased: they asked (never a member), a chair granted a member's request, or they left the union. */
export type ErasureCause = "request" | "decision" | "withdrawal";

export type EraseResult = { ok: true; personId: string } | { ok: false; reason: "not_found" | "already_erased" };

/**
 * Erases a person in one transaction, leaving an anonymous tombstone (Person.erasedAt). A pending application is
 * withdrawn first (WITHDRAWN, by the applicant themself, so no chair can still approve an empty one).
 * Authorisation is for the callers: the person themself, or decideErasure after the policy said yes.
 */
export async function erasePerson(
  prisma: PrismaClient,
  personId: string,
  options: { actorId: string | null; cause?: ErasureCause; now?: Date },
): Promise<EraseResult> {
  const done = await prisma.$transaction((tx) => eraseInTransaction(tx, personId, options), TRANSACTION);
  // The person's chats are gone from the store; this process's person cache must not still name the tombstone.
  if (done.ok) forgetPeople(prisma, [personId]);
  return done.ok ? { ok: true, personId } : done;
}

async function eraseInTransaction(
  tx: Tx,
  personId: string,
  options: { actorId: string | null; cause?: ErasureCause; now?: Date },
): Promise<{ ok: true } | { ok: false; reason: "not_found" | "already_erased" }> {
  const now = options.now ?? new Date();
  // The same lock as filing an application: nobody files one while their data is being erased.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`apply:person:${personId}`}))`;
  const person = await tx.person.findUnique({ where: { id: personId }, select: { erasedAt: true } });
  if (!person) return { ok: false, reason: "not_found" };
  if (person.erasedAt) return { ok: false, reason: "already_erased" };

  const [identities, applications, member, requests] = await Promise.all([
    tx.chatIdentity.findMany({ where: { personId }, select: { chatId: true } }),
    tx.application.findMany({
      where: { personId },
      select: { id: true, status: true, fullName: true, phone: true, birthDate: true, ethnicity: true, routedUnitId: true },
      orderBy: { createdAt: "desc" },
    }),
    tx.member.findUnique({ where: { personId }, select: { id: true, unitId: true, fullName: true, phone: true, birthDate: true } }),
    tx.dataRequest.findMany({ where: { personId }, select: { id: true } }),
  ]);
  const chats = identities.map((i) => i.chatId);
  const applicationIds = applications.map((a) => a.id);
  const traces = personalTraces([...applications, ...(member ? [member] : []), ...(await earlierValues(tx, personId))]);

  const withdrawn = await tx.application.updateMany({
    where: { personId, status: "PENDING" },
    data: { status: "WITHDRAWN", decidedById: personId, decidedAt: now },
  });
  await tx.application.updateMany({ where: { personId }, data: ERASED_APPLICATION });
  if (member) await tx.member.update({ where: { id: member.id }, data: ERASED_MEMBER });
  await tx.fieldChange.updateMany({
    where: { OR: [{ personId }, { entityId: { in: [...applicationIds, ...(member ? [member.id] : [])] } }] },
    data: { before: null, after: null },
  });
  await tx.dataRequest.updateMany({ where: { personId }, data: { value: null, reason: null } });
  await tx.outboxMessage.deleteMany({ where: { personId, status: "PENDING" } });
  await tx.outboxMessage.updateMany({ where: { personId }, data: { text: null } });
  await tx.inboxUpdate.deleteMany({ where: { chatKey: { in: chats } } });
  await tx.conversationState.deleteMany({ where: { key: { in: chats.flatMap((c) => [`conv:${c}`, `zalo-buttons:${c}`]) } } });
  await tx.webMessage.deleteMany({ where: { chatId: { in: chats } } });
  await tx.webFile.deleteMany({ where: { chatId: { in: chats } } });
  await scrubTraces(tx, {
    targetIds: [personId, ...applicationIds, ...(member ? [member.id] : []), ...requests.map((r) => r.id)],
    traces,
  });
  await tx.chatIdentity.deleteMany({ where: { personId } });
  await tx.linkCode.deleteMany({ where: { personId } });
  await tx.consent.updateMany({ where: { personId, withdrawnAt: null }, data: { withdrawnAt: now } });
  await tx.person.update({
    where: { id: personId },
    data: { erasedAt: now, unreachableAt: now, announcementsOn: false, remindersOn: false },
  });
  await writeAudit(tx, {
    actorId: options.actorId,
    action: "privacy.erase",
    unitId: member?.unitId ?? applications[0]?.routedUnitId ?? null,
    targetType: "Person",
    targetId: personId,
    after: { cause: options.cause ?? "request", applications: applications.length, withdrawn: withdrawn.count, member: member !== null },
  });
  return { ok: true };
}

const ERASED_APPLICATION = {
  fullName: "",
  phone: "",
  birthDate: TOMBSTONE_BIRTH_DATE,
  jobPosition: "",
  ethnicity: null,
  unlistedEmployer: null,
  unlistedAddress: null,
  rejectReason: null,
} satisfies Prisma.ApplicationUpdateManyMutationInput;

/** Number, union, source, joining and leaving stay: the counts and reports they feed stay whole. */
const ERASED_MEMBER = { fullName: "", searchName: "", phone: null, birthDate: null, leaveNote: null } satisfies Prisma.MemberUpdateInput;

// ---------------------------------------------------------------------------------------------------------------
// Traces of a person in free text and JSON

/** Names and phones the person had before a correction, or asked for: they may be quoted elsewhere too. */
async function earlierValues(tx: Tx, personId: string): Promise<{ fullName: string; phone: string | null; birthDate: null }[]> {
  const [changes, requests] = await Promise.all([
    tx.fieldChange.findMany({ where: { personId, field: { in: ["fullName", "phone"] } }, select: { field: true, before: true, after: true } }),
    tx.dataRequest.findMany({ where: { personId, field: { in: ["fullName", "phone"] }, value: { not: null } }, select: { field: true, value: true } }),
  ]);
  const values = [
    ...changes.flatMap((c) => [c.before, c.after].map((v) => ({ field: c.field, v }))),
    ...requests.map((r) => ({ field: r.field, v: r.value })),
  ];
  return values
    .filter((x): x is { field: string; v: string } => typeof x.v === "string" && x.v.trim() !== "")
    .map(({ field, v }) => (field === "phone" ? { fullName: "", phone: v, birthDate: null } : { fullName: v, phone: null, birthDate: null }));
}

export interface Traces {
  /** Names and phone numbers in every form people write them: searched for in every table. */
  everywhere: string[];
  /** Also birth dates and ethnicity: searched for only in rows about the person (a date alone names nobody). */
  own: string[];
}

/** The texts that would give a person away: names, phones (+84…, 84…, 0…, 0912 345 678), birth dates. */
export function personalTraces(
  records: { fullName: string; phone: string | null; birthDate: Date | null; ethnicity?: string | null }[],
): Traces {
  const everywhere = new Set<string>();
  const own = new Set<string>();
  for (const r of records) {
    if (r.fullName.trim().length >= 3) everywhere.add(r.fullName.trim());
    if (r.phone && /^\+84\d{6,}$/.test(r.phone)) {
      const national = `0${r.phone.slice(3)}`;
      for (const form of [r.phone, r.phone.slice(1), national, formatPhoneForDisplay(r.phone)]) everywhere.add(form);
    } else if (r.phone && r.phone.length >= 6) everywhere.add(r.phone);
    if (r.birthDate && r.birthDate.getTime() !== TOMBSTONE_BIRTH_DATE.getTime()) {
      own.add(formatCalendarDate(r.birthDate));
      own.add(r.birthDate.toISOString().slice(0, 10));
    }
    if (r.ethnicity && r.ethnicity.trim().length >= 2) own.add(r.ethnicity.trim());
  }
  return { everywhere: [...everywhere], own: [...everywhere, ...own] };
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A JSON value with every top-level value that mentions one of the patterns made null (keys stay: what changed). */
function scrubbedJson(column: "before" | "after", patterns: string[]): Prisma.Sql {
  const col = Prisma.raw(`"${column}"`);
  return Prisma.sql`CASE
    WHEN ${col} IS NULL THEN NULL
    WHEN jsonb_typeof(${col}::jsonb) = 'object' THEN (
      SELECT COALESCE(jsonb_object_agg(e.k, CASE WHEN e.v::text ILIKE ANY(${patterns}::text[]) THEN 'null'::jsonb ELSE e.v END), '{}'::jsonb)
        FROM jsonb_each(${col}::jsonb) AS e(k, v))
    WHEN ${col}::text ILIKE ANY(${patterns}::text[]) THEN NULL
    ELSE ${col}::jsonb END`;
}

/**
 * Removes the person's traces from what others' rows may hold: audit details (their own rows also lose birth dates
 * and ethnicity), stored updates already handled, saved forms and remembered buttons, and web chat messages (a
 * chair's decision card named them). Rows of the person's own chats are deleted by the caller.
 */
export async function scrubTraces(tx: Tx, input: { targetIds: string[]; traces: Traces }): Promise<void> {
  const everywhere = input.traces.everywhere.map(likePattern);
  const own = input.traces.own.map(likePattern);
  if (own.length > 0 && input.targetIds.length > 0) {
    await tx.$executeRaw`
      UPDATE "AuditLog" SET "before" = ${scrubbedJson("before", own)}, "after" = ${scrubbedJson("after", own)}
       WHERE "targetId" = ANY(${input.targetIds}::text[])
         AND ("before"::text ILIKE ANY(${own}::text[]) OR "after"::text ILIKE ANY(${own}::text[]))`;
  }
  if (everywhere.length === 0) return;
  await tx.$executeRaw`
    UPDATE "AuditLog" SET "before" = ${scrubbedJson("before", everywhere)}, "after" = ${scrubbedJson("after", everywhere)}
     WHERE "before"::text ILIKE ANY(${everywhere}::text[]) OR "after"::text ILIKE ANY(${everywhere}::text[])`;
  // A button pressed under a message that named the person (the chair's card, pressed right now) carries that
  // message: only which message it was is kept, as the conversation storage keeps it.
  await tx.$executeRaw`
    UPDATE "InboxUpdate" SET payload = jsonb_set(payload, '{callback_query,message}', jsonb_build_object(
        'message_id', payload->'callback_query'->'message'->'message_id',
        'date', payload->'callback_query'->'message'->'date',
        'chat', payload->'callback_query'->'message'->'chat'))
     WHERE payload ? 'callback_query' AND (payload->'callback_query'->'message')::text ILIKE ANY(${everywhere}::text[])`;
  // Handled updates are kept only to recognise a platform's re-send; losing a few is harmless.
  await tx.$executeRaw`
    DELETE FROM "InboxUpdate" WHERE "handledAt" IS NOT NULL AND payload::text ILIKE ANY(${everywhere}::text[])`;
  // A form someone else was filling in (a search for the person's name) starts again; remembered Zalo buttons of a
  // card that named them are dropped.
  await tx.$executeRaw`DELETE FROM "ConversationState" WHERE value ILIKE ANY(${everywhere}::text[])`;
  await tx.$executeRaw`
    UPDATE "WebMessage" SET content = ${JSON.stringify(ERASED_WEB_CONTENT)}::jsonb
     WHERE content::text ILIKE ANY(${everywhere}::text[])`;
  await tx.$executeRaw`UPDATE "OutboxMessage" SET text = NULL WHERE text ILIKE ANY(${everywhere}::text[])`;
}

// ---------------------------------------------------------------------------------------------------------------
// Deletion requests (/delete_my_data)

/** What a request to delete one's data leads to, before the person confirms it. */
export type ErasureRoute =
  | { kind: "erased" }
  /** Never a member: the law leaves no choice, the bot erases at once. */
  | { kind: "immediate"; applications: number }
  /** A member or former member: the union's chair or deputy decides, by the deadline. */
  | { kind: "chair"; unitId: string; unitName: string; memberNumber: number }
  | { kind: "waiting"; requestId: string; dueAt: Date; unitName: string };

export async function erasureRoute(prisma: PrismaClient, personId: string): Promise<ErasureRoute> {
  const person = await prisma.person.findUnique({ where: { id: personId }, select: { erasedAt: true } });
  if (!person || person.erasedAt) return { kind: "erased" };
  const member = await prisma.member.findUnique({
    where: { personId },
    select: { number: true, unitId: true, unit: { select: { name: true } } },
  });
  if (!member) return { kind: "immediate", applications: await prisma.application.count({ where: { personId } }) };
  const waiting = await prisma.dataRequest.findFirst({
    where: { personId, kind: "ERASURE", status: "PENDING" },
    select: { id: true, dueAt: true },
    orderBy: { createdAt: "desc" },
  });
  if (waiting) return { kind: "waiting", requestId: waiting.id, dueAt: waiting.dueAt, unitName: member.unit.name };
  return { kind: "chair", unitId: member.unitId, unitName: member.unit.name, memberNumber: member.number };
}

export type RequestErasureResult =
  | { kind: "erased" }
  | { kind: "requested"; requestId: string; dueAt: Date; unitId: string; unitName: string }
  | { kind: "waiting"; requestId: string; dueAt: Date; unitName: string }
  | { kind: "already_erased" };

/**
 * The person asks for their data to be deleted. Never a member: erased at once. A member (current or former): a
 * request goes to their union, due `days` from now (DATA_REQUEST_DAYS); one pending request at a time.
 */
export async function requestErasure(
  prisma: PrismaClient,
  input: { personId: string; days: number; now?: Date },
): Promise<RequestErasureResult> {
  const now = input.now ?? new Date();
  const route = await erasureRoute(prisma, input.personId);
  if (route.kind === "erased") return { kind: "already_erased" };
  if (route.kind === "waiting") return route;
  if (route.kind === "immediate") {
    const erased = await erasePerson(prisma, input.personId, { actorId: input.personId, cause: "request", now });
    return erased.ok ? { kind: "erased" } : { kind: "already_erased" };
  }
  const created = await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`erasure:person:${input.personId}`}))`;
    const existing = await tx.dataRequest.findFirst({
      where: { personId: input.personId, kind: "ERASURE", status: "PENDING" },
      select: { id: true, dueAt: true },
    });
    if (existing) return { kind: "waiting" as const, requestId: existing.id, dueAt: existing.dueAt, unitName: route.unitName };
    const request = await openDataRequest(tx, { kind: "ERASURE", personId: input.personId, unitId: route.unitId, days: input.days, now });
    return { kind: "requested" as const, requestId: request.id, dueAt: request.dueAt, unitId: route.unitId, unitName: route.unitName };
  });
  return created;
}

export interface ErasureRequestView {
  id: string;
  personId: string;
  unitId: string | null;
  status: "PENDING" | "DONE" | "REFUSED";
  dueAt: Date;
  createdAt: Date;
  member: { number: number; fullName: string; leftOn: Date | null } | null;
}

/** A pending erasure request as its decider sees it. Who may see it is for the caller to check. */
export async function findErasureRequest(prisma: PrismaClient, requestId: string): Promise<ErasureRequestView | null> {
  const request = await prisma.dataRequest.findUnique({
    where: { id: requestId },
    select: { id: true, kind: true, personId: true, unitId: true, status: true, dueAt: true, createdAt: true },
  });
  if (!request || request.kind !== "ERASURE") return null;
  const member = await prisma.member.findUnique({ where: { personId: request.personId }, select: { number: true, fullName: true, leftOn: true } });
  const { kind: _kind, ...view } = request;
  return { ...view, member };
}

/** The chairs and deputy chairs of the union who decide a request; the admins when the union has none. */
export async function erasureDeciders(prisma: PrismaClient, unitId: string): Promise<string[]> {
  const chairs = await prisma.roleGrant.findMany({
    where: { unitId, role: { in: ["CHAIR", "DEPUTY_CHAIR"] }, person: { erasedAt: null } },
    select: { personId: true },
  });
  const found = chairs.length > 0 ? chairs : await prisma.roleGrant.findMany({ where: { role: "ADMIN", person: { erasedAt: null } }, select: { personId: true } });
  return [...new Set(found.map((g) => g.personId))];
}

export type ErasureDecision = { kind: "erase" } | { kind: "refuse"; reason: string };

export type DecideErasureResult =
  | { ok: true; kind: "erased" | "refused"; personId: string; dueAt: Date }
  | { ok: false; reason: "not_found" | "forbidden" | "already_decided" };

/**
 * The union's chair or deputy decides a member's erasure request ("privacy.erasure.decide"). Refused: the reason is
 * kept for the person to read. Erased: the member's leave is recorded if they are still a member (RESIGNED, today,
 * by the chair, as /members would), then `beforeErase` runs (the person is told while they can still be reached),
 * then the request is closed and the person erased in one transaction.
 */
export async function decideErasure(
  prisma: PrismaClient,
  input: { requestId: string; actorId: string; decision: ErasureDecision; now?: Date; beforeErase?: (personId: string) => Promise<void> },
): Promise<DecideErasureResult> {
  const now = input.now ?? new Date();
  const request = await prisma.dataRequest.findUnique({
    where: { id: input.requestId },
    select: { id: true, kind: true, personId: true, unitId: true, status: true, dueAt: true },
  });
  if (!request || request.kind !== "ERASURE" || !request.unitId) return { ok: false, reason: "not_found" };
  if (!(await authorize(prisma, input.actorId, "privacy.erasure.decide", request.unitId))) return { ok: false, reason: "forbidden" };
  if (request.status !== "PENDING") return { ok: false, reason: "already_decided" };
  const closing = { decidedById: input.actorId, decidedAt: now };

  if (input.decision.kind === "refuse") {
    const reason = input.decision.reason;
    return prisma.$transaction(async (tx) => {
      const changed = await tx.dataRequest.updateMany({ where: { id: request.id, status: "PENDING" }, data: { ...closing, status: "REFUSED", reason } });
      if (changed.count === 0) return { ok: false, reason: "already_decided" } as const;
      await writeAudit(tx, {
        actorId: input.actorId,
        action: "privacy.erasure.refuse",
        unitId: request.unitId,
        targetType: "DataRequest",
        targetId: request.id,
        before: { status: "PENDING" },
        after: { status: "REFUSED" },
      });
      return { ok: true, kind: "refused", personId: request.personId, dueAt: request.dueAt } as const;
    });
  }

  const member = await prisma.member.findUnique({ where: { personId: request.personId }, select: { id: true, leftOn: true } });
  if (member && !member.leftOn) {
    const left = await recordLeaving(prisma, { actorId: input.actorId, memberId: member.id, reason: "RESIGNED", leftOn: vietnamDate(now), now });
    if (!left.ok && left.reason === "forbidden") return { ok: false, reason: "forbidden" };
  }
  await input.beforeErase?.(request.personId);
  const erased = await prisma.$transaction(async (tx) => {
    const changed = await tx.dataRequest.updateMany({ where: { id: request.id, status: "PENDING" }, data: { ...closing, status: "DONE" } });
    if (changed.count === 0) return { ok: false, reason: "already_decided" } as const;
    const done = await eraseInTransaction(tx, request.personId, { actorId: input.actorId, cause: "decision", now });
    if (!done.ok) return { ok: false, reason: "already_decided" } as const;
    return { ok: true } as const;
  }, TRANSACTION);
  if (!erased.ok) return erased;
  forgetPeople(prisma, [request.personId]);
  return { ok: true, kind: "erased", personId: request.personId, dueAt: request.dueAt };
}

// ---------------------------------------------------------------------------------------------------------------
// One application (retention)

/**
 * Erases one application's personal fields (the retention purge): the same tombstone as erasePerson, for this
 * application only, its traces in corrections and audit details included. An application still pending is closed
 * (WITHDRAWN, by nobody: it was abandoned) so that no chair approves an empty one.
 */
export async function eraseApplication(prisma: PrismaClient, applicationId: string, options: { now?: Date; reason: string }): Promise<boolean> {
  const now = options.now ?? new Date();
  return prisma.$transaction(async (tx) => {
    const application = await tx.application.findUnique({
      where: { id: applicationId },
      select: { id: true, personId: true, status: true, fullName: true, phone: true, birthDate: true, ethnicity: true, routedUnitId: true },
    });
    if (!application || application.fullName === "") return false;
    // Someone who became a member keeps their records; their old applications are theirs to ask about.
    if (await tx.member.count({ where: { personId: application.personId } })) return false;
    const traces = personalTraces([application]);
    await tx.application.update({
      where: { id: application.id },
      data: { ...ERASED_APPLICATION, ...(application.status === "PENDING" ? { status: "WITHDRAWN", decidedAt: now, decidedById: null } : {}) },
    });
    await tx.fieldChange.updateMany({ where: { entity: "Application", entityId: application.id }, data: { before: null, after: null } });
    await scrubTraces(tx, { targetIds: [application.id], traces });
    await writeAudit(tx, {
      actorId: null,
      action: "privacy.erase",
      unitId: application.routedUnitId,
      targetType: "Application",
      targetId: application.id,
      after: { cause: options.reason, status: application.status },
    });
    return true;
  }, TRANSACTION);
}
