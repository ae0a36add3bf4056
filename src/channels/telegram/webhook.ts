// Webhook mode: Telegram posts each update to TELEGRAM_WEBHOOK_URL with the secret header, instead of the bot
// polling. Suits several instances behind a load balancer; long polling stays the default for one instance.
// The update is stored in the inbox before the 200 that confirms it, and handled from there.
import { timingSafeEqual } from "node:crypto";
import type { Bot } from "grammy";
import type { Handler } from "hono";
import type { Inbox } from "../../inbox/inbox.ts";
import type { Logger } from "../../logger.ts";
import type { BotContext } from "../../bot/context.ts";
import { ALLOWED_UPDATES, incomingTelegram } from "./polling.ts";

export interface WebhookSettings {
  url: string;
  secret: string;
}

/** Registers the webhook with Telegram and returns the route to serve it on (the URL's path). */
export async function startWebhook(bot: Bot<BotContext>, settings: WebhookSettings): Promise<{ path: string }> {
  await bot.init();
  await bot.api.setWebhook(settings.url, { secret_token: settings.secret, allowed_updates: [...ALLOWED_UPDATES] });
  return { path: new URL(settings.url).pathname || "/" };
}

/**
 * The route: the secret compared in constant time (401 otherwise), a body that is not an update refused with 400,
 * and 200 only once the update is stored; if the store cannot take it, 503 makes Telegram send it again later.
 */
export function telegramWebhookHandler(inbox: Inbox, secret: string, logger: Logger): Handler {
  const expected = Buffer.from(secret);
  return async (c) => {
    const given = Buffer.from(c.req.header("x-telegram-bot-api-secret-token") ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return c.text("unauthorized", 401);
    const update = await c.req.json().catch(() => undefined);
    if (!update || typeof update !== "object" || !Number.isSafeInteger((update as { update_id?: unknown }).update_id)) {
      return c.text("bad request", 400);
    }
    try {
      await inbox.accept([incomingTelegram(update)]);
    } catch (err) {
      logger.error({ err }, "could not store a webhook update");
      return c.text("unavailable", 503);
    }
    return c.json({});
  };
}
