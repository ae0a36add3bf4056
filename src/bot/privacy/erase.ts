// /delete_my_data: a person asks for their personal data to be deleted. Never a member: after a confirmation the bot
// erases at once (the law leaves no choice). A member or former member: the request goes to their union's chair or
// deputy, with the legal deadline on the card and buttons to delete or refuse with a reason; the person is told the
// outcome (a deletion before it happens: afterwards they cannot be reached). Button data is never trusted: the
// request is looked up and the policy asked again inside decideErasure.
import type { Conversation } from "@grammyjs/conversations";
import { Composer, InlineKeyboard, type Api } from "grammy";
import { tFor, type T } from "../../i18n/i18n.ts";
import { formatMemberNumber } from "../../membership/numbers.ts";
import {
  decideErasure,
  erasureDeciders,
  erasureRoute,
  findErasureRequest,
  requestErasure,
  type DecideErasureResult,
  type ErasureDecision,
} from "../../privacy/erasure.ts";
import { authorize } from "../../policy/policy.ts";
import { formatVietnamDate } from "../../shared/time.ts";
import type { BotContext, Deps, InnerContext } from "../context.ts";
import { FormIO } from "../join/form-io.ts";
import { recipientOf, recipientsOf, sendToRecipient } from "../send.ts";

export const ERASURE_REFUSE_CONVERSATION = "erasure-refuse";
const ASK_DATA = /^del:(now|req)$/;
const CANCEL_DATA = "del:x";
const DECIDE_DATA = /^era:([er]):([a-z0-9]{20,32})$/;
const REASON_MAX = 300;

function reasonParser(raw: string) {
  const reason = raw.trim().replace(/\s+/g, " ");
  if (reason.length < 3) return { ok: false as const, error: { key: "erasure.reason_too_short" } };
  if (reason.length > REASON_MAX) return { ok: false as const, error: { key: "erasure.reason_too_long", params: { max: REASON_MAX } } };
  return { ok: true as const, value: reason };
}

function refusalText(result: Exclude<DecideErasureResult, { ok: true }>, t: T): string {
  return t(`erasure.${result.reason}`);
}

type SendDeps = { api: Api; prisma: Deps["prisma"]; logger: Deps["logger"] };

/** The card each decider gets, in their language (after a reminder line, when it is sent again near its deadline). */
export async function notifyErasureDeciders(deps: SendDeps, requestId: string, reminder?: (t: T) => string): Promise<number> {
  const request = await findErasureRequest(deps.prisma, requestId);
  if (!request?.unitId || !request.member || request.status !== "PENDING") return 0;
  const deciders = await recipientsOf(deps.prisma, await erasureDeciders(deps.prisma, request.unitId));
  let told = 0;
  for (const recipient of deciders.values()) {
    const t = tFor(recipient.lang);
    const text = t("erasure.card", {
      name: request.member.fullName,
      number: formatMemberNumber(request.member.number),
      created: formatVietnamDate(request.createdAt),
      due: formatVietnamDate(request.dueAt),
      reason: t("members.reason.RESIGNED"),
    });
    const keyboard = new InlineKeyboard().text(t("erasure.approve"), `era:e:${request.id}`).text(t("erasure.refuse"), `era:r:${request.id}`);
    if (await sendToRecipient(deps, recipient, reminder ? `${reminder(t)}\n\n${text}` : text, { reply_markup: keyboard })) told++;
  }
  return told;
}

/** Tells the person what was decided, in their language; false when they cannot be reached. */
async function tellPerson(deps: SendDeps, personId: string, text: (t: T) => string): Promise<boolean> {
  const recipient = await recipientOf(deps.prisma, personId);
  if (!recipient) return false;
  try {
    return await sendToRecipient(deps, recipient, text(tFor(recipient.lang)));
  } catch (err) {
    // The decision stands whether or not the message got through.
    deps.logger.warn({ err, personId }, "could not tell the person about their erasure request");
    return false;
  }
}

export function createErasureRefuseConversation(deps: Deps) {
  return async function refuse(conversation: Conversation<BotContext, InnerContext>, ctx: InnerContext, requestId: string) {
    const actor = await conversation.external((outer) => ({ personId: outer.person.id, lang: outer.lang }));
    const io = new FormIO(conversation, ctx, tFor(actor.lang));
    const reason = await io.text(io.t("erasure.refuse_ask"), reasonParser);
    const decision: ErasureDecision = { kind: "refuse", reason };
    const result = await conversation.external(async () => {
      const decided = await decideErasure(deps.prisma, { requestId, actorId: actor.personId, decision });
      return JSON.parse(JSON.stringify(decided)) as DecideErasureResult;
    });
    if (!result.ok) {
      await io.say(refusalText(result, io.t));
      return;
    }
    await conversation.external((outer) =>
      tellPerson({ api: outer.api, prisma: deps.prisma, logger: deps.logger }, result.personId, (t) => t("erasure.applicant_refused", { reason })),
    );
    await io.say(io.t("erasure.refused_done"));
  };
}

export function createErasureFeature(deps: Deps) {
  const { prisma } = deps;
  const feature = new Composer<BotContext>();

  feature.chatType("private").command("delete_my_data", async (ctx) => {
    const route = await erasureRoute(prisma, ctx.person.id);
    if (route.kind === "erased") return ctx.reply(ctx.t("erasure.already"));
    if (route.kind === "waiting") {
      return ctx.reply(ctx.t("erasure.waiting", { unit: route.unitName, date: formatVietnamDate(route.dueAt) }));
    }
    const keyboard = new InlineKeyboard();
    let text: string;
    if (route.kind === "immediate") {
      text = ctx.t("erasure.confirm_immediate", { applications: route.applications });
      keyboard.text(ctx.t("erasure.erase_now"), "del:now");
    } else {
      const due = new Date(Date.now() + deps.config.DATA_REQUEST_DAYS * 86_400_000);
      text = ctx.t("erasure.confirm_chair", { number: formatMemberNumber(route.memberNumber), unit: route.unitName, date: formatVietnamDate(due) });
      keyboard.text(ctx.t("erasure.send_request"), "del:req");
    }
    keyboard.row().text(ctx.t("erasure.cancel"), CANCEL_DATA);
    await ctx.reply(text, { reply_markup: keyboard });
  });

  feature.callbackQuery(ASK_DATA, async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
    // Whatever form was open is about data that may be about to go.
    await ctx.conversation.exitAll();
    // The route is decided again here: the button only says the person confirmed what they were shown.
    const result = await requestErasure(prisma, { personId: ctx.person.id, days: deps.config.DATA_REQUEST_DAYS });
    if (result.kind === "erased") return ctx.reply(ctx.t("erasure.done"));
    if (result.kind === "already_erased") return ctx.reply(ctx.t("erasure.already"));
    if (result.kind === "waiting") {
      return ctx.reply(ctx.t("erasure.waiting", { unit: result.unitName, date: formatVietnamDate(result.dueAt) }));
    }
    await ctx.reply(ctx.t("erasure.requested", { unit: result.unitName, date: formatVietnamDate(result.dueAt) }));
    await notifyErasureDeciders({ api: ctx.api, prisma, logger: deps.logger }, result.requestId);
  });

  feature.callbackQuery(CANCEL_DATA, async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
    await ctx.reply(ctx.t("erasure.cancelled"));
  });

  feature.callbackQuery(DECIDE_DATA, async (ctx) => {
    const [, kind, requestId] = ctx.match as RegExpMatchArray;
    if (!requestId) return;
    if (kind === "r") {
      // Ask for a reason only if this person may decide and the request is still open.
      const request = await findErasureRequest(prisma, requestId);
      if (!request?.unitId) return ctx.answerCallbackQuery({ text: ctx.t("erasure.not_found"), show_alert: true });
      if (!(await authorize(prisma, ctx.person.id, "privacy.erasure.decide", request.unitId))) {
        return ctx.answerCallbackQuery({ text: ctx.t("erasure.forbidden"), show_alert: true });
      }
      if (request.status !== "PENDING") {
        await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
        return ctx.answerCallbackQuery({ text: ctx.t("erasure.already_decided"), show_alert: true });
      }
      await ctx.answerCallbackQuery();
      await ctx.conversation.exitAll();
      await ctx.conversation.enter(ERASURE_REFUSE_CONVERSATION, requestId);
      return;
    }
    const request = await findErasureRequest(prisma, requestId);
    const number = request?.member ? formatMemberNumber(request.member.number) : "—";
    const sendDeps = { api: ctx.api, prisma, logger: deps.logger };
    const result = await decideErasure(prisma, {
      requestId,
      actorId: ctx.person.id,
      decision: { kind: "erase" },
      beforeErase: async (personId) => {
        await tellPerson(sendDeps, personId, (t) => t("erasure.applicant_erased"));
      },
    });
    if (!result.ok) {
      if (result.reason === "already_decided") await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
      return ctx.answerCallbackQuery({ text: refusalText(result, ctx.t), show_alert: true });
    }
    await ctx.answerCallbackQuery();
    // The card named the person: it no longer does.
    await ctx.editMessageText(ctx.t("erasure.erased_stamp", { date: formatVietnamDate(new Date()) }), { reply_markup: new InlineKeyboard() }).catch(() => undefined);
    await ctx.reply(ctx.t("erasure.erased_done", { number }));
  });

  return feature;
}
