// Long polling through @grammyjs/runner: updates of different chats are handled concurrently.
import { run, type RunnerHandle } from "@grammyjs/runner";
import type { Bot } from "grammy";
import type { BotContext } from "./context.ts";

export const ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"] as const;

export async function startPolling(bot: Bot<BotContext>): Promise<RunnerHandle> {
  await bot.init();
  await bot.api.deleteWebhook();
  return run(bot, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES], timeout: 30 } } });
}
