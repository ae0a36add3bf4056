// /broadcast: an officer (or admin) picks the audience, narrows it by unit subtree, language and channel,
// sees how many people it reaches, writes the text (escaped: no markup of theirs reaches Telegram), adds
// an optional photo, gets a preview exactly as members will see it, chooses now or a time (Vietnam time)
// and urgent or not, and confirms. Everything that touches the store runs in `conversation.external`, and
// creating the broadcast authorizes again (a role revoked meanwhile stops it).
// The edit conversation replaces a scheduled broadcast's text.
import { CHANNEL_ORDER, CHANNELS } from "../../channels/capabilities.ts";
import type { Conversation } from "@grammyjs/conversations";
import { InlineKeyboard } from "grammy";
import {
  AUDIENCES,
  CAPTION_MAX,
  countRecipients,
  createBroadcast,
  defaultScope,
  editBroadcastText,
  formatBroadcastRef,
  getBroadcast,
  MAX_SCHEDULE_DAYS,
  TEXT_MAX,
  textSchema,
  type AudienceFilter,
} from "../../broadcasts/broadcasts.ts";
import type { BroadcastAudience, Channel, Language } from "../../generated/prisma/client.ts";
import { tFor, type T } from "../../i18n/i18n.ts";
import { findUnit, findUnitByCode, TYPED_UNIT_CODE } from "../../organisation/units.ts";
import { authorize } from "../../policy/policy.ts";
import { formatVietnamMinute, parseVietnamDateTime } from "../../shared/time.ts";
import type { BotContext, Deps, InnerContext } from "../context.ts";
import { FormIO, type Parsed } from "../join/form-io.ts";
import { scheduleBroadcastStart } from "./delivery.ts";
import { renderAnnouncement } from "./render.ts";

export const BROADCAST_CONVERSATION = "broadcast";
export const BROADCAST_EDIT_CONVERSATION = "broadcast-edit";

const NO_PHOTO = "bph:none";
const DAY = 86_400_000;

type Conv = Conversation<BotContext, InnerContext>;

function textParser(withPhoto: boolean) {
  return (raw: string): Parsed<string> => {
    const parsed = textSchema(withPhoto).safeParse(raw);
    if (parsed.success) return { ok: true, value: parsed.data };
    return { ok: false, error: { key: parsed.error.issues[0]?.message ?? "broadcasts.errors.text_empty", params: { max: withPhoto ? CAPTION_MAX : TEXT_MAX } } };
  };
}

function codeParser(raw: string): Parsed<string> {
  const code = raw.trim();
  return TYPED_UNIT_CODE.test(code) ? { ok: true, value: code.toUpperCase() } : { ok: false, error: { key: "broadcasts.errors.bad_code" } };
}

function timeParser(raw: string): Parsed<number> {
  const at = parseVietnamDateTime(raw);
  return at ? { ok: true, value: at.getTime() } : { ok: false, error: { key: "broadcasts.errors.bad_time" } };
}

/**
 * An optional photo: a photo message, or the "No photo" button. Anything else is answered and asked again; the
 * "No photo" button of every message that asked stays live until the question is answered, then all are closed.
 */
async function askPhoto(conversation: Conv, io: FormIO, t: T): Promise<string | null> {
  const keyboard = new InlineKeyboard().text(t("broadcasts.no_photo"), NO_PHOTO);
  const question = t("broadcasts.ask_photo");
  const first = await io.ctx.reply(question, { reply_markup: keyboard });
  /** The question and each time it was asked again, with their texts. */
  const asked = [{ id: first.message_id, text: question }];
  const close = async (ctx: InnerContext, answer: string) => {
    for (const m of asked) {
      await ctx.api.editMessageText(ctx.chat!.id, m.id, `${m.text}\n\n→ ${answer}`, { reply_markup: new InlineKeyboard() }).catch(() => undefined);
    }
  };
  for (;;) {
    const ctx = await conversation.wait();
    const data = ctx.callbackQuery?.data;
    if (data !== undefined) {
      const pressedOn = ctx.callbackQuery?.message?.message_id;
      if (data === NO_PHOTO && asked.some((m) => m.id === pressedOn)) {
        await ctx.answerCallbackQuery();
        await close(ctx, t("broadcasts.no_photo"));
        return null;
      }
      if (!/^(f\d+:|bph:)/.test(data)) await conversation.skip({ next: true });
      await ctx.answerCallbackQuery({ text: t("form.stale_button") }).catch(() => undefined);
      continue;
    }
    const photo = ctx.message?.photo;
    if (photo && photo.length > 0) {
      await close(ctx, t("broadcasts.photo_added"));
      return photo[photo.length - 1]!.file_id;
    }
    const problem = ctx.message?.text?.startsWith("/") ? t("form.command_in_form") : t("broadcasts.errors.photo_expected");
    const text = `${problem}\n\n${question}`;
    const again = await ctx.reply(text, { reply_markup: keyboard });
    asked.push({ id: again.message_id, text });
  }
}

interface Actor {
  personId: string;
  lang: "vi" | "en";
  scopeUnitId: string | null;
  scopeName: string | null;
  allowed: boolean;
}

export function createBroadcastConversation(deps: Deps) {
  const { prisma } = deps;
  return async function broadcast(conversation: Conv, ctx: InnerContext) {
    const actor = await conversation.external(async (outer): Promise<Actor> => {
      const scope = await defaultScope(prisma, outer.person.id);
      const unit = scope !== "none" && scope.unitId ? await findUnit(prisma, scope.unitId) : null;
      return {
        personId: outer.person.id,
        lang: outer.lang,
        allowed: scope !== "none",
        scopeUnitId: scope === "none" ? null : scope.unitId,
        scopeName: unit?.name ?? null,
      };
    });
    const io = new FormIO(conversation, ctx, tFor(actor.lang));
    const t = io.t;
    if (!actor.allowed) return io.say(t("broadcasts.forbidden"));

    const audience = await io.choice<BroadcastAudience>(
      t("broadcasts.ask_audience"),
      AUDIENCES.map((a) => [{ value: a, label: t(`broadcasts.audience.${a}`) }]),
    );

    let scopeUnitId = actor.scopeUnitId;
    let scopeName = actor.scopeName ?? t("broadcasts.everywhere");
    const how = await io.choice(t("broadcasts.ask_unit", { scope: scopeName }), [
      [{ value: "whole", label: t("broadcasts.unit_whole") }],
      [{ value: "code", label: t("broadcasts.unit_code") }],
    ]);
    if (how === "code") {
      for (;;) {
        const code = await io.text(t("broadcasts.ask_unit_code"), codeParser);
        const found = await conversation.external(async () => {
          const unit = await findUnitByCode(prisma, code);
          if (!unit) return { ok: false as const, key: "broadcasts.errors.unit_not_found" };
          if (!(await authorize(prisma, actor.personId, "broadcast.create", unit.id))) return { ok: false as const, key: "broadcasts.errors.unit_forbidden" };
          return { ok: true as const, id: unit.id, name: unit.name };
        });
        if (found.ok) {
          scopeUnitId = found.id;
          scopeName = found.name;
          break;
        }
        await io.say(t(found.key, { code }));
      }
    }

    const language = await io.choice<"any" | Language>(t("broadcasts.ask_language"), [
      [{ value: "any", label: t("broadcasts.any_language") }],
      [{ value: "vi", label: t("broadcasts.languages.vi") }],
      [{ value: "en", label: t("broadcasts.languages.en") }],
    ]);
    const channel = await io.choice<"any" | Channel>(t("broadcasts.ask_channel"), [
      [{ value: "any", label: t("broadcasts.any_channel") }],
      ...CHANNEL_ORDER.map((value) => [{ value, label: CHANNELS[value].name(t) }]),
    ]);
    const filter: AudienceFilter = {
      audience,
      scopeUnitId,
      language: language === "any" ? null : language,
      channel: channel === "any" ? null : channel,
    };
    const count = await conversation.external(() => countRecipients(prisma, filter));
    if (count === 0) return io.say(t("broadcasts.no_recipients"));
    await io.say(t("broadcasts.count", { count, scope: scopeName }));

    let text = await io.text(t("broadcasts.ask_text", { max: TEXT_MAX }), textParser(false));
    const photoFileId = await askPhoto(conversation, io, t);
    while (photoFileId && text.length > CAPTION_MAX) {
      text = await io.text(t("broadcasts.ask_caption", { max: CAPTION_MAX, length: text.length }), textParser(true));
    }

    await io.say(t("broadcasts.preview_intro"));
    const preview = renderAnnouncement(actor.lang, text, { withButton: false });
    if (photoFileId) await io.ctx.replyWithPhoto(photoFileId, { caption: preview.body, parse_mode: "HTML" });
    else await io.ctx.reply(preview.body, { parse_mode: "HTML", link_preview_options: { is_disabled: true } });

    const when = await io.choice(t("broadcasts.ask_when"), [
      [{ value: "now", label: t("broadcasts.when_now") }],
      [{ value: "later", label: t("broadcasts.when_later") }],
    ]);
    let sendAt: number | null = null;
    if (when === "later") {
      for (;;) {
        const at = await io.text(t("broadcasts.ask_time"), timeParser);
        const verdict = await conversation.external(() => {
          const now = Date.now();
          return at <= now + 60_000 ? "past" : at > now + MAX_SCHEDULE_DAYS * DAY ? "far" : "ok";
        });
        if (verdict === "ok") {
          sendAt = at;
          break;
        }
        await io.say(t(verdict === "past" ? "broadcasts.errors.time_past" : "broadcasts.errors.time_far", { days: MAX_SCHEDULE_DAYS }));
      }
    }
    const urgent = await io.choice(t("broadcasts.ask_urgent"), [
      [{ value: "no", label: t("broadcasts.urgent_no") }],
      [{ value: "yes", label: t("broadcasts.urgent_yes") }],
    ]);

    const summary = t("broadcasts.summary", {
      audience: t(`broadcasts.audience.${audience}`),
      scope: scopeName,
      language: language === "any" ? t("broadcasts.any_language") : t(`broadcasts.languages.${language}`),
      channel: channel === "any" ? t("broadcasts.any_channel") : CHANNELS[channel].name(t),
      count,
      when: sendAt === null ? t("broadcasts.when_now") : formatVietnamMinute(sendAt),
      urgent: t(urgent === "yes" ? "broadcasts.urgent_yes" : "broadcasts.urgent_no"),
    });
    const confirm = await io.choice(summary, [
      [{ value: "send", label: t(sendAt === null ? "broadcasts.confirm_send" : "broadcasts.confirm_schedule") }],
      [{ value: "cancel", label: t("broadcasts.confirm_cancel") }],
    ]);
    if (confirm === "cancel") return io.say(t("broadcasts.dropped"));

    const created = await conversation.external(async () => {
      const at = new Date(sendAt ?? Date.now());
      const result = await createBroadcast(prisma, actor.personId, { ...filter, text, photoFileId, urgent: urgent === "yes", sendAt: at });
      if (result.ok) await scheduleBroadcastStart(deps.boss, result.id, at);
      return result.ok ? { ok: true as const, ref: result.ref, count: result.recipientCount } : { ok: false as const, reason: result.reason };
    });
    if (!created.ok) return io.say(t(`broadcasts.create_failed.${created.reason}`));
    const ref = formatBroadcastRef(created.ref);
    if (sendAt === null) return io.say(t("broadcasts.created_now", { ref, count: created.count }));
    return io.say(t("broadcasts.created_later", { ref, count: created.count, when: formatVietnamMinute(sendAt) }));
  };
}

export function createBroadcastEditConversation(deps: Deps) {
  const { prisma } = deps;
  return async function editBroadcast(conversation: Conv, ctx: InnerContext, broadcastId: string) {
    const state = await conversation.external(async (outer) => {
      const view = await getBroadcast(prisma, broadcastId);
      return { lang: outer.lang, personId: outer.person.id, ref: view?.ref ?? 0, withPhoto: view?.photoFileId != null, found: view !== null };
    });
    const io = new FormIO(conversation, ctx, tFor(state.lang));
    const t = io.t;
    if (!state.found) return io.say(t("broadcasts.stale"));
    const ref = formatBroadcastRef(state.ref);
    const max = state.withPhoto ? CAPTION_MAX : TEXT_MAX;
    const text = await io.text(t("broadcasts.ask_new_text", { ref, max }), textParser(state.withPhoto));
    const result = await conversation.external(() => editBroadcastText(prisma, state.personId, broadcastId, text));
    if (result.ok) return io.say(t("broadcasts.edited", { ref }));
    return io.say(t(result.reason === "forbidden" ? "broadcasts.forbidden" : result.reason === "not_scheduled" ? "broadcasts.not_scheduled" : "broadcasts.stale", { ref }));
  };
}
