// Zalo updates into the inbox, by long polling or by webhook. Polling: one update per call, no offset (returning an
// update consumes it), 408 when nothing came. Webhook: Zalo posts each update with the secret header; the body may be
// wrapped or not. Either way Zalo may serve an update twice: the inbox keys updates by their message id and keeps one.
// The gateway turns a stored Zalo update into the Telegram update the bot understands when it is handled, in the
// chat's order (it reads the buttons the chat was last shown).
import { timingSafeEqual } from "node:crypto";
import type { Handler } from "hono";
import type { Inbox } from "../../inbox/inbox.ts";
import type { IncomingUpdate } from "../../inbox/store.ts";
import type { Logger } from "../../logger.ts";
import { zaloChatId } from "../address.ts";
import type { ZaloGateway } from "./gateway.ts";
import { parseUpdate, updateKey, type ZaloUpdate } from "./update.ts";

const ERROR_PAUSE_MS = 5_000;

export function incomingZalo(update: ZaloUpdate): IncomingUpdate {
  return { channel: "ZALO", externalId: updateKey(update), chatKey: zaloChatId(update.message.chat.id), payload: update };
}

export interface ZaloPolling {
  stop(): Promise<void>;
}

export function startZaloPolling(inbox: Inbox, gateway: ZaloGateway, logger: Logger, pollSeconds = 30): ZaloPolling {
  const stopped = new AbortController();
  const loop = (async () => {
    while (!stopped.signal.aborted) {
      try {
        await inbox.room();
        const update = await gateway.api.getUpdate(pollSeconds, stopped.signal);
        // Stored even when stopping: Zalo has already handed it over.
        if (update) await inbox.accept([incomingZalo(update)]);
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
      stopped.abort();
      await loop;
    },
  };
}

/**
 * The webhook route: checks the secret header in constant time and answers once the update is stored.
 * An empty or unreadable body (Zalo's health probes) gets 200 and is ignored.
 */
export function zaloWebhookHandler(inbox: Inbox, secret: string, logger: Logger): Handler {
  const expected = Buffer.from(secret);
  return async (c) => {
    const given = Buffer.from(c.req.header("x-bot-api-secret-token") ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return c.text("forbidden", 403);
    // Zalo checks the address with an empty post when the webhook is set: acknowledged. A body that is not JSON is
    // refused; JSON of an event the bot does not serve is acknowledged and ignored.
    const body = await c.req.text();
    let parsed: unknown;
    try {
      parsed = body.trim() === "" ? undefined : JSON.parse(body);
    } catch {
      return c.text("bad request", 400);
    }
    const update = parseUpdate(parsed);
    if (update) {
      try {
        await inbox.accept([incomingZalo(update)]);
      } catch (err) {
        logger.error({ err }, "could not store a zalo webhook update");
        return c.text("unavailable", 503);
      }
    }
    return c.json({ message: "Success" });
  };
}
