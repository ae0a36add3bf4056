// /correct: a person corrects one field of their own record (Law 91/2025). A pending application is corrected at
// once; a member's correction goes to the chairs and deputies of their union as a card with Accept / Refuse, and the
// member is told the outcome. Button data is never trusted: the request is looked up and the domain checks the policy
// and decides at most once, so a stale, second or forged press changes nothing.
import type { Conversation } from "@grammyjs/conversations";
import { Composer, InlineKeyboard, type Api } from "grammy";
import type { PrismaClient } from "../../db/database.ts";
import { tFor, type Lang, type T } from "../../i18n/i18n.ts";
import type { Logger } from "../../logger.ts";
import { formatPhoneForDisplay } from "../../membership/application-fields.ts";
import { formatApplicationRef, formatMemberNumber } from "../../membership/numbers.ts";
import { authorize } from "../../policy/policy.ts";
import {
  CORRECTABLE_FIELDS,
  correctionDeciders,
  correctionSubject,
  decideCorrection,
  fieldRefusal,
  loadCorrection,
  parseCorrection,
  REASON_MAX,
  requestCorrection,
  type CorrectableField,
  type CorrectionResult,
  type CorrectionSubject,
  type CorrectionView,
  type DecideCorrectionResult,
} from "../../privacy/corrections.ts";
import { formatCalendarDate, formatVietnamDate } from "../../shared/time.ts";
import type { BotContext, Deps, InnerContext } from "../context.ts";
import { FormIO, type Parsed } from "../join/form-io.ts";
import { recipientOf, sendToRecipient } from "../send.ts";

export const CORRECT_CONVERSATION = "correct";
export const REFUSE_CORRECTION_CONVERSATION = "correction-refuse";

const CORRECTION_DATA = /^cor:([ar]):([a-z0-9]{20,32})$/;
const ANY_CORRECTION_BUTTON = /^cor:/;

type SendDeps = { api: Api; prisma: PrismaClient; logger: Logger };

/** Conversation state is stored as JSON: what comes back from `conversation.external` must be plain data. */
const plain = <V>(value: V): V => JSON.parse(JSON.stringify(value)) as V;

/** A stored value as people read it: dates dd/mm/yyyy, phones "0912 345 678". */
export function showValue(field: CorrectableField, value: string | null, t: T): string {
  if (value === null || value === "") return t("corrections.empty");
  if (field === "birthDate") return formatCalendarDate(new Date(`${value}T00:00:00.000Z`));
  if (field === "phone") return formatPhoneForDisplay(value);
  return value;
}

const fieldName = (field: CorrectableField, t: T) => t(`corrections.fields.${field}`);

function unitOf(subject: CorrectionSubject): string {
  if (subject.kind === "member") return subject.unitName;
  if (subject.kind === "application") return subject.listedUnit ?? "";
  return "";
}

function refusalText(result: Exclude<CorrectionResult, { ok: true }>, subject: CorrectionSubject, t: T): string {
  return t(`corrections.refused.${result.reason}`, { unit: unitOf(subject) });
}

export function createCorrectConversation(deps: Deps) {
  return async function correct(conversation: Conversation<BotContext, InnerContext>, ctx: InnerContext) {
    const actor = await conversation.external((outer) => ({ personId: outer.person.id, lang: outer.lang as Lang }));
    const io = new FormIO(conversation, ctx, tFor(actor.lang));
    const t = io.t;
    const subject = await conversation.external(async () => plain(await correctionSubject(deps.prisma, actor.personId)));
    if (subject.kind === "none") {
      await io.say(t("corrections.nothing"));
      return;
    }

    const question =
      subject.kind === "application"
        ? t("corrections.choose_field_application", { ref: formatApplicationRef(subject.ref) })
        : t("corrections.choose_field_member", { number: formatMemberNumber(subject.number), unit: subject.unitName });
    const offered = CORRECTABLE_FIELDS.filter((field) => fieldRefusal(subject, field) !== "no_position");
    const field = await io.choice(question, offered.map((value) => [{ value, label: fieldName(value, t) }]));
    const refusal = fieldRefusal(subject, field);
    if (refusal) {
      await io.say(t(`corrections.refused.${refusal}`, { unit: unitOf(subject) }));
      return;
    }

    const before = subject.values[field];
    const after = await io.text(
      t(`corrections.ask.${field}`, { current: showValue(field, before, t) }),
      (raw): Parsed<string> => {
        const parsed = parseCorrection(field, raw);
        return parsed.ok && parsed.value === before ? { ok: false, error: { key: "corrections.same" } } : parsed;
      },
    );
    const confirmed = await io.choice(
      t("corrections.confirm", { field: fieldName(field, t), before: showValue(field, before, t), after: showValue(field, after, t) }),
      [[{ value: "yes", label: t("corrections.confirm_yes") }], [{ value: "no", label: t("corrections.confirm_no") }]],
    );
    if (confirmed !== "yes") {
      await io.say(t("corrections.dropped"));
      return;
    }

    const result = await conversation.external(async () =>
      plain(await requestCorrection(deps.prisma, { personId: actor.personId, field, value: after, days: deps.config.DATA_REQUEST_DAYS })),
    );
    if (!result.ok) {
      await io.say(refusalText(result, subject, t));
      return;
    }
    if (result.kind === "applied") {
      const ref = subject.kind === "application" ? formatApplicationRef(subject.ref) : "";
      await io.say(t("corrections.applied", { field: fieldName(field, t), ref, after: showValue(field, result.after, t) }));
      return;
    }
    await io.say(t("corrections.requested", { field: fieldName(field, t), unit: unitOf(subject), date: formatVietnamDate(new Date(result.dueAt)) }));
    await conversation.external((outer) =>
      notifyCorrectionDeciders({ api: outer.api, prisma: deps.prisma, logger: deps.logger }, result.requestId),
    );
  };
}

function correctionKeyboard(requestId: string, t: T) {
  return new InlineKeyboard().text(t("corrections.card.accept"), `cor:a:${requestId}`).text(t("corrections.card.refuse"), `cor:r:${requestId}`);
}

export function correctionCard(request: CorrectionView, t: T): string {
  const body = t("corrections.card.text", {
    number: formatMemberNumber(request.memberNumber),
    name: request.memberName,
    field: fieldName(request.field, t),
    before: showValue(request.field, request.before, t),
    after: showValue(request.field, request.after, t),
    date: formatVietnamDate(request.dueAt),
  });
  return `${t("corrections.card.heading")}\n\n${body}`;
}

/**
 * Sends the card to the chairs and deputies of the member's union (admins when it has none the bot can reach). The
 * request is already saved: a failed send is logged and must not undo the member's confirmation.
 */
export async function notifyCorrectionDeciders(deps: SendDeps, requestId: string, reminder?: (t: T) => string): Promise<number> {
  const request = await loadCorrection(deps.prisma, requestId);
  if (!request || request.status !== "PENDING") return 0;
  let told = 0;
  for (const personId of await correctionDeciders(deps.prisma, request.unitId)) {
    const recipient = await recipientOf(deps.prisma, personId);
    if (!recipient) continue;
    const t = tFor(recipient.lang);
    try {
      const card = correctionCard(request, t);
      if (await sendToRecipient(deps, recipient, reminder ? `${reminder(t)}\n\n${card}` : card, { reply_markup: correctionKeyboard(request.id, t) })) told++;
    } catch (err) {
      deps.logger.error({ err, requestId, personId }, "a correction card could not be sent");
    }
  }
  if (told === 0) deps.logger.warn({ requestId }, "no one could be told about a correction request");
  return told;
}

/** Tells the member what was decided, in their language. */
async function tellMember(deps: SendDeps, result: Extract<DecideCorrectionResult, { ok: true }>): Promise<void> {
  const recipient = await recipientOf(deps.prisma, result.personId);
  if (!recipient) return;
  const t = tFor(recipient.lang);
  const field = fieldName(result.field, t);
  const text = result.accepted
    ? t("corrections.outcome.accepted", { field, value: showValue(result.field, result.value, t) })
    : t("corrections.outcome.refused", { field, reason: result.reason ?? "—" });
  try {
    await sendToRecipient(deps, recipient, text);
  } catch (err) {
    deps.logger.error({ err, personId: result.personId }, "the member could not be told of a correction decision");
  }
}

function decideRefusalText(result: Exclude<DecideCorrectionResult, { ok: true }>, t: T): string {
  if (result.reason === "already") return t("corrections.decide.already", { status: t(`corrections.decide.status.${result.status}`) });
  return t(`corrections.decide.${result.reason}`);
}

function reasonParser(raw: string): Parsed<string> {
  const reason = raw.trim().replace(/\s+/g, " ");
  if (reason.length < 3) return { ok: false, error: { key: "corrections.decide.reason_too_short" } };
  if (reason.length > REASON_MAX) return { ok: false, error: { key: "corrections.decide.reason_too_long", params: { max: REASON_MAX } } };
  return { ok: true, value: reason };
}

/** The card the Refuse button was on, to stamp it once the refusal is saved. */
interface RefuseArgs {
  requestId: string;
  card: { chatId: number; messageId: number; text: string } | null;
}

export function createRefuseCorrectionConversation(deps: Deps) {
  return async function refuse(conversation: Conversation<BotContext, InnerContext>, ctx: InnerContext, args: RefuseArgs) {
    const actor = await conversation.external((outer) => ({ personId: outer.person.id, lang: outer.lang as Lang }));
    const io = new FormIO(conversation, ctx, tFor(actor.lang));
    const reason = await io.text(io.t("corrections.decide.reason_ask"), reasonParser);
    const result = await conversation.external(async (outer) => {
      const decided = await decideCorrection(deps.prisma, { requestId: args.requestId, actorId: actor.personId, accept: false, reason });
      if (decided.ok) await tellMember({ api: outer.api, prisma: deps.prisma, logger: deps.logger }, decided);
      return plain(decided);
    });
    if (!result.ok) {
      await io.say(decideRefusalText(result, io.t));
      return;
    }
    if (args.card) {
      const stamp = io.t("corrections.card.refused_stamp", { date: formatVietnamDate(new Date()), reason });
      await conversation.external((outer) =>
        outer.api
          .editMessageText(args.card!.chatId, args.card!.messageId, `${args.card!.text}\n\n${stamp}`, { reply_markup: new InlineKeyboard() })
          .then(() => undefined, () => undefined),
      );
    }
    await io.say(io.t("corrections.decide.refused_done", { reason }));
  };
}

export function createCorrectFeature(deps: Deps) {
  const feature = new Composer<BotContext>();

  feature.chatType("private").command("correct", async (ctx) => {
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(CORRECT_CONVERSATION);
  });

  feature.callbackQuery(ANY_CORRECTION_BUTTON, async (ctx) => {
    const match = CORRECTION_DATA.exec(ctx.callbackQuery.data);
    const [, kind, requestId] = match ?? [];
    if (!kind || !requestId) return ctx.answerCallbackQuery({ text: ctx.t("corrections.decide.invalid"), show_alert: true });
    const original = ctx.callbackQuery.message;
    const cardText = original && "text" in original && original.text ? original.text : null;

    if (kind === "r") {
      // Ask for a reason only if this person may decide and the request is still open.
      const request = await loadCorrection(deps.prisma, requestId);
      if (!request) return ctx.answerCallbackQuery({ text: ctx.t("corrections.decide.not_found"), show_alert: true });
      if (!(await authorize(deps.prisma, ctx.person.id, "privacy.correction.decide", request.unitId))) {
        return ctx.answerCallbackQuery({ text: ctx.t("corrections.decide.forbidden"), show_alert: true });
      }
      if (request.status !== "PENDING") {
        await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
        return ctx.answerCallbackQuery({
          text: ctx.t("corrections.decide.already", { status: ctx.t(`corrections.decide.status.${request.status}`) }),
          show_alert: true,
        });
      }
      await ctx.answerCallbackQuery();
      await ctx.conversation.exitAll();
      const card = original && cardText ? { chatId: original.chat.id, messageId: original.message_id, text: cardText } : null;
      await ctx.conversation.enter(REFUSE_CORRECTION_CONVERSATION, { requestId, card } satisfies RefuseArgs);
      return;
    }

    const result = await decideCorrection(deps.prisma, { requestId, actorId: ctx.person.id, accept: true });
    if (!result.ok) {
      if (result.reason === "already") await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
      return ctx.answerCallbackQuery({ text: decideRefusalText(result, ctx.t), show_alert: true });
    }
    await ctx.answerCallbackQuery({ text: ctx.t("corrections.decide.accepted_done") });
    if (cardText) {
      const stamp = ctx.t("corrections.card.accepted_stamp", { date: formatVietnamDate(new Date()) });
      await ctx.editMessageText(`${cardText}\n\n${stamp}`, { reply_markup: new InlineKeyboard() }).catch(() => undefined);
    }
    await tellMember({ api: ctx.api, prisma: deps.prisma, logger: deps.logger }, result);
  });

  return feature;
}
