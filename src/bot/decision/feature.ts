// Approve and Reject buttons under an application. Button data is never trusted: the application id is
// looked up, the policy decides whether the presser may decide it, and the decision is a
// compare-and-set, so a second press, a stale button or a forged one changes nothing.
import type { Conversation } from "@grammyjs/conversations";
import { Composer, InlineKeyboard } from "grammy";
import { tFor, type T } from "../../i18n/i18n.ts";
import { decideApplication, type DecideResult, type Decision } from "../../membership/applications.ts";
import { authorize } from "../../policy/policy.ts";
import { formatVietnamDate } from "../../shared/time.ts";
import type { BotContext, Deps, InnerContext } from "../context.ts";
import { FormIO } from "../join/form-io.ts";
import { NOTIFY_APPLICANT } from "./notify-applicant.ts";

export const REJECT_CONVERSATION = "reject-application";
const DECISION_DATA = /^dec:([ar]):([a-z0-9]{20,32})$/;

function reasonParser(raw: string) {
  const reason = raw.trim().replace(/\s+/g, " ");
  if (reason.length < 3) return { ok: false as const, error: { key: "decision.reason_too_short" } };
  if (reason.length > 300) return { ok: false as const, error: { key: "decision.reason_too_long", params: { max: 300 } } };
  return { ok: true as const, value: reason };
}

function refusalText(result: Exclude<DecideResult, { ok: true }>, t: T): string {
  if (result.reason === "already_decided") return t("decision.already", { status: t(`decision.status.${result.status}`) });
  return t(`decision.${result.reason}`);
}

export function createRejectConversation(deps: Deps) {
  return async function reject(conversation: Conversation<BotContext, InnerContext>, ctx: InnerContext, applicationId: string) {
    const actor = await conversation.external((outer) => ({ personId: outer.person.id, lang: outer.lang }));
    const io = new FormIO(conversation, ctx, tFor(actor.lang));
    const reason = await io.text(io.t("decision.reason_ask"), reasonParser);
    const result = await conversation.external(async () => {
      const decided = await decideApplication(deps.prisma, {
        applicationId,
        actorId: actor.personId,
        decision: { kind: "reject", reason },
      });
      return JSON.parse(JSON.stringify(decided)) as DecideResult;
    });
    if (!result.ok) {
      await io.say(refusalText(result, io.t));
      return;
    }
    await io.say(io.t("decision.rejected_done", { reason }));
    await conversation.external(() => deps.boss.send(NOTIFY_APPLICANT, { applicationId }));
  };
}

export function createDecisionFeature(deps: Deps) {
  const feature = new Composer<BotContext>();

  feature.callbackQuery(DECISION_DATA, async (ctx) => {
    const [, kind, applicationId] = ctx.match as RegExpMatchArray;
    if (!applicationId) return;
    const original = ctx.callbackQuery.message;
    if (kind === "r") {
      // Ask for a reason only if this person may decide and the application is still open.
      const application = await deps.prisma.application.findUnique({
        where: { id: applicationId },
        select: { status: true, routedUnitId: true, decidedById: true },
      });
      if (!application) return ctx.answerCallbackQuery({ text: ctx.t("decision.not_found"), show_alert: true });
      if (!(await authorize(deps.prisma, ctx.person.id, "application.decide", application.routedUnitId))) {
        return ctx.answerCallbackQuery({ text: ctx.t("decision.forbidden"), show_alert: true });
      }
      if (application.status !== "PENDING") {
        await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
        return ctx.answerCallbackQuery({
          text: ctx.t("decision.already", { status: ctx.t(`decision.status.${application.status}`) }),
          show_alert: true,
        });
      }
      await ctx.answerCallbackQuery();
      await ctx.conversation.exitAll();
      await ctx.conversation.enter(REJECT_CONVERSATION, applicationId);
      return;
    }

    const decision: Decision = { kind: "approve" };
    const result = await decideApplication(deps.prisma, { applicationId, actorId: ctx.person.id, decision });
    if (!result.ok) {
      if (result.reason === "already_decided") {
        await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
      }
      return ctx.answerCallbackQuery({ text: refusalText(result, ctx.t), show_alert: true });
    }
    await ctx.answerCallbackQuery({ text: ctx.t("decision.approved_done") });
    if (original && "text" in original && original.text) {
      const stamp = ctx.t("decision.approved_stamp", { date: formatVietnamDate(new Date()) });
      await ctx.editMessageText(`${original.text}\n\n${stamp}`, { reply_markup: new InlineKeyboard() }).catch(() => undefined);
    }
    await deps.boss.send(NOTIFY_APPLICANT, { applicationId });
  });

  return feature;
}
