// /applications: chairs and deputies (their union), officers (their subtree) and admins see the applications waiting
// for a decision, oldest first, and open each one's decision card: the same card and Approve / Reject buttons the
// notify-deciders job sends, so deciding works from here (src/bot/decision/feature.ts handles them).
import { Composer, GrammyError } from "grammy";
import { openPendingApplication } from "../../membership/pending.ts";
import type { BotContext, Deps } from "../context.ts";
import { loadApplicationForCard } from "../decision/application-card.ts";
import { decisionMessage } from "../decision/notify-deciders.ts";
import { LIST_DATA, listScreen, OPEN_DATA } from "./view.ts";

const notModified = (error: unknown) => error instanceof GrammyError && error.description.includes("message is not modified");

export function createApplicationsFeature(deps: Deps) {
  const { prisma } = deps;
  const feature = new Composer<BotContext>();

  feature.chatType("private").command("applications", async (ctx) => {
    const screen = await listScreen(prisma, ctx.person.id, 1, ctx.t);
    if (!screen) return ctx.reply(ctx.t("applications.forbidden"));
    await ctx.reply(screen.text, { reply_markup: screen.reply_markup });
  });

  // A page of the list (◀ ▶, turned in place), or the list opened from a reminder's button (a new message: the
  // reminder stays readable).
  feature.callbackQuery(LIST_DATA, async (ctx) => {
    const pressed = (ctx.match as RegExpMatchArray)[1];
    const screen = await listScreen(prisma, ctx.person.id, pressed === "new" ? 1 : Number(pressed), ctx.t);
    if (!screen) return ctx.answerCallbackQuery({ text: ctx.t("applications.forbidden"), show_alert: true });
    await ctx.answerCallbackQuery();
    if (pressed !== "new") {
      try {
        await ctx.editMessageText(screen.text, { reply_markup: screen.reply_markup });
        return;
      } catch (error) {
        if (notModified(error)) return;
      }
    }
    await ctx.reply(screen.text, { reply_markup: screen.reply_markup });
  });

  feature.callbackQuery(OPEN_DATA, async (ctx) => {
    const applicationId = (ctx.match as RegExpMatchArray)[1] ?? "";
    const opened = await openPendingApplication(prisma, { actorId: ctx.person.id, applicationId });
    if (!opened.ok) {
      const text =
        opened.reason === "already_decided"
          ? ctx.t("decision.already", { status: ctx.t(`decision.status.${opened.status}`) })
          : opened.reason === "forbidden" ? ctx.t("applications.forbidden") : ctx.t("decision.not_found");
      return ctx.answerCallbackQuery({ text, show_alert: true });
    }
    const application = await loadApplicationForCard(prisma, opened.applicationId);
    if (!application) return ctx.answerCallbackQuery({ text: ctx.t("decision.not_found"), show_alert: true });
    await ctx.answerCallbackQuery();
    const { text, reply_markup } = decisionMessage(application, ctx.t);
    await ctx.reply(text, { reply_markup });
  });

  return feature;
}
