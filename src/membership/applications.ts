// Applying to join and deciding on applications. Knows nothing of chat platforms: the channels collect
// the answers and show the results; every rule about who may apply, and who decides, is here.
import type { Application, Channel, Nationality, Prisma, Sex } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import { retryTransient } from "../db/transient.ts";
import { authorize } from "../policy/policy.ts";
import { isGrassroots } from "../organisation/units.ts";
import { CONSENT_VERSIONS, type GivenConsent } from "./consent.ts";
import { dateToCalendarDay } from "./application-fields.ts";
import { ageOn, checkEligibility } from "./eligibility.ts";
import { deciderLevels } from "./pending.ts";
import { toSearchText } from "../shared/text.ts";
import { vietnamDay } from "../shared/time.ts";

export type Workplace =
  | { kind: "listed"; unitId: string }
  /** No grassroots union yet: the upper-level union (commune, ward, park…) decides. */
  | { kind: "unlisted"; employer: string; address: string; upperUnitId: string };

export interface ApplicationDraft {
  fullName: string;
  birthDate: Date;
  sex: Sex;
  /** E.164 */
  phone: string;
  nationality: Nationality;
  longContract?: boolean;
  workplace: Workplace;
  jobPosition: string;
  ethnicity?: string;
}

/** Where a person stands: what /status shows, and why a second application is refused. */
export type Standing =
  | { kind: "none" }
  | { kind: "pending"; ref: number; createdAt: Date; unitName: string }
  | { kind: "member"; number: number; unitName: string; joinedAt: Date; fullName: string }
  | { kind: "rejected"; ref: number; reason: string | null; decidedAt: Date | null };

/**
 * Where this person (their own chat account) stands. Only ever by person: a phone number is not an identity
 * (families and colleagues share phones, and anyone may type anyone's number), so another record with the same
 * phone is never shown here; it is a hint for the chair (`phoneAlsoOn`).
 */
export async function standingOf(prisma: Prisma.TransactionClient | PrismaClient, who: { personId: string }): Promise<Standing> {
  // One statement for the three questions, in the order they are asked: nested relation selects would cost a
  // statement each, even for a person with no record at all (the usual case when they start the form).
  const rows = await prisma.$queryRaw<StandingRow[]>`
    (SELECT 'member' AS kind, m.number AS num, m."joinedAt" AS at, m."fullName" AS "fullName", u.name AS "unitName", NULL::text AS reason
       FROM "Member" m JOIN "Unit" u ON u.id = m."unitId"
      WHERE m."personId" = ${who.personId} LIMIT 1)
    UNION ALL
    (SELECT 'pending', a.ref, a."createdAt", NULL, COALESCE(u.name, r.name), NULL
       FROM "Application" a JOIN "Unit" r ON r.id = a."routedUnitId" LEFT JOIN "Unit" u ON u.id = a."unitId"
      WHERE a."personId" = ${who.personId} AND a.status = 'PENDING' LIMIT 1)
    UNION ALL
    (SELECT 'rejected', a.ref, a."decidedAt", NULL, NULL, a."rejectReason"
       FROM "Application" a
      WHERE a."personId" = ${who.personId} AND a.status = 'REJECTED' ORDER BY a."decidedAt" DESC LIMIT 1)`;
  const row = (kind: StandingRow["kind"]) => rows.find((r) => r.kind === kind);
  const member = row("member");
  if (member) {
    return { kind: "member", number: member.num, unitName: member.unitName!, joinedAt: member.at!, fullName: member.fullName! };
  }
  const pending = row("pending");
  if (pending) return { kind: "pending", ref: pending.num, createdAt: pending.at!, unitName: pending.unitName! };
  const rejected = row("rejected");
  if (rejected) return { kind: "rejected", ref: rejected.num, reason: rejected.reason, decidedAt: rejected.at };
  return { kind: "none" };
}

interface StandingRow {
  kind: "member" | "pending" | "rejected";
  /** Member number or application reference. */
  num: number;
  at: Date | null;
  fullName: string | null;
  unitName: string | null;
  reason: string | null;
}

/** Another record with the same phone: a member (by number) or a pending application (by reference). */
export type PhoneMatch = { kind: "member"; number: number; sameUnit: boolean } | { kind: "application"; ref: number; sameUnit: boolean };

/**
 * Other people's records that share this application's phone, for the chair to look twice at: references
 * only (member number, application reference, same union or not), never their names or details.
 */
export async function phoneAlsoOn(
  prisma: Prisma.TransactionClient | PrismaClient,
  application: Pick<Application, "id" | "personId" | "phone" | "routedUnitId">,
): Promise<PhoneMatch[]> {
  const [members, pending] = await Promise.all([
    prisma.member.findMany({
      where: { phone: application.phone, personId: { not: application.personId }, leftOn: null },
      select: { number: true, unitId: true },
      orderBy: { number: "asc" },
      take: 5,
    }),
    prisma.application.findMany({
      where: { phone: application.phone, status: "PENDING", id: { not: application.id }, personId: { not: application.personId } },
      select: { ref: true, routedUnitId: true },
      orderBy: { ref: "asc" },
      take: 5,
    }),
  ]);
  return [
    ...members.map((m) => ({ kind: "member" as const, number: m.number, sameUnit: m.unitId === application.routedUnitId })),
    ...pending.map((a) => ({ kind: "application" as const, ref: a.ref, sameUnit: a.routedUnitId === application.routedUnitId })),
  ];
}

export type SubmitResult =
  | { ok: true; applicationId: string; ref: number }
  | { ok: false; reason: "already"; standing: Standing }
  | { ok: false; reason: "ineligible"; detail: string }
  | { ok: false; reason: "unit_unavailable" };

/**
 * Files an application with its consents in one transaction. An advisory lock on the person makes "one
 * person, one application" hold even when two submissions race. A phone already on another record does not
 * stop anyone applying: the chair sees it on the decision card.
 */
export async function submitApplication(
  prisma: PrismaClient,
  input: {
    personId: string;
    channel: Channel;
    draft: ApplicationDraft;
    consent: GivenConsent;
    ethnicityConsent?: GivenConsent;
    source?: string;
    now?: Date;
  },
): Promise<SubmitResult> {
  const { draft } = input;
  const eligibility = checkEligibility({
    nationality: draft.nationality,
    longContract: draft.longContract,
    age: ageOn(dateToCalendarDay(draft.birthDate), vietnamDay(input.now ?? new Date())),
  });
  if (!eligibility.eligible) return { ok: false, reason: "ineligible", detail: eligibility.reason };

  // Safe to run again: all of it is one transaction, and the standing check sees an earlier try that did commit.
  return retryTransient(() => prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`apply:person:${input.personId}`}))`;
    const standing = await standingOf(tx, { personId: input.personId });
    if (standing.kind === "pending" || standing.kind === "member") return { ok: false, reason: "already", standing };

    const unitId = draft.workplace.kind === "listed" ? draft.workplace.unitId : draft.workplace.upperUnitId;
    const unit = await tx.unit.findUnique({ where: { id: unitId }, select: { type: true, closedAt: true } });
    if (!unit || unit.closedAt || (draft.workplace.kind === "listed") !== isGrassroots(unit)) {
      return { ok: false, reason: "unit_unavailable" };
    }

    const consent = await tx.consent.create({
      data: { personId: input.personId, ...input.consent, textVersion: CONSENT_VERSIONS[input.consent.purpose] },
    });
    const ethnicityConsent =
      input.ethnicityConsent && draft.ethnicity
        ? await tx.consent.create({
            data: {
              personId: input.personId,
              ...input.ethnicityConsent,
              textVersion: CONSENT_VERSIONS[input.ethnicityConsent.purpose],
            },
          })
        : null;
    const application = await tx.application.create({
      data: {
        personId: input.personId,
        channel: input.channel,
        unitId: draft.workplace.kind === "listed" ? draft.workplace.unitId : null,
        unlistedEmployer: draft.workplace.kind === "unlisted" ? draft.workplace.employer : null,
        unlistedAddress: draft.workplace.kind === "unlisted" ? draft.workplace.address : null,
        routedUnitId: unitId,
        fullName: draft.fullName,
        birthDate: draft.birthDate,
        sex: draft.sex,
        phone: draft.phone,
        nationality: draft.nationality,
        longContract: draft.nationality === "FOREIGN" ? (draft.longContract ?? false) : null,
        jobPosition: draft.jobPosition,
        // Sensitive data is kept only with its own consent.
        ethnicity: ethnicityConsent ? draft.ethnicity : null,
        source: input.source ?? null,
        consentId: consent.id,
        ethnicityConsentId: ethnicityConsent?.id ?? null,
      },
      select: { id: true, ref: true },
    });
    return { ok: true, applicationId: application.id, ref: application.ref };
  }));
}

/**
 * Who decides an application: the chairs (and deputies) of its grassroots union; otherwise the officers of the
 * nearest unit above that has any; otherwise the admins. Only people the bot can reach count (see `deciderLevels`,
 * which also gives the levels above, for the notification job and the reminders).
 */
export async function decidersOf(prisma: PrismaClient, application: Pick<Application, "routedUnitId">): Promise<string[]> {
  return (await deciderLevels(prisma, application.routedUnitId))[0]?.personIds ?? [];
}

export type Decision = { kind: "approve" } | { kind: "reject"; reason: string };

export type DecideResult =
  | { ok: true; applicationId: string; personId: string; memberNumber?: number }
  | { ok: false; reason: "not_found" | "forbidden" }
  | { ok: false; reason: "already_decided"; status: Application["status"]; decidedById: string | null };

/**
 * Approves or rejects a pending application. Checked against the policy, done at most once (the
 * status is compare-and-set inside the transaction), and written to the audit log with the member
 * record it creates.
 */
export async function decideApplication(
  prisma: PrismaClient,
  input: { applicationId: string; actorId: string; decision: Decision },
): Promise<DecideResult> {
  const application = await prisma.application.findUnique({
    where: { id: input.applicationId },
    select: { id: true, routedUnitId: true, personId: true },
  });
  if (!application) return { ok: false, reason: "not_found" };
  if (!(await authorize(prisma, input.actorId, "application.decide", application.routedUnitId))) {
    return { ok: false, reason: "forbidden" };
  }
  const approve = input.decision.kind === "approve";
  return prisma.$transaction(async (tx) => {
    const decidedAt = new Date();
    const changed = await tx.application.updateMany({
      where: { id: application.id, status: "PENDING" },
      data: {
        status: approve ? "APPROVED" : "REJECTED",
        decidedById: input.actorId,
        decidedAt,
        rejectReason: input.decision.kind === "reject" ? input.decision.reason : null,
      },
    });
    if (changed.count === 0) {
      const current = await tx.application.findUniqueOrThrow({
        where: { id: application.id },
        select: { status: true, decidedById: true },
      });
      return { ok: false, reason: "already_decided", status: current.status, decidedById: current.decidedById };
    }
    const full = await tx.application.findUniqueOrThrow({ where: { id: application.id } });
    const member = approve
      ? await tx.member.create({
          data: {
            personId: full.personId,
            unitId: full.unitId ?? full.routedUnitId,
            applicationId: full.id,
            fullName: full.fullName,
            searchName: toSearchText(full.fullName),
            phone: full.phone,
            birthDate: full.birthDate,
            sex: full.sex,
            joinedAt: decidedAt,
          },
          select: { id: true, number: true },
        })
      : null;
    await writeAudit(tx, {
      actorId: input.actorId,
      action: approve ? "application.approve" : "application.reject",
      unitId: full.routedUnitId,
      targetType: "Application",
      targetId: full.id,
      before: { status: "PENDING" },
      after: approve ? { status: "APPROVED", memberId: member?.id ?? null } : { status: "REJECTED" },
    });
    return { ok: true, applicationId: full.id, personId: full.personId, memberNumber: member?.number };
  });
}
