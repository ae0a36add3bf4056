// /broadcast (the form), /broadcasts (progress, with buttons to edit or cancel a scheduled broadcast and
// to list failures), and for everyone /stop, /start_announcements and the "Stop announcements" button
// under each announcement. Buttons carry ids only; every press looks the broadcast up and authorizes the
// presser again, and a button of a broadcast that has moved on is answered kindly.
import { Composer, InlineKeyboard } from "grammy";
import {
  cancelBroadcast,
  defaultScope,
  formatBroadcastRef,
  getBroadcast,
  listBroadcasts,
  listFailures,
  setAnnouncementsOn,
  type BroadcastView,
} from "../../broadcasts/broadcasts.ts";
import type { T } from "../../i18n/i18n.ts";
import { authorize } from "../../policy/policy.ts";
import { formatVietnamMinute } from "../../shared/time.ts";
import type { BotContext, Deps } from "../context.ts";
import { BROADCAST_CONVERSATION, BROADCAST_EDIT_CONVERSATION } from "./conversation.ts";
import { STOP_DATA } from "./render.ts";

const ACTION_DATA = /^bc([exf]):([a-z0-9]{20,40})$/;
const LIST_AT_MOST = 10;

function itemText(view: BroadcastView, t: T): string {
  const c = view.counts;
  // The bot's own (a wave's texts to members) say what they are: their label is the milestone's heading.
  const own = view.authorId === null ? `\n${t("broadcasts.by_bot", { label: view.text })}` : "";
  return `${t("broadcasts.list_item", {
    ref: formatBroadcastRef(view.ref),
    status: t(`broadcasts.status.${view.status}`),
    audience: t(`broadcasts.audience.${view.audience}`),
    when: formatVietnamMinute(view.sendAt),
    percent: view.percent,
    total: view.recipientCount,
    pending: c.pending + c.sending,
    sent: c.sent,
    failed: c.failed,
    unreachable: c.unreachable,
  })}${own}`;
}

export function createBroadcastsFeature(deps: Deps) {
  const { prisma } = deps;
  const feature = new Composer<BotContext>();
  const chats = feature.chatType("private");

  chats.command("broadcast", async (ctx) => {
    if ((await defaultScope(prisma, ctx.person.id)) === "none") {
      await authorize(prisma, ctx.person.id, "broadcast.create", null); // recorded as a refusal
      return ctx.reply(ctx.t("broadcasts.forbidden"));
    }
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(BROADCAST_CONVERSATION);
  });

  chats.command("broadcasts", async (ctx) => {
    const list = await listBroadcasts(prisma, ctx.person.id, LIST_AT_MOST);
    if (list === "forbidden") return ctx.reply(ctx.t("broadcasts.forbidden"));
    if (list.length === 0) return ctx.reply(ctx.t("broadcasts.list_empty"));
    const keyboard = new InlineKeyboard();
    for (const view of list) {
      const ref = formatBroadcastRef(view.ref);
      if (view.status === "SCHEDULED") {
        keyboard.text(ctx.t("broadcasts.edit_button", { ref }), `bce:${view.id}`).text(ctx.t("broadcasts.cancel_button", { ref }), `bcx:${view.id}`).row();
      }
      if (view.counts.failed + view.counts.unreachable > 0) keyboard.text(ctx.t("broadcasts.failures_button", { ref }), `bcf:${view.id}`).row();
    }
    const text = [ctx.t("broadcasts.list_title"), ...list.map((v) => itemText(v, ctx.t))].join("\n\n");
    await ctx.reply(text, keyboard.inline_keyboard.length > 0 ? { reply_markup: keyboard } : undefined);
  });

  feature.callbackQuery(ACTION_DATA, async (ctx) => {
    const [, action, id] = ctx.match;
    const view = await getBroadcast(prisma, id!);
    if (!view) return ctx.answerCallbackQuery({ text: ctx.t("broadcasts.stale"), show_alert: true });
    const ref = formatBroadcastRef(view.ref);
    if (action === "f") {
      const failures = await listFailures(prisma, ctx.person.id, view.id);
      if (!failures.ok) return ctx.answerCallbackQuery({ text: ctx.t(failures.reason === "forbidden" ? "broadcasts.forbidden" : "broadcasts.stale"), show_alert: true });
      await ctx.answerCallbackQuery();
      if (failures.total === 0) return ctx.reply(ctx.t("broadcasts.failures_none", { ref }));
      const lines = failures.rows.map((r) =>
        ctx.t(r.status === "UNREACHABLE" ? "broadcasts.failure_unreachable" : "broadcasts.failure_failed", {
          who: r.name ?? (r.externalId ? ctx.t("broadcasts.failure_id", { id: r.externalId }) : "?"),
          reason: r.reason,
        }),
      );
      if (failures.total > failures.rows.length) lines.push(ctx.t("broadcasts.failures_more", { count: failures.total - failures.rows.length }));
      return ctx.reply(`${ctx.t("broadcasts.failures_title", { ref, count: failures.total })}\n${lines.join("\n")}`);
    }
    if (action === "x") {
      const result = await cancelBroadcast(prisma, ctx.person.id, view.id);
      if (!result.ok) {
        const key = result.reason === "forbidden" ? "broadcasts.forbidden" : result.reason === "not_scheduled" ? "broadcasts.not_scheduled" : "broadcasts.stale";
        return ctx.answerCallbackQuery({ text: ctx.t(key, { ref }), show_alert: true });
      }
      await ctx.answerCallbackQuery();
      return ctx.reply(ctx.t("broadcasts.cancelled", { ref }));
    }
    // Edit: checked here (so a refusal is an answer to the press), and again when the new text is saved.
    if (!(await authorize(prisma, ctx.person.id, "broadcast.edit", view.scopeUnitId))) {
      return ctx.answerCallbackQuery({ text: ctx.t("broadcasts.forbidden"), show_alert: true });
    }
    if (view.status !== "SCHEDULED") return ctx.answerCallbackQuery({ text: ctx.t("broadcasts.not_scheduled", { ref }), show_alert: true });
    await ctx.answerCallbackQuery();
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(BROADCAST_EDIT_CONVERSATION, view.id);
  });

  // Opting out and in: anyone, any time.
  chats.command("stop", async (ctx) => {
    await setAnnouncementsOn(prisma, ctx.person.id, false);
    await ctx.reply(ctx.t("broadcasts.stopped"));
  });
  chats.command("start_announcements", async (ctx) => {
    await setAnnouncementsOn(prisma, ctx.person.id, true);
    await ctx.reply(ctx.t("broadcasts.resumed"));
  });
  feature.callbackQuery(STOP_DATA, async (ctx) => {
    await setAnnouncementsOn(prisma, ctx.person.id, false);
    await ctx.answerCallbackQuery({ text: ctx.t("broadcasts.stopped_short") });
    await ctx.reply(ctx.t("broadcasts.stopped"));
  });

  return feature;
}
