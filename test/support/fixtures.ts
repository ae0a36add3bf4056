// Test data through the same domain functions the CLI uses.
import type { PrismaClient } from "../../src/db/database.ts";
import type { Channel, Role } from "../../src/generated/prisma/client.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { submitApplication, type ApplicationDraft, type Workplace } from "../../src/membership/applications.ts";
import { LAI_CHAU_DEMO } from "../../src/organisation/demo/lai-chau.ts";
import { grantRole } from "../../src/organisation/roles.ts";
import { findUnitByCode, upsertUnits } from "../../src/organisation/units.ts";
import { findOrCreatePerson } from "../../src/people/people.ts";
import type { TestUser } from "../fake-telegram/server.ts";

export async function loadDemo(prisma: PrismaClient) {
  await upsertUnits(prisma, LAI_CHAU_DEMO);
}

export async function grant(prisma: PrismaClient, user: TestUser, role: Role, unitCode?: string) {
  const unit = unitCode ? await findUnitByCode(prisma, unitCode) : null;
  if (unitCode && !unit) throw new Error(`no unit ${unitCode}`);
  const person = await findOrCreatePerson(
    prisma,
    { channel: "TELEGRAM", externalId: String(user.id), chatId: String(user.id) },
    user.language_code === "en" ? "en" : "vi",
  );
  await grantRole(prisma, { personId: person.id, role, unitId: unit?.id ?? null, grantedById: null });
  return person;
}

/** What `fileApplication` may change from its defaults: any answer of the form, plus how the application came in. */
export type ApplicationOverrides = Partial<ApplicationDraft> & {
  /** The poster code or link the applicant came from. */
  source?: string;
  /** Dates the application (and its consent) at this instant instead of now. */
  createdAt?: Date;
};

let unnumbered = 0;

/**
 * Files a pending application as the join form would, without going through the form: the applicant is a Telegram
 * test user or any chat identity, the workplace a listed unit's code (or any `Workplace`). Defaults: the name
 * "Người Làm Đơn <id>", born 01/01/1990, male, Vietnamese, "Công nhân", a phone made from a numeric id (else a
 * counter), so each applicant's differs. Throws with the reason when the application is refused.
 */
export async function fileApplication(
  prisma: PrismaClient,
  applicant: TestUser | { channel: Channel; externalId: string; chatId?: string },
  workplace: string | Workplace,
  overrides: ApplicationOverrides = {},
): Promise<{ applicationId: string; ref: number; personId: string }> {
  const { source, createdAt, ...answers } = overrides;
  const address =
    "id" in applicant
      ? { channel: "TELEGRAM" as const, externalId: String(applicant.id), chatId: String(applicant.id) }
      : { channel: applicant.channel, externalId: applicant.externalId, chatId: applicant.chatId ?? applicant.externalId };
  const language = "language_code" in applicant && applicant.language_code === "en" ? "en" : "vi";
  const person = await findOrCreatePerson(prisma, address, language);
  let listed: Workplace;
  if (typeof workplace === "string") {
    const unit = await findUnitByCode(prisma, workplace);
    if (!unit) throw new Error(`no unit ${workplace}`);
    listed = { kind: "listed", unitId: unit.id };
  } else listed = workplace;
  const digits = /^\d{1,7}$/.test(address.externalId) ? `8498${address.externalId.padStart(7, "0")}` : `8496${String(++unnumbered).padStart(7, "0")}`;
  const filed = await submitApplication(prisma, {
    personId: person.id,
    channel: address.channel,
    draft: {
      fullName: `Người Làm Đơn ${address.externalId}`,
      birthDate: new Date(Date.UTC(1990, 0, 1)),
      sex: "MALE",
      phone: `+${digits}`,
      nationality: "VIETNAMESE",
      workplace: listed,
      jobPosition: "Công nhân",
      ...Object.fromEntries(Object.entries(answers).filter(([, value]) => value !== undefined)),
    },
    consent: { purpose: "MEMBERSHIP_APPLICATION", language, text: tFor(language)("join.consent.text"), givenAt: createdAt ?? new Date() },
    source,
  });
  if (!filed.ok) throw new Error(`application refused: ${JSON.stringify(filed)}`);
  if (createdAt) await prisma.application.update({ where: { id: filed.applicationId }, data: { createdAt } });
  return { applicationId: filed.applicationId, ref: filed.ref, personId: person.id };
}

/** The member roll's columns with the template's Vietnamese headers, for spreadsheets a chair imports. */
export const MEMBER_ROLL_COLUMNS = [
  { header: "Họ và tên", key: "name" },
  { header: "Ngày sinh", key: "birth" },
  { header: "Giới tính", key: "sex" },
  { header: "Số điện thoại", key: "phone" },
  { header: "Ngày kết nạp", key: "joined" },
];
