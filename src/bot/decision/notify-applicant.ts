// A pg-boss job: tell the applicant, in their language, what was decided. A job rather than a direct
// send, so a failed send is retried and never turns a saved decision into an error for the chair.
import type { Api } from "grammy";
import type { PrismaClient } from "../../db/database.ts";
import { tFor } from "../../i18n/i18n.ts";
import type { Logger } from "../../logger.ts";
import { standingOf } from "../../membership/applications.ts";
import { memberCard } from "../features/status.ts";
import { recipientOf, sendToRecipient } from "../send.ts";

export const NOTIFY_APPLICANT = "application-notify-applicant";

export async function notifyApplicant(
  deps: { api: Api; prisma: PrismaClient; logger: Logger },
  applicationId: string,
): Promise<boolean> {
  const application = await deps.prisma.application.findUnique({
    where: { id: applicationId },
    select: { personId: true, status: true, rejectReason: true },
  });
  if (!application || application.status === "PENDING") return false;
  const recipient = await recipientOf(deps.prisma, application.personId);
  if (!recipient) return false;
  const t = tFor(recipient.lang);
  let text: string;
  if (application.status === "APPROVED") {
    const standing = await standingOf(deps.prisma, { personId: application.personId });
    text = standing.kind === "member" ? `${t("decision.approved_applicant")}\n\n${memberCard(standing, t)}` : t("decision.approved_applicant");
  } else {
    text = t("decision.rejected_applicant", { reason: application.rejectReason ?? "—" });
  }
  return sendToRecipient(deps, recipient, text);
}
