// A small typed client for the Zalo Bot API (docs: ../shared/docs/zalo-bot-api.md). The npm package the project
// first named does not exist, and the official SDK is an untyped fork of a Telegram library; the API is eleven
// POST+JSON methods, so a client of our own is shorter than an adapter around theirs.
import { z } from "zod";
import { parseUpdate, type ZaloUpdate } from "./update.ts";

/** The documented host; the older `https://bot-api.zapps.me` still works and is what one client needed for polling. */
export const ZALO_API_ROOT = "https://bot-api.zaloplatforms.com";
/** Text and captions: 1–2000 characters. */
export const ZALO_TEXT_LIMIT = 2000;

export interface ZaloBotInfo {
  id: string;
  account_name: string;
  account_type: string;
  can_join_groups: boolean;
}

export interface ZaloSentMessage {
  message_id: string;
  /** Epoch milliseconds. */
  date: number;
}

export interface ZaloWebhookInfo {
  url: string;
  updated_at: number;
}

export type ChatAction = "typing" | "upload_photo";

/** A refusal from the API. The message names the method and code, never the token (it sits in the URL). */
export class ZaloApiError extends Error {
  constructor(
    readonly method: string,
    readonly errorCode: number,
    readonly description: string,
  ) {
    super(`Zalo ${method} failed: ${errorCode} ${description}`);
    this.name = "ZaloApiError";
  }

  /** 429 on Zalo means the plan's quota is used up; it carries no retry-after. */
  get quotaExceeded(): boolean {
    return this.errorCode === 429;
  }
}

const envelope = z.object({
  ok: z.boolean(),
  result: z.unknown().optional(),
  description: z.string().optional(),
  error_code: z.number().optional(),
});

export interface ZaloApiOptions {
  apiRoot?: string;
  /** Abort a call after this long (long polls add their own timeout on top). */
  timeoutMs?: number;
}

export class ZaloApi {
  private readonly root: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly token: string,
    options: ZaloApiOptions = {},
  ) {
    this.root = (options.apiRoot ?? ZALO_API_ROOT).replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** Calls a method and returns its `result`, or throws ZaloApiError. */
  async call<T>(method: string, body: Record<string, unknown> = {}, extraTimeoutMs = 0, signal?: AbortSignal): Promise<T> {
    const timeout = AbortSignal.timeout(this.timeoutMs + extraTimeoutMs);
    let response: Response;
    try {
      response = await fetch(`${this.root}/bot${this.token}/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
    } catch (error) {
      // fetch's own errors can quote the URL, and with it the token.
      const reason = error instanceof Error && error.name === "TimeoutError" ? "timeout" : "network error";
      throw new ZaloApiError(method, 0, reason);
    }
    const parsed = envelope.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new ZaloApiError(method, response.status, "malformed response");
    const { ok, result, description, error_code } = parsed.data;
    if (!ok) throw new ZaloApiError(method, error_code ?? response.status, description ?? "");
    return result as T;
  }

  getMe(): Promise<ZaloBotInfo> {
    return this.call("getMe");
  }

  /**
   * Long-polls for the next update. Zalo returns one update per call (no offset: returning it consumes it) and
   * answers an empty poll with error 408, which is "nothing new", not a failure.
   */
  async getUpdate(timeoutSeconds = 30, signal?: AbortSignal): Promise<ZaloUpdate | null> {
    try {
      const result = await this.call<unknown>("getUpdates", { timeout: String(timeoutSeconds) }, timeoutSeconds * 1000, signal);
      return result == null ? null : parseUpdate(result);
    } catch (error) {
      if (error instanceof ZaloApiError && error.errorCode === 408) return null;
      throw error;
    }
  }

  /** Sends text, split into several messages when it is longer than Zalo's 2000-character limit. */
  async sendMessage(chatId: string, text: string): Promise<ZaloSentMessage[]> {
    const sent: ZaloSentMessage[] = [];
    for (const part of splitText(text)) sent.push(await this.call<ZaloSentMessage>("sendMessage", { chat_id: chatId, text: part }));
    return sent;
  }

  /** Photos go by public URL only; the caption is cut to the limit. */
  sendPhoto(chatId: string, photoUrl: string, caption?: string): Promise<ZaloSentMessage> {
    const body: Record<string, unknown> = { chat_id: chatId, photo: photoUrl };
    if (caption) body.caption = splitText(caption)[0];
    return this.call("sendPhoto", body);
  }

  async sendChatAction(chatId: string, action: ChatAction = "typing"): Promise<void> {
    await this.call("sendChatAction", { chat_id: chatId, action });
  }

  /** Zalo then sends `X-Bot-Api-Secret-Token: <secret>` with every delivery; polling stops working. */
  async setWebhook(url: string, secretToken: string): Promise<ZaloWebhookInfo> {
    if (secretToken.length < 8 || secretToken.length > 256) throw new RangeError("secret token must be 8–256 characters");
    return this.call("setWebhook", { url, secret_token: secretToken });
  }

  deleteWebhook(): Promise<ZaloWebhookInfo> {
    return this.call("deleteWebhook");
  }

  getWebhookInfo(): Promise<ZaloWebhookInfo> {
    return this.call("getWebhookInfo");
  }
}

/**
 * Splits text into parts Zalo accepts. Whether Zalo counts UTF-16 units or characters is not documented, so a part
 * is at most `limit` UTF-16 units (the stricter reading); cuts prefer a line break, then a space, and never fall
 * inside an emoji or a Vietnamese letter.
 */
export function splitText(text: string, limit = ZALO_TEXT_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let end = limit;
    // Do not split a surrogate pair.
    if (/[\uD800-\uDBFF]/.test(rest[end - 1] ?? "")) end--;
    const window = rest.slice(0, end);
    const newline = window.lastIndexOf("\n");
    const space = window.lastIndexOf(" ");
    const cut = newline > end / 2 ? newline + 1 : space > end / 2 ? space + 1 : end;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut);
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}
