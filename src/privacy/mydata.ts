// /mydata: everything the store holds about one person, as the Personal Data Protection Law 91/2025 lets them see it.
// A read model over the domain tables (no chat library). Only the person's own data: who decided on their
// application is not named, and the audit log (a record of what others did) is not theirs to read.
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";

type Value = string | number | boolean | Date | null;
export type Record_ = Record<string, Value>;

export interface MyData {
  person: Record_;
  identities: Record_[];
  applications: Record_[];
  member: Record_ | null;
  consents: Record_[];
  roles: Record_[];
  requests: Record_[];
  changes: Record_[];
}

/** The person's data, section by section; the view is written to the audit log. */
export async function collectMyData(prisma: PrismaClient, personId: string): Promise<MyData> {
  const person = await prisma.person.findUniqueOrThrow({
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
          decidedAt: true,
          rejectReason: true,
        },
      },
      member: {
        select: { number: true, unit: { select: { name: true } }, fullName: true, phone: true, birthDate: true, sex: true, joinedAt: true, leftOn: true, leaveReason: true },
      },
      consents: { orderBy: { givenAt: "asc" }, select: { purpose: true, textVersion: true, language: true, text: true, givenAt: true, withdrawnAt: true } },
      roles: { select: { role: true, unit: { select: { name: true } } } },
      dataRequests: { orderBy: { createdAt: "asc" }, select: { kind: true, field: true, value: true, status: true, createdAt: true, dueAt: true, decidedAt: true, reason: true } },
    },
  });
  const changes = await prisma.fieldChange.findMany({ where: { personId }, orderBy: { at: "asc" }, select: { entity: true, field: true, before: true, after: true, at: true } });
  await writeAudit(prisma, { actorId: personId, action: "privacy.view", targetType: "Person", targetId: personId });
  const { identities, applications, member, consents, roles, dataRequests, ...own } = person;
  return {
    person: own,
    identities: identities.map((i) => ({ channel: i.channel, accountId: i.externalId, since: i.createdAt })),
    applications: applications.map(({ unit, routedUnit, ...a }) => ({ ...a, union: unit?.name ?? null, decidingUnion: routedUnit.name })),
    member: member ? (({ unit, ...rest }) => ({ ...rest, union: unit.name }))(member) : null,
    consents,
    roles: roles.map((r) => ({ role: r.role, union: r.unit?.name ?? null })),
    requests: dataRequests,
    changes,
  };
}
