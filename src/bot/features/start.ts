// /start (optionally with a poster's code: t.me/<bot>?start=<unit code>) opens the join form;
// /help says what the bot does and lists the person's commands, one line each: the public ones, then those of their
// roles, from the same table as their command menu (commands.ts), so the two cannot disagree;
// /language switches between Vietnamese and English.
import { Composer, InlineKeyboard } from "grammy";
import type { Role } from "../../generated/prisma/client.ts";
import { isLang, type Lang } from "../../i18n/i18n.ts";
import { rolesOf } from "../../organisation/roles.ts";
import { setLanguage } from "../../people/people.ts";
import { tFor } from "../../i18n/i18n.ts";
import { menuFor, PUBLIC_COMMANDS, refreshMenu } from "../commands.ts";
import type { BotContext } from "../context.ts";
import { JOIN_CONVERSATION } from "../join/conversation.ts";
import { INVITE_LINK_PREFIX } from "../invites/format.ts";
import { openInvite } from "../invites/redeem.ts";

export const startFeature = new Composer<BotContext>();
const privateChats = startFeature.chatType("private");

privateChats.command(["start", "join"], async (ctx) => {
  const source = ctx.match.trim() || undefined;
  await ctx.conversation.exitAll();
  // An invite link (t.me/<bot>?start=inv_<token>) grants a role instead of opening the join form.
  if (source?.startsWith(INVITE_LINK_PREFIX)) return openInvite(ctx, source.slice(INVITE_LINK_PREFIX.length));
  await ctx.conversation.enter(JOIN_CONVERSATION, { source });
});

/** The /help text of a person with these roles: what the bot does, then one line per command of their menu. */
export function helpText(roles: readonly Role[], lang: Lang): string {
  const t = tFor(lang);
  const menu = menuFor(roles, lang);
  const line = (c: { command: string; description: string }) => t("help.line", { command: c.command, description: c.description });
  const isPublic = (command: string) => (PUBLIC_COMMANDS as readonly string[]).includes(command);
  const out = [t("help.intro"), "", ...menu.filter((c) => isPublic(c.command)).map(line)];
  const own = menu.filter((c) => !isPublic(c.command));
  if (own.length > 0) out.push("", t("help.roles"), ...own.map(line));
  out.push("", t("help.announcements"));
  return out.join("\n");
}

privateChats.command("help", async (ctx) => {
  const roles = await rolesOf(ctx.deps.prisma, ctx.person.id);
  await ctx.reply(helpText(roles.map((r) => r.role), ctx.lang));
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
  // A role holder's own menu is in the language they chose: rewrite it in the new one.
  await refreshMenu({ api: ctx.api, prisma: ctx.deps.prisma, logger: ctx.deps.logger }, ctx.person.id);
});
