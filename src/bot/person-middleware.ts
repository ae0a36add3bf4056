// Every update with a sender gets the person behind it, their language and a translator for it.
import type { MiddlewareFn } from "grammy";
import { isLang, tFor, toLang } from "../i18n/i18n.ts";
import { findOrCreatePerson, markReachable, noteChannel } from "../people/people.ts";
import { addressOf } from "../channels/address.ts";
import type { BotContext, Deps } from "./context.ts";

export function personMiddleware(deps: Deps): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    ctx.deps = deps;
    const from = ctx.from;
    if (!from || from.is_bot) return;
    // A private chat's id is the user's id (on Telegram, and on Zalo through the gateway), so it is also where to
    // reach them later.
    const address = addressOf(from.id);
    const person = await findOrCreatePerson(deps.prisma, { ...address, chatId: String(from.id) }, toLang(from.language_code));
    if (ctx.message) await markReachable(deps.prisma, person);
    // What they typed or pressed, not what the platform reports (blocking the bot is no sign of using that app).
    if (ctx.message || ctx.callbackQuery) await noteChannel(deps.prisma, person, address.channel);
    ctx.person = { id: person.id, language: person.language, languageChosen: person.languageChosen };
    ctx.lang = isLang(person.language) ? person.language : toLang(from.language_code);
    ctx.t = tFor(ctx.lang);
    await next();
  };
}
