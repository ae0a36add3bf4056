// /members and /import_members for chairs, deputy chairs, officers and admins, and the buttons under member lists
// and member details. Button data is never trusted: every press looks the union or member up and asks the policy
// again, so a stale, forwarded or forged button shows or changes nothing it should not.
import { Composer, GrammyError, InlineKeyboard } from "grammy";
import { chairedUnits, findMember, normaliseMemberQuery, searchesUnits } from "../../membership/members.ts";
import { authorize } from "../../policy/policy.ts";
import { truncate } from "../../shared/text.ts";
import type { BotContext, Deps } from "../context.ts";
import { IMPORT_CONVERSATION, LEAVE_CONVERSATION, PICK_CONVERSATION } from "./conversations.ts";
import { DETAIL_DATA, detailScreen, LEAVE_DATA, LIST_DATA, listData, listScreen, parseListData, type Screen } from "./view.ts";

const notModified = (error: unknown) => error instanceof GrammyError && error.description.includes("message is not modified");

export function createMembersFeature(deps: Deps) {
  const { prisma } = deps;
  const feature = new Composer<BotContext>();
  const privateChats = feature.chatType("private");

  privateChats.command("members", async (ctx) => {
    const query = normaliseMemberQuery(ctx.match);
    if (await searchesUnits(prisma, ctx.person.id)) {
      await ctx.conversation.exitAll();
      await ctx.conversation.enter(PICK_CONVERSATION, { query });
      return;
    }
    const units = await chairedUnits(prisma, ctx.person.id);
    const [only] = units;
    if (!only) return ctx.reply(ctx.t("members.not_allowed"));
    if (units.length > 1) {
      const keyboard = InlineKeyboard.from(
        units.map((u) => [InlineKeyboard.text(truncate(u.name, 60), listData({ unitId: u.id, page: 1, includeLeft: false, query }))]),
      );
      return ctx.reply(ctx.t("members.choose_unit"), { reply_markup: keyboard });
    }
    const screen = await listScreen(deps, ctx.person.id, { unitId: only.id, page: 1, includeLeft: false, query }, ctx.t);
    if (!screen) return ctx.reply(ctx.t("members.forbidden"));
    await ctx.reply(screen.text, { reply_markup: screen.reply_markup });
  });

  privateChats.command("import_members", async (ctx) => {
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(IMPORT_CONVERSATION);
  });

  // A page of a list (◀ ▶, show/hide those who left, a union chosen, back from a member's details).
  feature.callbackQuery(LIST_DATA, async (ctx) => {
    const state = parseListData(ctx.callbackQuery.data);
    const screen = state ? await listScreen(deps, ctx.person.id, state, ctx.t) : null;
    if (!screen) return ctx.answerCallbackQuery({ text: ctx.t("members.forbidden"), show_alert: true });
    await ctx.answerCallbackQuery();
    await show(ctx, screen);
  });

  feature.callbackQuery(DETAIL_DATA, async (ctx) => {
    const memberId = (ctx.match as RegExpMatchArray)[1] ?? "";
    const member = await findMember(prisma, memberId);
    if (!member) return ctx.answerCallbackQuery({ text: ctx.t("members.not_found"), show_alert: true });
    if (!(await authorize(prisma, ctx.person.id, "member.list", member.unitId))) {
      return ctx.answerCallbackQuery({ text: ctx.t("members.forbidden"), show_alert: true });
    }
    await ctx.answerCallbackQuery();
    const screen = detailScreen(member, ctx.t);
    await ctx.reply(screen.text, { reply_markup: screen.reply_markup });
  });

  feature.callbackQuery(LEAVE_DATA, async (ctx) => {
    const memberId = (ctx.match as RegExpMatchArray)[1] ?? "";
    const member = await findMember(prisma, memberId);
    if (!member) return ctx.answerCallbackQuery({ text: ctx.t("members.not_found"), show_alert: true });
    if (!(await authorize(prisma, ctx.person.id, "member.leave", member.unitId))) {
      return ctx.answerCallbackQuery({ text: ctx.t("members.leave.refused.forbidden"), show_alert: true });
    }
    if (member.leftOn) {
      await ctx.editMessageReplyMarkup({ reply_markup: detailScreen(member, ctx.t).reply_markup }).catch(() => undefined);
      return ctx.answerCallbackQuery({ text: ctx.t("members.leave.refused.already_left"), show_alert: true });
    }
    await ctx.answerCallbackQuery();
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(LEAVE_CONVERSATION, member.id);
  });

  return feature;
}

/** Replaces the pressed message with the screen; a message that cannot be edited gets a new one instead. */
async function show(ctx: BotContext, screen: Screen) {
  try {
    await ctx.editMessageText(screen.text, { reply_markup: screen.reply_markup });
  } catch (error) {
    if (notModified(error)) return;
    await ctx.reply(screen.text, { reply_markup: screen.reply_markup });
  }
}
