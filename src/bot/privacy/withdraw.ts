// /withdraw: withdrawing a consent, per purpose. Each choice first says plainly what will happen, with buttons to
// confirm or keep things as they are; only the confirmation acts. The buttons act on the presser's own data only,
// and what they may withdraw is looked up again on every press, so a stale button changes nothing it should not.
import { Composer, InlineKeyboard } from "grammy";
import type { T } from "../../i18n/i18n.ts";
import { formatApplicationRef, formatMemberNumber } from "../../membership/numbers.ts";
import { withdrawableConsents, withdrawEthnicityConsent, withdrawMembershipConsent, type WithdrawableConsents } from "../../privacy/withdraw.ts";
import { formatCalendarDate, formatVietnamDate } from "../../shared/time.ts";
import type { BotContext, Deps } from "../context.ts";

const CHOOSE_DATA = /^wd:([em])$/;
const CONFIRM_DATA = /^wd:([em]):ok$/;
const CANCEL_DATA = "wd:x";

function membershipExplanation(what: WithdrawableConsents, t: T): string {
  if (what.member) {
    return t("withdraw.membership_confirm_member", {
      number: formatMemberNumber(what.member.number),
      unit: what.member.unitName,
      reason: t("members.reason.RESIGNED"),
      date: formatVietnamDate(new Date()),
    });
  }
  if (what.pendingRef !== null) return t("withdraw.membership_confirm_pending", { ref: formatApplicationRef(what.pendingRef) });
  return t("withdraw.membership_confirm_plain");
}

export function createWithdrawFeature(deps: Deps) {
  const { prisma } = deps;
  const feature = new Composer<BotContext>();

  feature.chatType("private").command("withdraw", async (ctx) => {
    const what = await withdrawableConsents(prisma, ctx.person.id);
    if (!what.ethnicity && !what.membership) return ctx.reply(ctx.t("withdraw.nothing"));
    const keyboard = new InlineKeyboard();
    if (what.ethnicity) keyboard.text(ctx.t("withdraw.ethnicity_button"), "wd:e").row();
    if (what.membership) keyboard.text(ctx.t("withdraw.membership_button"), "wd:m").row();
    keyboard.text(ctx.t("withdraw.cancel"), CANCEL_DATA);
    await ctx.reply(ctx.t("withdraw.choose"), { reply_markup: keyboard });
  });

  feature.callbackQuery(CHOOSE_DATA, async (ctx) => {
    const purpose = (ctx.match as RegExpMatchArray)[1];
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
    const what = await withdrawableConsents(prisma, ctx.person.id);
    if (purpose === "e" ? !what.ethnicity : !what.membership) return ctx.reply(ctx.t("withdraw.stale"));
    const text = purpose === "e" ? ctx.t("withdraw.ethnicity_confirm") : membershipExplanation(what, ctx.t);
    const keyboard = new InlineKeyboard()
      .text(ctx.t("withdraw.confirm"), `wd:${purpose}:ok`)
      .row()
      .text(ctx.t("withdraw.cancel"), CANCEL_DATA);
    await ctx.reply(text, { reply_markup: keyboard });
  });

  feature.callbackQuery(CONFIRM_DATA, async (ctx) => {
    const purpose = (ctx.match as RegExpMatchArray)[1];
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
    if (purpose === "e") {
      const result = await withdrawEthnicityConsent(prisma, { personId: ctx.person.id });
      return ctx.reply(ctx.t(result.ok ? "withdraw.ethnicity_done" : "withdraw.stale"));
    }
    // Whatever form was open is about data that is about to go.
    await ctx.conversation.exitAll();
    const result = await withdrawMembershipConsent(prisma, { personId: ctx.person.id });
    if (!result.ok) return ctx.reply(ctx.t("withdraw.stale"));
    if (result.left) {
      return ctx.reply(ctx.t("withdraw.membership_done_member", { number: formatMemberNumber(result.left.number), date: formatCalendarDate(result.left.leftOn) }));
    }
    if (result.withdrawnRef !== null) {
      return ctx.reply(ctx.t("withdraw.membership_done_pending", { ref: formatApplicationRef(result.withdrawnRef) }));
    }
    return ctx.reply(ctx.t("withdraw.membership_done"));
  });

  feature.callbackQuery(CANCEL_DATA, async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
    await ctx.reply(ctx.t("withdraw.cancelled"));
  });

  return feature;
}
