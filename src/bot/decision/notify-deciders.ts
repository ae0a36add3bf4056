// A pg-boss job: tell the chairs (or officers, or admins) who decide an application that it arrived,
// with Approve and Reject buttons. Run as a job so a crash after submission loses no notification.
// A union with no chair the bot can reach (none granted yet, or all blocked the bot) must not leave the
// application unseen: the card goes up the tree, level by level, until someone has it (admins last).
import { InlineKeyboard, type Api } from "grammy";
import type { PrismaClient } from "../../db/database.ts";
import { tFor, type T } from "../../i18n/i18n.ts";
import type { Logger } from "../../logger.ts";
import { deciderLevels } from "../../membership/pending.ts";
import { recipientOf, sendToRecipient } from "../send.ts";
import { applicationCard, loadApplicationForCard } from "./application-card.ts";

export const NOTIFY_DECIDERS = "application-notify-deciders";

export function decisionKeyboard(applicationId: string, t: T) {
  return new InlineKeyboard()
    .text(t("decision.approve"), `dec:a:${applicationId}`)
    .text(t("decision.reject"), `dec:r:${applicationId}`);
}

type CardApplication = NonNullable<Awaited<ReturnType<typeof loadApplicationForCard>>>;

/** The decision card as the deciders get it (and as /applications opens it): the card, and Approve / Reject. */
export function decisionMessage(application: CardApplication, t: T, heading?: string) {
  const card = applicationCard(application, t);
  return { text: heading ? `${heading}\n\n${card}` : card, reply_markup: decisionKeyboard(application.id, t) };
}

export async function notifyDeciders(
  deps: { api: Api; prisma: PrismaClient; logger: Logger },
  applicationId: string,
): Promise<number> {
  const application = await loadApplicationForCard(deps.prisma, applicationId);
  if (!application || application.status !== "PENDING") return 0;
  let told = 0;
  for (const level of await deciderLevels(deps.prisma, application.routedUnitId)) {
    for (const personId of level.personIds) {
      const recipient = await recipientOf(deps.prisma, personId);
      if (!recipient) continue;
      const t = tFor(recipient.lang);
      const { text, reply_markup } = decisionMessage(application, t, t("decision.new_application"));
      if (await sendToRecipient(deps, recipient, text, { reply_markup })) told++;
    }
    if (told > 0) break;
    deps.logger.info({ applicationId, level: level.kind, unitId: level.unitId }, "no decider reachable at this level; telling the level above");
  }
  if (told === 0) deps.logger.warn({ applicationId }, "no decider could be told about an application");
  return told;
}
