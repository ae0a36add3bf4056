// How an application looks to the chair or officer who decides it.
import type { PrismaClient } from "../../db/database.ts";
import type { T } from "../../i18n/i18n.ts";
import { formatPhoneForDisplay } from "../../membership/application-fields.ts";
import { phoneAlsoOn } from "../../membership/applications.ts";
import { formatApplicationRef, formatMemberNumber } from "../../membership/numbers.ts";
import { formatCalendarDate, formatVietnamDate } from "../../shared/time.ts";

export async function loadApplicationForCard(prisma: PrismaClient, applicationId: string) {
  const application = await prisma.application.findUnique({
    where: { id: applicationId },
    include: { unit: { select: { name: true } }, routedUnit: { select: { name: true } } },
  });
  return application && { ...application, phoneAlsoOn: await phoneAlsoOn(prisma, application) };
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
  const card = t("decision.card.text", {
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
  if (a.phoneAlsoOn.length === 0) return card;
  const where = a.phoneAlsoOn.map((m) =>
    m.kind === "member"
      ? t(m.sameUnit ? "decision.card.phone_member_here" : "decision.card.phone_member_elsewhere", { number: formatMemberNumber(m.number) })
      : t(m.sameUnit ? "decision.card.phone_application_here" : "decision.card.phone_application_elsewhere", { ref: formatApplicationRef(m.ref) }),
  );
  return `${card}\n\n${t("decision.card.phone_also_on", { where: where.join("; ") })}`;
}
