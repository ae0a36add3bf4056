// Webhook mode: Telegram posts each update to TELEGRAM_WEBHOOK_URL with the secret header, instead of the bot
// polling. Suits several instances behind a load balancer; long polling stays the default for one instance.
import { webhookCallback, type Bot } from "grammy";
import type { Handler } from "hono";
import type { BotContext } from "./context.ts";
import { ALLOWED_UPDATES } from "./polling.ts";

export interface WebhookSettings {
  url: string;
  secret: string;
}

/** Registers the webhook with Telegram and returns the route to serve it on (the URL's path). */
export async function startWebhook(bot: Bot<BotContext>, settings: WebhookSettings): Promise<{ path: string; handler: Handler }> {
  await bot.init();
  await bot.api.setWebhook(settings.url, { secret_token: settings.secret, allowed_updates: [...ALLOWED_UPDATES] });
  // A slow update (a big spreadsheet import) must not make Telegram re-send it: answer 200 after the timeout
  // and let the handling finish.
  const handler = webhookCallback(bot, "hono", { secretToken: settings.secret, onTimeout: "return", timeoutMilliseconds: 25_000 });
  return { path: new URL(settings.url).pathname || "/", handler };
}
