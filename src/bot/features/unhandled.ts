// Last in line: anything no feature handled gets a hint instead of silence, and unknown or stale
// buttons are answered so the phone stops showing a spinner.
import { Composer } from "grammy";
import type { BotContext } from "../context.ts";

export const unhandledFeature = new Composer<BotContext>();

unhandledFeature.on("callback_query", async (ctx) => {
  await ctx.answerCallbackQuery({ text: ctx.t("form.stale_button") });
});

unhandledFeature.chatType("private").on("message", async (ctx) => {
  await ctx.reply(ctx.t("unhandled"));
});
