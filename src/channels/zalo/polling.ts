// Zalo updates into the bot, by long polling or by webhook. Polling: one update per call, no offset (returning an
// update consumes it), 408 when nothing came. Webhook: Zalo posts each update with the secret header; the body may be
// wrapped or not. Either way Zalo may serve an update twice, so recent ones are remembered and skipped. Updates go to
// the same grammY bot as Telegram's, through the gateway; one chat's updates still run one at a time (sequentialize).
import { timingSafeEqual } from "node:crypto";
import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import type { Handler } from "hono";
import type { Logger } from "../../logger.ts";
import type { BotContext } from "../telegram/context.ts";
import type { ZaloGateway } from "./gateway.ts";
import { parseUpdate, updateKey, type ZaloUpdate } from "./update.ts";

const SEEN = 1_000;
const ERROR_PAUSE_MS = 5_000;

export interface ZaloIntake {
  /** Hands an update to the bot without waiting for it to be handled. */
  accept(update: ZaloUpdate): void;
  /** Waits for the updates in hand. */
  drain(): Promise<void>;
}

export function zaloIntake(bot: Bot<BotContext>, gateway: ZaloGateway, logger: Logger): ZaloIntake {
  const seen = new Set<string>();
  const inFlight = new Set<Promise<unknown>>();
  // Conversion reads the database (the buttons shown); chaining it keeps updates in the order they arrived.
  let converting: Promise<unknown> = Promise.resolve();
  return {
    accept(update) {
      const key = updateKey(update);
      if (seen.has(key)) return;
      seen.add(key);
      if (seen.size > SEEN) seen.delete(seen.values().next().value!);
      const converted = (converting = converting.catch(() => undefined).then(() => gateway.toTelegramUpdate(update)));
      const handling = converted
        .then((u) => (u ? bot.handleUpdate(u as Update) : undefined))
        .catch((err: unknown) => logger.error({ err }, "zalo update failed"));
      inFlight.add(handling);
      void handling.finally(() => inFlight.delete(handling));
    },
    async drain() {
      await Promise.allSettled([...inFlight]);
    },
  };
}

export interface ZaloPolling {
  stop(): Promise<void>;
}

export function startZaloPolling(intake: ZaloIntake, gateway: ZaloGateway, logger: Logger, pollSeconds = 30): ZaloPolling {
  const stopped = new AbortController();
  const loop = (async () => {
    while (!stopped.signal.aborted) {
      try {
        const update = await gateway.api.getUpdate(pollSeconds, stopped.signal);
        if (update && !stopped.signal.aborted) intake.accept(update);
      } catch (err) {
        if (stopped.signal.aborted) break;
        logger.warn({ err }, "zalo polling failed; retrying");
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, ERROR_PAUSE_MS);
          stopped.signal.addEventListener("abort", () => (clearTimeout(timer), resolve(undefined)), { once: true });
        });
      }
    }
  })();
  return {
    async stop() {
      // The poll in progress is aborted; the updates in hand are finished, not dropped.
      stopped.abort();
      await loop;
      await intake.drain();
    },
  };
}

/**
 * The webhook route: checks the secret header in constant time, answers at once, and handles the update after.
 * An empty or unreadable body (Zalo's health probes) gets 200 and is ignored.
 */
export function zaloWebhookHandler(intake: ZaloIntake, secret: string): Handler {
  const expected = Buffer.from(secret);
  return async (c) => {
    const given = Buffer.from(c.req.header("x-bot-api-secret-token") ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return c.text("forbidden", 403);
    const update = parseUpdate(await c.req.json().catch(() => undefined));
    if (update) intake.accept(update);
    return c.json({ message: "Success" });
  };
}
