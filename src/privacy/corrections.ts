// Correcting one's own data (Law 91/2025: the right to have personal data corrected). Knows nothing of chat platforms.
//
// A pending application is the person's own unfinished form: it is corrected in place at once. A member's record is
// the union's roll, so a member's correction is a request (DataRequest, kind CORRECTION) that their union's chair or
// deputy accepts or refuses within the legal time. Either way every change keeps its history (FieldChange) and its
// audit entry, written in the same transaction as the change. Audit entries name the field, never the values: the
// values live in FieldChange only, which erasure empties.
import { openDataRequest } from "./requests.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import {
  birthDateSchema,
  employerNameSchema,
  fullNameSchema,
  jobPositionSchema,
  parseField,
  phoneSchema,
  type FieldResult,
} from "../membership/application-fields.ts";
import { deciderLevels } from "../membership/pending.ts";
import { authorize } from "../policy/policy.ts";
import { toSearchText } from "../shared/text.ts";

export const CORRECTABLE_FIELDS = ["fullName", "birthDate", "phone", "workplace", "jobPosition"] as const;
export type CorrectableField = (typeof CORRECTABLE_FIELDS)[number];

export function isCorrectableField(value: unknown): value is CorrectableField {
  return typeof value === "string" && (CORRECTABLE_FIELDS as readonly string[]).includes(value);
}

/** A value as stored in DataRequest and FieldChange: names and text as typed (normalised), dates "yyyy-mm-dd", phones E.164. */
export type StoredValue = string;

const REASON_MIN = 3;
export const REASON_MAX = 300;

/** The new value checked with the join form's own schema, so a correction can never store what the form refuses. */
export function parseCorrection(field: CorrectableField, raw: string): FieldResult<StoredValue> {
  switch (field) {
    case "fullName":
      return parseField(fullNameSchema, raw);
    case "birthDate": {
      const parsed = parseField(birthDateSchema(), raw);
      return parsed.ok ? { ok: true, value: isoDay(parsed.value) } : parsed;
    }
    case "phone":
      return parseField(phoneSchema, raw);
    case "workplace":
      return parseField(employerNameSchema, raw);
    case "jobPosition":
      return parseField(jobPositionSchema, raw);
  }
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function dayOf(value: StoredValue): Date {
  return new Date(`${value}T00:00:00.000Z`);
}

/** What a person may correct, and the values it holds now. */
export type CorrectionSubject =
  | { kind: "none" }
  | {
      kind: "application";
      applicationId: string;
      ref: number;
      /** The workplace is a listed union (changing it is a new application), or an employer typed in (correctable). */
      listedUnit: string | null;
      values: Record<CorrectableField, StoredValue | null>;
    }
  | {
      kind: "member";
      memberId: string;
      number: number;
      unitId: string;
      unitName: string;
      /** The position is kept on the application the member joined with; imported members have none. */
      hasApplication: boolean;
      values: Record<CorrectableField, StoredValue | null>;
    };

type Db = PrismaClient | Prisma.TransactionClient;

export async function correctionSubject(prisma: Db, personId: string): Promise<CorrectionSubject> {
  const member = await prisma.member.findUnique({
    where: { personId },
    include: { unit: { select: { name: true } }, application: { select: { jobPosition: true } } },
  });
  if (member) {
    return {
      kind: "member",
      memberId: member.id,
      number: member.number,
      unitId: member.unitId,
      unitName: member.unit.name,
      hasApplication: member.application !== null,
      values: {
        fullName: member.fullName,
        birthDate: member.birthDate ? isoDay(member.birthDate) : null,
        phone: member.phone,
        workplace: member.unit.name,
        jobPosition: member.application?.jobPosition ?? null,
      },
    };
  }
  const application = await prisma.application.findFirst({
    where: { personId, status: "PENDING" },
    include: { unit: { select: { name: true } } },
    orderBy: { createdAt: "desc" },
  });
  if (!application) return { kind: "none" };
  return {
    kind: "application",
    applicationId: application.id,
    ref: application.ref,
    listedUnit: application.unit?.name ?? null,
    values: {
      fullName: application.fullName,
      birthDate: isoDay(application.birthDate),
      phone: application.phone,
      workplace: application.unit?.name ?? application.unlistedEmployer,
      jobPosition: application.jobPosition,
    },
  };
}

/** Why a field cannot be corrected here (i18n keys under corrections.refused.*), or null when it can. */
export function fieldRefusal(subject: CorrectionSubject, field: CorrectableField): CorrectionRefusal | null {
  if (subject.kind === "none") return "nothing";
  // A member changing workplace is a transfer between unions (chuyển sinh hoạt), not a correction of their data.
  if (field === "workplace" && subject.kind === "member") return "workplace_transfer";
  // A listed union decides the application: choosing another union is applying there.
  if (field === "workplace" && subject.kind === "application" && subject.listedUnit !== null) return "workplace_listed";
  if (field === "jobPosition" && subject.kind === "member" && !subject.hasApplication) return "no_position";
  return null;
}

export type CorrectionRefusal = "nothing" | "workplace_transfer" | "workplace_listed" | "no_position" | "same" | "pending_exists" | "changed";

export type CorrectionResult =
  | { ok: true; kind: "applied"; applicationId: string; field: CorrectableField; before: StoredValue | null; after: StoredValue }
  | { ok: true; kind: "requested"; requestId: string; dueAt: Date; field: CorrectableField; before: StoredValue | null; after: StoredValue }
  | { ok: false; reason: CorrectionRefusal }
  | { ok: false; reason: "invalid"; error: { key: string; params?: Record<string, string | number> } };

/**
 * A person asks to correct one field of their own record. The value is checked again here (the chat may be old or
 * forged). Pending application: changed at once. Member: a request to their union, due in `days` days.
 */
export async function requestCorrection(
  prisma: PrismaClient,
  input: { personId: string; field: CorrectableField; value: string; days: number; now?: Date },
): Promise<CorrectionResult> {
  const parsed = parseCorrection(input.field, input.value);
  if (!parsed.ok) return { ok: false, reason: "invalid", error: parsed.error };
  const after = parsed.value;
  const now = input.now ?? new Date();

  return prisma.$transaction(async (tx) => {
    // One correction of a person's record at a time: two at once would each keep a "before" the other overwrote.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`correct:person:${input.personId}`}))`;
    const subject = await correctionSubject(tx, input.personId);
    const refusal = fieldRefusal(subject, input.field);
    if (refusal) return { ok: false, reason: refusal } as const;
    if (subject.kind === "none") return { ok: false, reason: "nothing" } as const;
    const before = subject.values[input.field];
    if (before === after) return { ok: false, reason: "same" } as const;

    if (subject.kind === "application") {
      const changed = await tx.application.updateMany({
        where: { id: subject.applicationId, status: "PENDING" },
        data: applicationData(input.field, after),
      });
      if (changed.count === 0) return { ok: false, reason: "changed" } as const;
      await tx.fieldChange.create({
        data: {
          personId: input.personId,
          entity: "Application",
          entityId: subject.applicationId,
          field: input.field,
          before,
          after,
          changedById: input.personId,
          at: now,
        },
      });
      const routed = await tx.application.findUniqueOrThrow({ where: { id: subject.applicationId }, select: { routedUnitId: true } });
      await writeAudit(tx, {
        actorId: input.personId,
        action: "privacy.correction.apply",
        unitId: routed.routedUnitId,
        targetType: "Application",
        targetId: subject.applicationId,
        after: { field: input.field },
      });
      return { ok: true, kind: "applied", applicationId: subject.applicationId, field: input.field, before, after } as const;
    }

    const open = await tx.dataRequest.findFirst({
      where: { personId: input.personId, kind: "CORRECTION", status: "PENDING", field: input.field },
      select: { id: true },
    });
    if (open) return { ok: false, reason: "pending_exists" } as const;
    const request = await openDataRequest(tx, {
      kind: "CORRECTION",
      personId: input.personId,
      unitId: subject.unitId,
      days: input.days,
      now,
      field: input.field,
      value: after,
      target: { type: "Member", id: subject.memberId },
    });
    return { ok: true, kind: "requested", requestId: request.id, dueAt: request.dueAt, field: input.field, before, after } as const;
  });
}

function applicationData(field: CorrectableField, value: StoredValue): Prisma.ApplicationUpdateManyMutationInput {
  switch (field) {
    case "fullName":
      return { fullName: value };
    case "birthDate":
      return { birthDate: dayOf(value) };
    case "phone":
      return { phone: value };
    case "workplace":
      return { unlistedEmployer: value };
    case "jobPosition":
      return { jobPosition: value };
  }
}

function memberData(field: "fullName" | "birthDate" | "phone", value: StoredValue): Prisma.MemberUpdateInput {
  switch (field) {
    case "fullName":
      // /members searches the name without diacritics: it must follow the name.
      return { fullName: value, searchName: toSearchText(value) };
    case "birthDate":
      return { birthDate: dayOf(value) };
    case "phone":
      return { phone: value };
  }
}

/** A correction request as its deciders see it. */
export interface CorrectionView {
  id: string;
  status: "PENDING" | "DONE" | "REFUSED";
  field: CorrectableField;
  before: StoredValue | null;
  after: StoredValue;
  dueAt: Date;
  unitId: string;
  personId: string;
  memberNumber: number;
  memberName: string;
  reason: string | null;
}

/** The request with the member's current value; null when it is not a correction or the member is gone. */
export async function loadCorrection(prisma: Db, requestId: string): Promise<CorrectionView | null> {
  const request = await prisma.dataRequest.findUnique({ where: { id: requestId } });
  if (!request || request.kind !== "CORRECTION" || !request.unitId || !isCorrectableField(request.field) || request.value === null) {
    return null;
  }
  const subject = await correctionSubject(prisma, request.personId);
  if (subject.kind !== "member") return null;
  const member = await prisma.member.findUniqueOrThrow({ where: { id: subject.memberId }, select: { fullName: true } });
  return {
    id: request.id,
    status: request.status,
    field: request.field,
    before: subject.values[request.field],
    after: request.value,
    dueAt: request.dueAt,
    unitId: request.unitId,
    personId: request.personId,
    memberNumber: subject.number,
    memberName: member.fullName,
    reason: request.reason,
  };
}

export type DecideCorrectionResult =
  | { ok: true; accepted: boolean; personId: string; field: CorrectableField; value: StoredValue; reason: string | null }
  | { ok: false; reason: "not_found" | "forbidden" | "reason_required" }
  | { ok: false; reason: "already"; status: "DONE" | "REFUSED" };

/**
 * The chair or deputy of the member's union (or an admin) accepts or refuses a member's correction. Checked against
 * the policy here, done at most once (compare-and-set on the request's status), and in one transaction with the
 * change of the member's record, its history and the audit entry.
 */
export async function decideCorrection(
  prisma: PrismaClient,
  input: { requestId: string; actorId: string; accept: boolean; reason?: string; now?: Date },
): Promise<DecideCorrectionResult> {
  const request = await loadCorrection(prisma, input.requestId);
  if (!request) return { ok: false, reason: "not_found" };
  if (!(await authorize(prisma, input.actorId, "privacy.correction.decide", request.unitId))) {
    return { ok: false, reason: "forbidden" };
  }
  const reason = input.accept ? null : (input.reason ?? "").trim().replace(/\s+/g, " ").slice(0, REASON_MAX);
  if (reason !== null && reason.length < REASON_MIN) return { ok: false, reason: "reason_required" };
  const decidedAt = input.now ?? new Date();

  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`correct:person:${request.personId}`}))`;
    const changed = await tx.dataRequest.updateMany({
      where: { id: request.id, status: "PENDING" },
      data: { status: input.accept ? "DONE" : "REFUSED", decidedById: input.actorId, decidedAt, reason },
    });
    if (changed.count === 0) {
      const current = await tx.dataRequest.findUniqueOrThrow({ where: { id: request.id }, select: { status: true } });
      return { ok: false, reason: "already", status: current.status === "REFUSED" ? "REFUSED" : "DONE" } as const;
    }
    // Read again under the lock: the value shown on the card may be older than the record.
    const subject = await correctionSubject(tx, request.personId);
    if (subject.kind !== "member") throw new Error(`correction ${request.id}: the member record is gone`);
    if (input.accept) {
      const before = subject.values[request.field];
      if (request.field === "jobPosition") {
        const member = await tx.member.findUniqueOrThrow({ where: { id: subject.memberId }, select: { applicationId: true } });
        if (!member.applicationId) throw new Error(`correction ${request.id}: no application holds the position`);
        await tx.application.update({ where: { id: member.applicationId }, data: { jobPosition: request.after } });
        await recordChange(tx, request, "Application", member.applicationId, before, input.actorId, decidedAt);
      } else if (request.field === "workplace") {
        throw new Error(`correction ${request.id}: a member's workplace is a transfer, not a correction`);
      } else {
        await tx.member.update({ where: { id: subject.memberId }, data: memberData(request.field, request.after) });
        await recordChange(tx, request, "Member", subject.memberId, before, input.actorId, decidedAt);
      }
    }
    await writeAudit(tx, {
      actorId: input.actorId,
      action: input.accept ? "privacy.correction.accept" : "privacy.correction.refuse",
      unitId: request.unitId,
      targetType: "Member",
      targetId: subject.memberId,
      before: { requestId: request.id, status: "PENDING" },
      after: { requestId: request.id, field: request.field, status: input.accept ? "DONE" : "REFUSED" },
    });
    return { ok: true, accepted: input.accept, personId: request.personId, field: request.field, value: request.after, reason } as const;
  });
}

async function recordChange(
  tx: Prisma.TransactionClient,
  request: CorrectionView,
  entity: "Member" | "Application",
  entityId: string,
  before: StoredValue | null,
  actorId: string,
  at: Date,
) {
  await tx.fieldChange.create({
    data: { personId: request.personId, entity, entityId, field: request.field, before, after: request.after, changedById: actorId, requestId: request.id, at },
  });
}

/**
 * Who is asked to decide a member's correction: the chairs and deputies of their union the bot can reach; with none,
 * the admins (officers above may not decide it: the policy gives it to the union itself).
 */
export async function correctionDeciders(prisma: PrismaClient, unitId: string): Promise<string[]> {
  const levels = await deciderLevels(prisma, unitId);
  const chairs = levels.find((level) => level.kind === "chair" && level.unitId === unitId);
  return chairs?.personIds ?? levels.find((level) => level.kind === "admin")?.personIds ?? [];
}
