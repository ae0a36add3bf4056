// A pg-boss job: tell the chairs (or officers, or admins) who decide an application that it arrived,
// with Approve and Reject buttons. Run as a job so a crash after submission loses no notification.
import { InlineKeyboard, type Api } from "grammy";
import type { PrismaClient } from "../../../db/database.ts";
import { tFor } from "../../../i18n/i18n.ts";
import type { Logger } from "../../../logger.ts";
import { decidersOf } from "../../../membership/applications.ts";
import { recipientOf, sendToRecipient } from "../send.ts";
import { applicationCard, loadApplicationForCard } from "./application-card.ts";

export const NOTIFY_DECIDERS = "application-notify-deciders";

export function decisionKeyboard(applicationId: string, t: ReturnType<typeof tFor>) {
  return new InlineKeyboard()
    .text(t("decision.approve"), `dec:a:${applicationId}`)
    .text(t("decision.reject"), `dec:r:${applicationId}`);
}

export async function notifyDeciders(
  deps: { api: Api; prisma: PrismaClient; logger: Logger },
  applicationId: string,
): Promise<number> {
  const application = await loadApplicationForCard(deps.prisma, applicationId);
  if (!application || application.status !== "PENDING") return 0;
  let told = 0;
  for (const personId of await decidersOf(deps.prisma, application)) {
    const recipient = await recipientOf(deps.prisma, personId);
    if (!recipient) continue;
    const t = tFor(recipient.lang);
    const text = `${t("decision.new_application")}\n\n${applicationCard(application, t)}`;
    if (await sendToRecipient(deps, recipient, text, { reply_markup: decisionKeyboard(applicationId, t) })) told++;
  }
  if (told === 0) deps.logger.warn({ applicationId }, "no decider could be told about an application");
  return told;
}
