// The outbox's Telegram channel. It talks to the Bot API through an Api of its own WITHOUT the retry policy
// the rest of the bot uses (../api-policy.ts): a 429 must reach the outbox worker, which pauses every send for
// retry_after seconds (Telegram's flood limit is per bot) and then sends the same message again.
import { Api, GrammyError, HttpError } from "grammy";
import type { OutgoingMessage, SendOutcome, Sender } from "../../outbox/outbox.ts";
import { renderAnnouncement } from "../../bot/broadcasts/render.ts";

const SEND_TIMEOUT_SECONDS = 20;

export class TelegramSender implements Sender {
  readonly channel = "TELEGRAM" as const;
  readonly api: Api;
  private readonly paid: boolean;

  constructor(options: { token: string; apiRoot: string; paid: boolean }) {
    // A deadline instead of grammY's 500 s: a send that hangs holds one of the few sends in flight. The worker
    // retries it later (it may then arrive twice, the price of not stalling the broadcast).
    this.api = new Api(options.token, { apiRoot: options.apiRoot, timeoutSeconds: SEND_TIMEOUT_SECONDS });
    this.paid = options.paid;
  }

  async send(message: OutgoingMessage): Promise<SendOutcome> {
    const { body, keyboard } = renderAnnouncement(message.language, message.content.text, { withButton: true, ownHeading: message.content.own });
    const other = { parse_mode: "HTML" as const, reply_markup: keyboard, ...(this.paid ? { allow_paid_broadcast: true } : {}) };
    try {
      if (message.content.photoFileId) await this.api.sendPhoto(message.chatId, message.content.photoFileId, { ...other, caption: body });
      else await this.api.sendMessage(message.chatId, body, { ...other, link_preview_options: { is_disabled: true } });
      return { kind: "sent" };
    } catch (error) {
      return outcomeOf(error);
    }
  }
}

export function outcomeOf(error: unknown): SendOutcome {
  if (error instanceof GrammyError) {
    const reason = `${error.error_code}: ${error.description}`;
    if (error.error_code === 429) return { kind: "retry_after", seconds: Math.max(1, error.parameters.retry_after ?? 1) };
    if (error.error_code === 403) return { kind: "unreachable", reason };
    // 400 (chat not found, bad request) will not get better by retrying; 5xx may.
    return { kind: "error", reason, permanent: error.error_code >= 400 && error.error_code < 500 };
  }
  if (error instanceof HttpError) return { kind: "error", reason: `network: ${String(error.error)}` };
  return { kind: "error", reason: error instanceof Error ? error.message : String(error) };
}
