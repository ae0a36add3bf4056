// /report and the reminders' button "rep:<unitId>": both open the weekly report form. The button's unit is looked
// up and authorized again inside the form, so a stale or forged button changes nothing.
import { Composer } from "grammy";
import type { BotContext } from "../context.ts";
import { REPORT_CONVERSATION } from "./conversation.ts";

/** Button data a reminder puts under its message. */
export const reportButtonData = (unitId: string) => `rep:${unitId}`;
const REPORT_BUTTON = /^rep:([A-Za-z0-9_-]{1,40})$/;

export function createReportsFeature() {
  const feature = new Composer<BotContext>();
  feature.chatType("private").command("report", async (ctx) => {
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(REPORT_CONVERSATION);
  });
  feature.callbackQuery(REPORT_BUTTON, async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => undefined);
    if (ctx.chat?.type !== "private") return;
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(REPORT_CONVERSATION, ctx.match[1]);
  });
  return feature;
}
