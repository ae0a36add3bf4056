// Long polling into the inbox: each batch from getUpdates is stored before the next call confirms it to Telegram
// (the offset), so an update is never confirmed and then lost. While the bot has many updates in hand, polling
// waits: Telegram keeps the rest (back-pressure instead of memory).
import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import type { Inbox } from "../../inbox/inbox.ts";
import type { IncomingUpdate } from "../../inbox/store.ts";
import type { Logger } from "../../logger.ts";
import type { BotContext } from "../../bot/context.ts";

export const ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"] as const;
const ERROR_PAUSE_MS = [1_000, 2_000, 5_000];

export interface Polling {
  stop(): Promise<void>;
}

/** A Telegram update as the inbox keeps it: one chat's updates run in order. */
export function incomingTelegram(update: Update): IncomingUpdate {
  const chat =
    update.message?.chat.id ??
    update.callback_query?.message?.chat.id ??
    update.callback_query?.from.id ??
    update.my_chat_member?.chat.id ??
    update.edited_message?.chat.id ??
    "none";
  return { channel: "TELEGRAM", externalId: String(update.update_id), chatKey: String(chat), payload: update };
}

export async function startPolling(bot: Bot<BotContext>, inbox: Inbox, logger: Logger): Promise<Polling> {
  await bot.init();
  await bot.api.deleteWebhook();
  const stopped = new AbortController();
  // grammY types its signal parameter with its own polyfill's type; the platform's signal is what it uses at run time.
  const signal = stopped.signal as unknown as Parameters<typeof bot.api.getUpdates>[1];
  const loop = (async () => {
    let offset: number | undefined;
    let failures = 0;
    while (!stopped.signal.aborted) {
      try {
        await inbox.room();
        if (stopped.signal.aborted) break;
        const updates = await bot.api.getUpdates({ offset, limit: 100, timeout: 30, allowed_updates: [...ALLOWED_UPDATES] }, signal);
        if (updates.length > 0) {
          await inbox.accept(updates.map(incomingTelegram));
          offset = updates.at(-1)!.update_id + 1;
        }
        failures = 0;
      } catch (err) {
        if (stopped.signal.aborted) break;
        logger.warn({ err, failures }, "telegram polling failed; retrying");
        await pause(ERROR_PAUSE_MS[Math.min(failures++, ERROR_PAUSE_MS.length - 1)] ?? 5_000, stopped.signal);
      }
    }
  })();
  return {
    async stop() {
      // The poll in progress is aborted; a batch already fetched is stored, not dropped.
      stopped.abort();
      await loop;
    },
  };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}
