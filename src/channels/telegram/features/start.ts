// /start (optionally with a poster's code: t.me/<bot>?start=<unit code>) opens the join form;
// /help says what the bot does; /language switches between Vietnamese and English.
import { Composer, InlineKeyboard } from "grammy";
import { isLang } from "../../../i18n/i18n.ts";
import { setLanguage } from "../../../people/people.ts";
import { tFor } from "../../../i18n/i18n.ts";
import type { BotContext } from "../context.ts";
import { JOIN_CONVERSATION } from "../join/conversation.ts";

export const startFeature = new Composer<BotContext>();
const privateChats = startFeature.chatType("private");

privateChats.command(["start", "join"], async (ctx) => {
  const source = ctx.match.trim() || undefined;
  await ctx.conversation.exitAll();
  await ctx.conversation.enter(JOIN_CONVERSATION, { source });
});

privateChats.command("help", async (ctx) => {
  await ctx.reply(ctx.t("help"));
});

privateChats.command("language", async (ctx) => {
  const keyboard = new InlineKeyboard().text("Tiếng Việt", "lang:vi").text("English", "lang:en");
  await ctx.reply(ctx.t("language.ask"), { reply_markup: keyboard });
});

startFeature.callbackQuery(/^lang:(.+)$/, async (ctx) => {
  const lang = ctx.match[1];
  if (!isLang(lang)) return ctx.answerCallbackQuery({ text: ctx.t("form.stale_button") });
  await setLanguage(ctx.deps.prisma, ctx.person.id, lang);
  const t = tFor(lang);
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(t("language.changed")).catch(() => ctx.reply(t("language.changed")));
});
