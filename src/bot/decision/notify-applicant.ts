// A pg-boss job: tell the applicant, in their language, what was decided. A job rather than a direct
// send, so a failed send is retried and never turns a saved decision into an error for the chair. A new member also
// gets their card (../card): the picture with its QR code where the channel takes it.
import type { Api } from "grammy";
import type { PrismaClient } from "../../db/database.ts";
import { tFor } from "../../i18n/i18n.ts";
import type { Logger } from "../../logger.ts";
import { memberCard } from "../features/status.ts";
import type { CardSettings } from "../../cards/card.ts";
import { cardMessage } from "../card/card-message.ts";
import { reachRecipient, recipientOf, sendToRecipient } from "../send.ts";

export const NOTIFY_APPLICANT = "application-notify-applicant";

export async function notifyApplicant(
  deps: { api: Api; prisma: PrismaClient; logger: Logger; cards: CardSettings },
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
  if (application.status === "REJECTED") {
    return sendToRecipient(deps, recipient, t("decision.rejected_applicant", { reason: application.rejectReason ?? "—" }));
  }
  if (application.status !== "APPROVED") return false;
  const welcome = t("decision.approved_applicant");
  // Null when the member already left again (or erased their data) before this job ran: no card for them.
  const card = await cardMessage(deps.prisma, deps.cards, application.personId, recipient.channel, t);
  if (!card) return sendToRecipient(deps, recipient, welcome);
  if (!card.photo) return sendToRecipient(deps, recipient, `${welcome}\n\n${card.text}`);
  if (!(await sendToRecipient(deps, recipient, `${welcome}\n\n${memberCard(card.member, t)}`))) return false;
  return reachRecipient(deps, recipient, (chatId) => deps.api.sendPhoto(chatId, card.photo!, { caption: card.text }));
}
