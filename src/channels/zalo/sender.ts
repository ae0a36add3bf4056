// Delivers outbox messages to Zalo recipients. Zalo's error codes are not Telegram's: 429 is the plan's quota
// (no retry-after is given), 403 is listed as an internal error, not a block, and there is no "blocked" code at
// all, so nothing here marks a person unreachable. Photos go by public URL on Zalo, and the outbox holds
// Telegram file ids, so a Zalo recipient gets the text alone. Zalo shows plain text and has no buttons: the
// heading is plain and the stop button becomes a line naming /stop (the gateway turns it into the command).
import type { OutgoingMessage, Sender, SendOutcome } from "../../outbox/outbox.ts";
import { tFor } from "../../i18n/i18n.ts";
import { addressOf } from "../address.ts";
import { ZaloApiError, type ZaloApi } from "./api.ts";

export function renderZaloAnnouncement(message: OutgoingMessage): string {
  const t = tFor(message.language);
  const body = message.content.own ? message.content.text : `${t("broadcasts.heading")}\n\n${message.content.text}`;
  return `${body}\n\n${t("zalo.stop_hint")}`;
}

export function zaloSender(api: ZaloApi): Sender {
  return {
    channel: "ZALO",
    async send(message: OutgoingMessage): Promise<SendOutcome> {
      try {
        await api.sendMessage(addressOf(message.chatId).externalId, renderZaloAnnouncement(message));
        return { kind: "sent" };
      } catch (error) {
        if (!(error instanceof ZaloApiError)) throw error;
        // A quota refusal is not Telegram's flood wait: pausing every channel for it would be wrong, so it is an
        // ordinary error, retried with backoff and recorded if the quota stays exhausted.
        if (error.quotaExceeded) return { kind: "error", reason: "zalo 429 quota exceeded" };
        const permanent = error.errorCode === 400 || error.errorCode === 401 || error.errorCode === 404;
        return { kind: "error", reason: `zalo ${error.errorCode} ${error.description}`.slice(0, 200), permanent };
      }
    },
  };
}
