// Zalo through the Telegram bot: the bot's features are written against the Telegram Bot API, and Zalo's Bot API is
// a small copy of it without buttons, edits or uploads. So instead of a second bot, Zalo chats ("zalo:<id>", see
// ../address.ts) get a gateway: an API transformer answers the bot's Telegram calls for them with Zalo calls, and
// Zalo updates are turned into Telegram updates. Buttons become numbered lines the person answers by typing the
// number, which comes back to the bot as the button press; edits become new messages; files become a note.
import type { ApiResponse, InlineKeyboardButton, Message, Update } from "grammy/types";
import type { PrismaClient } from "../../db/database.ts";
import { isLang, tFor, type Lang } from "../../i18n/i18n.ts";
import { channelOf, zaloChatId } from "../address.ts";
import { ZaloApiError, type ZaloApi } from "./api.ts";
import { photoUrlOf, type ZaloUpdate } from "./update.ts";

type Payload = Record<string, unknown>;

/** The buttons of the newest bot message in a chat: a typed number presses one of them. */
interface ShownKeyboard {
  messageId: number;
  text: string;
  buttons: { label: string; data?: string; url?: string }[];
}

const KEYCAPS = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟"];
/** Enough to recognise an edit of a recent message; older ones are simply sent anew. */
const REMEMBERED_TEXTS = 2_000;
/** Methods that only shape Telegram's own interface (command menus, menu button) have nothing to do on Zalo. */
const NOTHING_TO_DO = new Set(["setMyCommands", "deleteMyCommands", "setChatMenuButton", "deleteMessage", "editMessageReplyMarkup", "setMessageReaction"]);

export class ZaloGateway {
  private readonly texts = new Map<number, string>();
  /** Which chat a synthesized button press came from, until the bot answers it. */
  private readonly callbackChats = new Map<string, string>();
  /** Message ids only have to be unique per chat and grow; starting from the clock keeps them growing across restarts. */
  private nextMessageId = Date.now();
  private nextUpdateId = 1;

  constructor(
    readonly api: ZaloApi,
    private readonly prisma: PrismaClient,
  ) {}

  /**
   * The bot's HTTP client (grammY's `client.fetch`): Zalo chats' calls are answered here, the rest go on to Telegram.
   * It sits below every API transformer, so conversations record and replay Zalo calls like Telegram ones instead
   * of sending them again on each replay.
   */
  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    const method = url.slice(url.lastIndexOf("/") + 1);
    const { payload, body } = await readBody(init);
    if (isZaloCall(payload)) {
      return new Response(JSON.stringify(await this.call(method, payload)), { headers: { "content-type": "application/json" } });
    }
    // grammY hands over its own AbortSignal polyfill; the platform's fetch wants a real one.
    const abort = new AbortController();
    const signal = init.signal as AbortSignal | undefined;
    if (signal?.aborted) abort.abort();
    signal?.addEventListener?.("abort", () => abort.abort());
    // The platform's fetch manages connections itself and refuses a "connection" header, which grammY sets.
    const headers = new Headers(init.headers);
    headers.delete("connection");
    return fetch(url, { method: init.method, headers, body, signal: abort.signal });
  };

  /** A Zalo update as the Telegram update the bot understands, or null for what the bot ignores (groups). */
  async toTelegramUpdate(update: ZaloUpdate): Promise<Update | null> {
    const m = update.message;
    if (m.chat.chat_type !== "PRIVATE" || m.from.is_bot) return null;
    const chatId = zaloChatId(m.chat.id);
    const name = m.from.display_name?.trim() || "Zalo";
    // Zalo ids are not numbers; grammY passes them through untouched.
    const from = { id: zaloChatId(m.from.id) as unknown as number, is_bot: false, first_name: name };
    const chat = { id: chatId as unknown as number, type: "private" as const, first_name: name };
    const base = { message_id: this.nextMessageId++, date: Math.floor(m.date / 1000), chat, from };
    const update_id = this.nextUpdateId++;

    const text = m.text?.trim();
    const shown = text === undefined ? null : await this.shownKeyboard(chatId);
    const pressed = shown && text !== undefined ? buttonFor(shown, text) : undefined;
    if (shown && pressed) {
      const id = zaloChatId(`${update_id}-${m.message_id}`);
      this.callbackChats.set(id, chatId);
      if (this.callbackChats.size > REMEMBERED_TEXTS) this.callbackChats.delete(this.callbackChats.keys().next().value!);
      return {
        update_id,
        callback_query: {
          id,
          from,
          chat_instance: chatId,
          data: pressed,
          message: { message_id: shown.messageId, date: base.date, chat, text: shown.text } as Message,
        },
      };
    }
    let message: Payload;
    if (m.text !== undefined) {
      const command = /^\/[A-Za-z0-9_]+/.exec(m.text)?.[0];
      message = { ...base, text: m.text, ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command.length }] } : {}) };
    } else if (photoUrlOf(m)) {
      const url = photoUrlOf(m)!;
      message = { ...base, photo: [{ file_id: url, file_unique_id: m.message_id, width: 0, height: 0 }], ...(m.caption ? { caption: m.caption } : {}) };
    } else if (m.sticker) {
      message = { ...base, sticker: { file_id: m.sticker, file_unique_id: m.sticker, type: "regular", width: 512, height: 512, is_animated: false, is_video: false } };
    } else if (m.voice_url) {
      message = { ...base, voice: { file_id: m.voice_url, file_unique_id: m.message_id, duration: 0 } };
    } else {
      // message.unsupported.received: Zalo withheld the content. The bot sees a message it cannot read.
      message = { ...base, has_media_spoiler: false };
    }
    return { update_id, message: message as unknown as Message } as Update;
  }

  /**
   * The buttons on a chat's newest message are kept in the database, not in memory: with several bot instances the
   * person's typed number may reach another instance than the one that showed the buttons.
   */
  private async shownKeyboard(chatId: string): Promise<ShownKeyboard | null> {
    const row = await this.prisma.conversationState.findUnique({ where: { key: keyboardKey(chatId) } });
    return row ? (JSON.parse(row.value) as ShownKeyboard) : null;
  }

  /** Calls for one chat, one after another: the buttons remembered must be those of the message the person saw last. */
  private readonly chatQueues = new Map<string, Promise<unknown>>();

  private inChatOrder<R>(chatId: string, work: () => Promise<R>): Promise<R> {
    const previous = this.chatQueues.get(chatId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.chatQueues.set(chatId, next);
    void next.catch(() => undefined).finally(() => {
      if (this.chatQueues.get(chatId) === next) this.chatQueues.delete(chatId);
    });
    return next;
  }

  async call(method: string, p: Payload): Promise<ApiResponse<unknown>> {
    try {
      return { ok: true, result: await this.inChatOrder(String(p.chat_id ?? ""), () => this.perform(method, p)) };
    } catch (error) {
      if (!(error instanceof ZaloApiError)) throw error;
      // Zalo's 429 is the plan's monthly quota, not a flood wait: a long retry_after makes the API policy give up at once.
      if (error.quotaExceeded) return { ok: false, error_code: 429, description: `Zalo: ${error.description}`, parameters: { retry_after: 3600 } };
      // Zalo's 403 means an internal error, not "blocked": it must not mark the person unreachable.
      const code = error.errorCode === 400 ? 400 : 502;
      return { ok: false, error_code: code, description: `Zalo ${error.errorCode}: ${error.description}` };
    }
  }

  private async perform(method: string, p: Payload): Promise<unknown> {
    if (NOTHING_TO_DO.has(method)) return true;
    const chatId = String(p.chat_id ?? "");
    switch (method) {
      case "sendMessage":
        return this.send(chatId, plain(String(p.text ?? ""), p.parse_mode), p.reply_markup);
      case "editMessageText":
        return this.edit(chatId, Number(p.message_id), plain(String(p.text ?? ""), p.parse_mode), p.reply_markup);
      case "answerCallbackQuery": {
        // Telegram shows this text as a toast; Zalo can only say it as a message.
        const chat = this.callbackChats.get(String(p.callback_query_id));
        this.callbackChats.delete(String(p.callback_query_id));
        if (chat && typeof p.text === "string" && p.text) await this.api.sendMessage(channelOf(chat).externalId, p.text);
        return true;
      }
      case "sendChatAction":
        await this.api.sendChatAction(channelOf(chatId).externalId, p.action === "upload_photo" ? "upload_photo" : "typing");
        return true;
      case "sendPhoto":
      case "sendDocument":
        return this.sendFile(chatId, method === "sendPhoto" ? p.photo : p.document, typeof p.caption === "string" ? plain(p.caption, p.parse_mode) : "");
      default:
        throw new ZaloApiError(method, 400, "method not available on Zalo");
    }
  }

  private async send(chatId: string, text: string, markup: unknown): Promise<Message> {
    const shown = buttonsOf(markup);
    const messageId = this.nextMessageId++;
    // Remembered before it is sent: the person's typed answer may come back before the send call returns.
    await this.remember(chatId, messageId, text, shown);
    await this.api.sendMessage(channelOf(chatId).externalId, await this.withButtons(chatId, text, shown));
    return this.message(chatId, messageId, text);
  }

  private async withButtons(chatId: string, text: string, shown: ShownKeyboard["buttons"]): Promise<string> {
    if (shown.length === 0) return text;
    const hint = shown.some((b) => b.data) ? `\n\n${tFor(await this.langOf(chatId))("zalo.reply_with_number")}` : "";
    return `${text}\n\n${renderButtons(shown)}${hint}`;
  }

  private async edit(chatId: string, messageId: number, text: string, markup: unknown): Promise<Message> {
    const shown = buttonsOf(markup);
    const before = this.texts.get(messageId) ?? (await this.shownKeyboard(chatId).then((k) => (k?.messageId === messageId ? k.text : undefined)));
    // Closing a question's buttons ("question → answer") repeats what the person just did: nothing to send.
    const closing = shown.length === 0 && before !== undefined && text.startsWith(before);
    await this.remember(chatId, messageId, text, shown);
    if (!closing) await this.api.sendMessage(channelOf(chatId).externalId, await this.withButtons(chatId, text, shown));
    return this.message(chatId, messageId, text);
  }

  private async sendFile(chatId: string, file: unknown, caption: string): Promise<Message> {
    const target = channelOf(chatId).externalId;
    if (typeof file === "string" && /^https:\/\//.test(file)) {
      await this.api.sendPhoto(target, file, caption || undefined);
    } else {
      // Zalo takes photos by public URL only and no documents at all.
      const note = tFor(await this.langOf(chatId))("zalo.file_unavailable");
      await this.api.sendMessage(target, caption ? `${caption}\n\n${note}` : note);
    }
    const messageId = this.nextMessageId++;
    await this.remember(chatId, messageId, caption, []);
    return this.message(chatId, messageId, caption);
  }

  private async remember(chatId: string, messageId: number, text: string, buttons: ShownKeyboard["buttons"]) {
    this.texts.set(messageId, text);
    if (this.texts.size > REMEMBERED_TEXTS) this.texts.delete(this.texts.keys().next().value!);
    // Only the newest message's buttons can be answered by number; a message without buttons ends them, so a
    // number typed for a later question ("how many were admitted?") stays a number.
    const key = keyboardKey(chatId);
    if (buttons.some((b) => b.data)) {
      const value = JSON.stringify({ messageId, text, buttons } satisfies ShownKeyboard);
      await this.prisma.conversationState.upsert({ where: { key }, create: { key, value }, update: { value } });
    } else await this.prisma.conversationState.deleteMany({ where: { key } });
  }

  private message(chatId: string, messageId: number, text: string): Message {
    return { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: chatId as unknown as number, type: "private", first_name: "" }, text } as Message;
  }

  /** Read each time, not kept: the person may switch with /language at any moment. */
  private async langOf(chatId: string): Promise<Lang> {
    const identity = await this.prisma.chatIdentity.findFirst({ where: { channel: "ZALO", chatId }, select: { person: { select: { language: true } } } });
    return identity && isLang(identity.person.language) ? identity.person.language : "vi";
  }
}

const keyboardKey = (chatId: string) => `zalo-buttons:${chatId}`;

/** The callback data of the button a typed number (or label) picks, if any. */
function buttonFor(shown: ShownKeyboard, text: string): string | undefined {
  const n = /^\d{1,2}$/.test(text) ? Number(text) : NaN;
  const button = shown.buttons.filter((b) => b.data)[n - 1] ?? shown.buttons.find((b) => b.data && b.label.toLocaleLowerCase("vi") === text.toLocaleLowerCase("vi"));
  return button?.data;
}

/** The call's parameters, and its body in a form that can still be sent on (multipart streams are read once). */
async function readBody(init: RequestInit): Promise<{ payload: Payload; body: string | Buffer | undefined }> {
  const raw = init.body as unknown;
  if (raw === undefined || raw === null) return { payload: {}, body: undefined };
  if (typeof raw === "string") return { payload: JSON.parse(raw) as Payload, body: raw };
  const chunks: Buffer[] = [];
  for await (const chunk of raw as AsyncIterable<Uint8Array | string>) chunks.push(Buffer.from(chunk));
  const body = Buffer.concat(chunks);
  const boundary = /boundary=(.+)$/.exec(new Headers(init.headers).get("content-type") ?? "")?.[1];
  return { payload: boundary ? formFields(body.toString("latin1"), boundary) : {}, body };
}

/** The text fields of a multipart body (files are skipped): all the gateway needs to know where a call goes. */
function formFields(body: string, boundary: string): Payload {
  const payload: Payload = {};
  for (const part of body.split(`--${boundary}`)) {
    const match = /^\r\ncontent-disposition:\s*form-data;\s*name="([^"]+)"\r\n\r\n([\s\S]*)\r\n$/i.exec(part);
    if (!match) continue;
    // latin1 kept the bytes; turn them back into UTF-8 text. grammY sends objects as JSON text in the form.
    const value = Buffer.from(match[2]!, "latin1").toString("utf8");
    payload[match[1]!] = /^[[{]/.test(value) ? safeJson(value) : value;
  }
  return payload;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A call for a Zalo chat: its chat id (or a command scope's, or a callback query's id) is a Zalo one. */
function isZaloCall(p: Payload): boolean {
  const scope = p.scope as { chat_id?: unknown } | undefined;
  const id = p.chat_id ?? scope?.chat_id ?? p.callback_query_id;
  return id !== undefined && channelOf(String(id)).channel === "ZALO";
}

function buttonsOf(markup: unknown): ShownKeyboard["buttons"] {
  const rows = (markup as { inline_keyboard?: InlineKeyboardButton[][] } | undefined)?.inline_keyboard ?? [];
  return rows.flat().flatMap((b): ShownKeyboard["buttons"] => {
    if ("callback_data" in b && b.callback_data) return [{ label: b.text, data: b.callback_data }];
    if ("url" in b && b.url) return [{ label: b.text, url: b.url }];
    return [];
  });
}

function renderButtons(buttons: ShownKeyboard["buttons"]): string {
  let n = 0;
  return buttons
    .map((b) => {
      if (b.url) return `🔗 ${b.label}: ${b.url}`;
      n++;
      return `${KEYCAPS[n - 1] ?? `${n}.`} ${b.label}`;
    })
    .join("\n");
}

/** Zalo shows plain text reliably; formatting is newer and not everywhere, so markup is removed. */
export function plain(text: string, parseMode: unknown): string {
  if (parseMode === "HTML") {
    return text
      .replace(/<a\s+href="([^"]*)"[^>]*>(.*?)<\/a>/gis, "$2 ($1)")
      .replace(/<br\s*\/?>/gi, "\n")
      .replace(/<[^>]+>/g, "")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, "&");
  }
  if (parseMode === "MarkdownV2") return text.replace(/\\([_*[\]()~`>#+\-=|{}.!\\])/g, "$1");
  return text;
}
