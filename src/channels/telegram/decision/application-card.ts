// How an application looks to the chair or officer who decides it.
import type { PrismaClient } from "../../../db/database.ts";
import type { T } from "../../../i18n/i18n.ts";
import { formatPhoneForDisplay } from "../../../membership/application-fields.ts";
import { formatApplicationRef } from "../../../membership/numbers.ts";
import { formatCalendarDate, formatVietnamDate } from "../../../shared/time.ts";

export async function loadApplicationForCard(prisma: PrismaClient, applicationId: string) {
  return prisma.application.findUnique({
    where: { id: applicationId },
    include: { unit: { select: { name: true } }, routedUnit: { select: { name: true } } },
  });
}

type CardData = NonNullable<Awaited<ReturnType<typeof loadApplicationForCard>>>;

export function applicationCard(a: CardData, t: T): string {
  const workplace = a.unit
    ? a.unit.name
    : t("join.fields.workplace.unlisted_summary", {
        employer: a.unlistedEmployer ?? "",
        address: a.unlistedAddress ?? "",
        upper: a.routedUnit.name,
      });
  const nationality =
    a.nationality === "FOREIGN"
      ? `${t("join.fields.nationality.FOREIGN")} (${t("decision.card.long_contract")})`
      : t("join.fields.nationality.VIETNAMESE");
  return t("decision.card.text", {
    ref: formatApplicationRef(a.ref),
    date: formatVietnamDate(a.createdAt),
    name: a.fullName,
    birthDate: formatCalendarDate(a.birthDate),
    sex: t(`join.fields.sex.${a.sex}`),
    phone: formatPhoneForDisplay(a.phone),
    nationality,
    workplace,
    job: a.jobPosition,
    ethnicity: a.ethnicity ?? t("join.fields.ethnicity.not_given"),
  });
}
