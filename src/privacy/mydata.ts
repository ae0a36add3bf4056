// /mydata: everything the store holds about one person, as the Personal Data Protection Law 91/2025 lets them see it.
// A read model over the domain tables (no chat library). Only the person's own data: whoever decided on their
// application or request, or changed their record, appears as "the union" (or themselves), never by name; the audit
// log records what officers did and is not the subject's personal data, so it is left out.
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";

/** The fields of each section, in the order people read them; every row of a section has exactly these keys. */
export const MYDATA_FIELDS = {
  person: ["language", "announcementsOn", "remindersOn", "lastChannel", "createdAt"],
  identities: ["channel", "accountId", "since"],
  applications: [
    "ref",
    "status",
    "channel",
    "union",
    "unlistedEmployer",
    "unlistedAddress",
    "decidingUnion",
    "fullName",
    "birthDate",
    "sex",
    "phone",
    "nationality",
    "longContract",
    "jobPosition",
    "ethnicity",
    "source",
    "createdAt",
    "updatedAt",
    "decidedBy",
    "decidedAt",
    "rejectReason",
  ],
  member: ["number", "union", "fullName", "birthDate", "sex", "phone", "memberSource", "joinedAt", "leftOn", "leaveReason", "leaveNote", "leaveRecordedBy"],
  consents: ["purpose", "textVersion", "language", "givenAt", "withdrawnAt", "text"],
  roles: ["role", "union"],
  requests: ["kind", "field", "value", "status", "createdAt", "dueAt", "decidedBy", "decidedAt", "reason"],
  changes: ["entity", "field", "before", "after", "changedBy", "at"],
} as const;

export type MyDataSection = keyof typeof MYDATA_FIELDS;
export const MYDATA_SECTIONS = Object.keys(MYDATA_FIELDS) as MyDataSection[];
export type MyDataField = (typeof MYDATA_FIELDS)[MyDataSection][number];

/** Fields holding a calendar day (a @db.Date column, UTC midnight) rather than an instant. */
export const CALENDAR_DAY_FIELDS: ReadonlySet<MyDataField> = new Set<MyDataField>(["birthDate", "leftOn"]);

/** Who acted on the person's data, without naming anyone else. */
export type ActorLabel = "SELF" | "UNION";

export type MyDataValue = string | number | boolean | Date | null;
export type MyDataRow<S extends MyDataSection = MyDataSection> = { [K in (typeof MYDATA_FIELDS)[S][number]]: MyDataValue };

export interface MyData {
  person: MyDataRow<"person">;
  identities: MyDataRow<"identities">[];
  applications: MyDataRow<"applications">[];
  member: MyDataRow<"member"> | null;
  consents: MyDataRow<"consents">[];
  roles: MyDataRow<"roles">[];
  requests: MyDataRow<"requests">[];
  changes: MyDataRow<"changes">[];
}

/** The rows of a section (the member record is one row or none). */
export function sectionRows(data: MyData, section: MyDataSection): Record<string, MyDataValue>[] {
  const value = data[section];
  return value === null ? [] : Array.isArray(value) ? value : [value];
}

/** True when nothing but the chat identities and the preferences every chat has is stored. */
export function holdsOnlyIdentity(data: MyData): boolean {
  return data.applications.length === 0 && data.member === null && data.consents.length === 0 && data.roles.length === 0 && data.requests.length === 0 && data.changes.length === 0;
}

/** The JSON file: every field, enum values as stored, calendar days as YYYY-MM-DD and instants as ISO 8601. */
export function myDataJson(data: MyData, exportedAt: Date): string {
  return JSON.stringify(
    { exportedAt, ...data },
    function (this: Record<string, unknown>, key, value) {
      const raw = this[key];
      return raw instanceof Date && CALENDAR_DAY_FIELDS.has(key as MyDataField) ? raw.toISOString().slice(0, 10) : value;
    },
    2,
  );
}

/**
 * The person's data, section by section. Reading and the "privacy.view" audit entry happen in one transaction, so
 * every view is recorded and a recorded view saw one consistent state.
 */
export async function collectMyData(prisma: PrismaClient, personId: string): Promise<MyData> {
  return prisma.$transaction(async (tx) => {
    const person = await tx.person.findUniqueOrThrow({
      where: { id: personId },
      select: {
        language: true,
        remindersOn: true,
        announcementsOn: true,
        lastChannel: true,
        createdAt: true,
        identities: { select: { channel: true, externalId: true, createdAt: true }, orderBy: { createdAt: "asc" } },
        applications: {
          orderBy: { createdAt: "asc" },
          select: {
            ref: true,
            status: true,
            channel: true,
            unit: { select: { name: true } },
            routedUnit: { select: { name: true } },
            unlistedEmployer: true,
            unlistedAddress: true,
            fullName: true,
            birthDate: true,
            sex: true,
            phone: true,
            nationality: true,
            longContract: true,
            jobPosition: true,
            ethnicity: true,
            source: true,
            createdAt: true,
            updatedAt: true,
            decidedById: true,
            decidedAt: true,
            rejectReason: true,
          },
        },
        member: {
          select: {
            number: true,
            unit: { select: { name: true } },
            fullName: true,
            birthDate: true,
            sex: true,
            phone: true,
            source: true,
            joinedAt: true,
            leftOn: true,
            leaveReason: true,
            leaveNote: true,
            leaveRecordedById: true,
          },
        },
        consents: { orderBy: { givenAt: "asc" }, select: { purpose: true, textVersion: true, language: true, text: true, givenAt: true, withdrawnAt: true } },
        roles: { orderBy: { createdAt: "asc" }, select: { role: true, unit: { select: { name: true } } } },
        dataRequests: {
          orderBy: { createdAt: "asc" },
          select: { kind: true, field: true, value: true, status: true, createdAt: true, dueAt: true, decidedById: true, decidedAt: true, reason: true },
        },
      },
    });
    const changes = await tx.fieldChange.findMany({
      where: { personId },
      orderBy: { at: "asc" },
      select: { entity: true, field: true, before: true, after: true, changedById: true, at: true },
    });
    await writeAudit(tx, { actorId: personId, action: "privacy.view", targetType: "Person", targetId: personId });

    const actor = (id: string | null): ActorLabel | null => (id === null ? null : id === personId ? "SELF" : "UNION");
    const m = person.member;
    return {
      person: {
        language: person.language,
        announcementsOn: person.announcementsOn,
        remindersOn: person.remindersOn,
        lastChannel: person.lastChannel,
        createdAt: person.createdAt,
      },
      identities: person.identities.map((i) => ({ channel: i.channel, accountId: i.externalId, since: i.createdAt })),
      applications: person.applications.map((a) => ({
        ref: a.ref,
        status: a.status,
        channel: a.channel,
        union: a.unit?.name ?? null,
        unlistedEmployer: a.unlistedEmployer,
        unlistedAddress: a.unlistedAddress,
        decidingUnion: a.routedUnit.name,
        fullName: a.fullName,
        birthDate: a.birthDate,
        sex: a.sex,
        phone: a.phone,
        nationality: a.nationality,
        longContract: a.longContract,
        jobPosition: a.jobPosition,
        ethnicity: a.ethnicity,
        source: a.source,
        createdAt: a.createdAt,
        updatedAt: a.updatedAt,
        decidedBy: actor(a.decidedById),
        decidedAt: a.decidedAt,
        rejectReason: a.rejectReason,
      })),
      member: m
        ? {
            number: m.number,
            union: m.unit.name,
            fullName: m.fullName,
            birthDate: m.birthDate,
            sex: m.sex,
            phone: m.phone,
            memberSource: m.source,
            joinedAt: m.joinedAt,
            leftOn: m.leftOn,
            leaveReason: m.leaveReason,
            leaveNote: m.leaveNote,
            leaveRecordedBy: actor(m.leaveRecordedById),
          }
        : null,
      consents: person.consents.map((c) => ({ purpose: c.purpose, textVersion: c.textVersion, language: c.language, givenAt: c.givenAt, withdrawnAt: c.withdrawnAt, text: c.text })),
      roles: person.roles.map((r) => ({ role: r.role, union: r.unit?.name ?? null })),
      requests: person.dataRequests.map((r) => ({
        kind: r.kind,
        field: r.field,
        value: r.value,
        status: r.status,
        createdAt: r.createdAt,
        dueAt: r.dueAt,
        decidedBy: actor(r.decidedById),
        decidedAt: r.decidedAt,
        reason: r.reason,
      })),
      changes: changes.map((c) => ({ entity: c.entity, field: c.field, before: c.before, after: c.after, changedBy: actor(c.changedById), at: c.at })),
    };
  });
}
