/**
 * A fake Telegram Bot API server for end-to-end tests.
 *
 * The bot under test talks to it exactly as to a self-hosted Bot API server
 * (`new Bot(token, { client: { apiRoot: fake.apiRoot } })`), so the real grammY
 * client, runner, plugins and error handling are exercised. Tests play the user
 * side with `sendText`/`pressButton`/... and assert on what the bot sent.
 *
 * Behaviour follows the real Bot API closely where bots commonly get it wrong:
 * HTML/MarkdownV2 parsing errors, 64-byte callback_data, "message is not
 * modified", editMessageText dropping the inline keyboard when reply_markup is
 * omitted, 409 for two concurrent pollers, 403 for blocked users, 429 limits.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type {
  BotCommand,
  Chat,
  Document,
  File,
  InlineKeyboardButton,
  InlineKeyboardMarkup,
  Message,
  MessageEntity,
  PhotoSize,
  ResponseParameters,
  Update,
  User,
  UserFromGetMe,
  WebhookInfo,
} from "grammy/types";

// ---------------------------------------------------------------------------
// Public types

export type Payload = Record<string, unknown>;

/** The user a test plays. Missing fields get realistic defaults. */
export interface TestUser {
  id: number;
  first_name?: string;
  last_name?: string;
  username?: string;
  /** Defaults to "vi"; pass `language_code: undefined` explicitly to omit it. */
  language_code?: string;
}

/** A chat id, or anything with an `id` (a TestUser, a Chat). */
export type ChatRef = number | string | { id: number | string };

/** A bot message to press a button on: `{ message_id, chat_id }` or a Message. */
export type MessageRef = { message_id: number; chat_id: number | string } | { message_id: number; chat: { id: number } };

export type ApiResponse =
  | { ok: true; result: unknown }
  | { ok: false; error_code: number; description: string; parameters?: ResponseParameters };

export interface RecordedCall {
  /** Position in `calls`; usable as a `since` mark. */
  index: number;
  method: string;
  /** Decoded request parameters (multipart fields JSON-decoded, files as UploadedFile). */
  payload: Payload;
  /** Arrival time, ms since epoch. */
  at: number;
  /** HTTP status that was returned. */
  status: number;
  response: ApiResponse;
  /** For message-producing methods (send*, copyMessage, edit*): the message as it became. */
  message?: Message;
}

/** A file part of a multipart request. */
export class UploadedFile {
  constructor(
    readonly filename: string,
    readonly contentType: string,
    readonly data: Buffer,
  ) {}
  get size(): number {
    return this.data.length;
  }
  /** Keeps recorded payloads printable. */
  toJSON(): { filename: string; contentType: string; size: number } {
    return { filename: this.filename, contentType: this.contentType, size: this.size };
  }
}

export interface UploadRecord {
  method: string;
  chatId: string;
  /** Payload key the file was given under, e.g. "photo" or "document". */
  field: string;
  source: "upload" | "file_id" | "url";
  filename?: string;
  /** Effective MIME type (from the part header, or guessed from the file name). */
  mimeType?: string;
  size: number;
  data?: Buffer;
  /** file_id the fake assigned (or the one that was re-sent). */
  file_id: string;
}

export interface FailSpec {
  error_code: number;
  /** Defaults per code, e.g. "Too Many Requests: retry after N" for 429. */
  description?: string;
  /** Seconds; sent as `parameters.retry_after` (defaults to 1 for 429). */
  retry_after?: number;
  /** How many matching calls fail (default 1). */
  times?: number;
  /** Only calls whose chat_id matches. */
  chatId?: number | string;
  /**
   * Answer with an HTML error page and the error's HTTP status instead of the Bot API's JSON, as a proxy or load
   * balancer in front of the Bot API does when it fails (e.g. nginx's "502 Bad Gateway").
   */
  html?: boolean;
}

export interface FakeTelegramOptions {
  token?: string;
  botUsername?: string;
  /** Enforce flood limits on message-sending methods (default false). */
  enforceLimits?: boolean;
  /** Messages per sliding second over all chats (default 30). */
  globalPerSecond?: number;
  /** Messages per sliding second per chat (default 1). */
  perChatPerSecond?: number;
  /** Like `telegram-bot-api --local`: webhooks may use plain HTTP and local addresses (default false). */
  local?: boolean;
}

/** Throw from a `stub()` handler to answer with a Telegram error. */
export class TelegramError extends Error {
  constructor(
    readonly error_code: number,
    readonly description: string,
    readonly parameters?: ResponseParameters,
  ) {
    super(description);
  }
}

/** A fault answered as an HTML page (FailSpec.html). */
class HtmlFault extends TelegramError {}

export type StubHandler = (payload: Payload) => unknown;

export type MessageUpdate = Update & { message: Message & Update.NonChannel };

// ---------------------------------------------------------------------------
// Internal types and constants

interface ChatState {
  key: string;
  chat: Chat;
  nextMessageId: number;
  /** Messages from both sides, by id; objects are replaced (never mutated) on edit. */
  messages: Map<number, Message>;
  blocked: boolean;
  chatInstance: string;
}

interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_path: string;
  size: number;
  data?: Buffer;
}

interface PendingPoll {
  limit: number;
  /** `mark()` when the poll arrived: tells a restarted bot's poll from the one its killed predecessor left. */
  arrivedAt: number;
  finish(outcome: Update[] | Error): void;
}

interface Waiter {
  /** Returns true once settled. */
  check(): boolean;
  fail(err: Error): void;
}

type Handler = (payload: Payload, signal: AbortSignal) => unknown;

// Captured at import so tests using vi.useFakeTimers() don't freeze the server's own waits.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const realSetImmediate = globalThis.setImmediate;

const DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk";

/** Methods that create a message; these count for flood limits and `deliveredTo`. */
const SENDING = new Set(["sendMessage", "sendPhoto", "sendDocument", "copyMessage"]);
/** What `nextMessageTo` reports: everything that changes what the user sees as a new/changed message. */
const VISIBLE = new Set(["sendMessage", "sendPhoto", "sendDocument", "copyMessage", "editMessageText"]);
/** Telegram leaves these out unless asked for explicitly. */
const NOT_DEFAULT_UPDATES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);
const CHAT_ACTIONS = new Set([
  "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
  "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
]);
/** Multipart fields are strings; these are numbers in the Bot API (ids like callback_query_id stay strings). */
const NUMERIC_FIELDS = new Set([
  "chat_id", "from_chat_id", "message_id", "message_thread_id", "reply_to_message_id", "user_id",
  "offset", "limit", "timeout", "duration", "width", "height", "max_connections", "cache_time", "until_date",
]);
const BOOLEAN_FIELD = /^(disable_|protect_|allow_|has_|show_|is_|supports_|drop_)/;
const NOT_MODIFIED =
  "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";
const MIME_BY_EXT: Record<string, string> = {
  png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp",
  pdf: "application/pdf", txt: "text/plain", csv: "text/csv", json: "application/json", zip: "application/zip",
  doc: "application/msword", xls: "application/vnd.ms-excel",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

// ---------------------------------------------------------------------------
// The server

export class FakeTelegram {
  readonly token: string;
  readonly botInfo: UserFromGetMe;
  /** Every request, in the order responses were produced. */
  readonly calls: RecordedCall[] = [];
  /** Every file the bot sent (uploaded, or re-sent by file_id/URL). */
  readonly uploads: UploadRecord[] = [];
  readonly stats = { rejected429: 0, sent: 0 };

  private readonly server: Server;
  private readonly enforceLimits: boolean;
  private readonly globalPerSecond: number;
  private readonly perChatPerSecond: number;

  private readonly chats = new Map<string, ChatState>();
  private readonly users = new Map<number, User>();
  private readonly files = new Map<string, StoredFile>();
  private readonly filesByPath = new Map<string, StoredFile>();
  private readonly delivered = new Map<string, Message[]>();
  private readonly callbackQueries = new Map<string, { answered: boolean }>();
  private readonly commands = new Map<string, BotCommand[]>();
  private readonly stubs = new Map<string, StubHandler>();
  private readonly readCursors = new Map<string, number>();
  private readonly waiters = new Set<Waiter>();
  private faults: Array<FailSpec & { method: string; remaining: number }> = [];

  private queue: Update[] = [];
  private nextUpdateId = 700_000_001;
  /** Every update_id below this has left the queue (confirmed via offset or dropped). */
  private confirmedOffset = 0;
  private readonly dropped = new Map<number, string>();
  private allowedUpdates: string[] = [];
  private webhook: { url: string; secret?: string; max_connections?: number; allowed_updates?: string[] } | undefined;
  /** Webhook posts in flight: their update ids, and their chats (one post per chat at a time). */
  private readonly pushingIds = new Set<number>();
  private readonly pushingChats = new Set<string>();
  private readonly local: boolean;
  private poll: PendingPoll | undefined;
  private fileCounter = 0;
  private closed = false;

  private readonly sendTimes: number[] = [];
  private readonly chatSendTimes = new Map<string, number[]>();

  private constructor(options: FakeTelegramOptions) {
    this.token = options.token ?? DEFAULT_TOKEN;
    const botId = Number(this.token.split(":")[0]);
    this.botInfo = {
      id: Number.isSafeInteger(botId) && botId > 0 ? botId : 123456789,
      is_bot: true,
      first_name: "Test Bot",
      username: options.botUsername ?? "congdoan_test_bot",
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    };
    this.enforceLimits = options.enforceLimits ?? false;
    this.globalPerSecond = options.globalPerSecond ?? 30;
    this.perChatPerSecond = options.perChatPerSecond ?? 1;
    this.local = options.local ?? false;
    this.server = createServer((req, res) => {
      this.onRequest(req, res).catch((err: unknown) => {
        // Last resort: a bug in the fake should surface as a readable 500, not a hung request.
        if (!res.headersSent) sendJson(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(err)}` });
      });
    });
  }

  static async start(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
    const fake = new FakeTelegram(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once("error", reject);
      fake.server.listen(0, "127.0.0.1", () => resolve());
    });
    return fake;
  }

  get apiRoot(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answers a pending long poll, rejects pending waits, and drops keep-alive sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.poll?.finish([]);
    for (const w of [...this.waiters]) w.fail(new Error("FakeTelegram was closed while waiting"));
    this.waiters.clear();
    await new Promise((resolve) => realSetImmediate(resolve)); // let that last poll answer go out
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // grammY uses a keep-alive agent; without this close() would wait for idle sockets to time out.
      this.server.closeAllConnections();
    });
  }

  // -------------------------------------------------------------------------
  // Inspecting what the bot did

  /** Current call count; pass it as `since` to only look at later calls. */
  mark(): number {
    return this.calls.length;
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** The bot's messages in a chat as the user sees them now: edits applied, deleted ones gone. */
  messagesTo(chat: ChatRef): Message[] {
    const state = this.chats.get(chatKey(chat));
    if (!state) return [];
    return [...state.messages.values()].filter((m) => m.from?.id === this.botInfo.id).map((m) => structuredClone(m));
  }

  lastMessageTo(chat: ChatRef): Message | undefined {
    return this.messagesTo(chat).at(-1);
  }

  /** Every message successfully sent to a chat, as sent (ignores later edits/deletes). */
  deliveredTo(chat: ChatRef): Message[] {
    return (this.delivered.get(chatKey(chat)) ?? []).map((m) => structuredClone(m));
  }

  /** Commands set via setMyCommands for a scope/language (default scope, no language). */
  commandsFor(scope: Record<string, unknown> = { type: "default" }, languageCode = ""): BotCommand[] {
    return structuredClone(this.commands.get(commandsKey(scope, languageCode)) ?? []);
  }

  // -------------------------------------------------------------------------
  // Waiting (no sleeps needed in tests)

  /** Resolves with the first call at index >= `since` (default 0: all calls so far) matching the predicate. */
  waitForCall(predicate: (call: RecordedCall) => boolean, timeoutMs = 5000, since = 0): Promise<RecordedCall> {
    let cursor = since;
    return this.waitFor(
      () => {
        for (; cursor < this.calls.length; cursor++) {
          const call = this.calls[cursor]!;
          if (predicate(call)) return call;
        }
        return undefined;
      },
      timeoutMs,
      () => `waitForCall(${oneLine(predicate.toString(), 120)}) since #${since}`,
    );
  }

  /**
   * Resolves with the next message the bot sent to (or edited in, via editMessageText) the chat.
   * Without `since`, each call continues after the message the previous call for that chat returned,
   * so consecutive calls walk through the conversation without races.
   */
  nextMessageTo(chat: ChatRef, options: { since?: number; timeoutMs?: number } = {}): Promise<Message> {
    const key = chatKey(chat);
    let cursor = options.since ?? this.readCursors.get(key) ?? 0;
    const start = cursor;
    return this.waitFor(
      () => {
        for (; cursor < this.calls.length; cursor++) {
          const call = this.calls[cursor]!;
          if (VISIBLE.has(call.method) && call.message && String(call.message.chat.id) === key) {
            this.readCursors.set(key, cursor + 1);
            return structuredClone(call.message);
          }
        }
        return undefined;
      },
      options.timeoutMs ?? 5000,
      () => `nextMessageTo(${key}) since #${start}`,
    );
  }

  /** Resolves once the bot has confirmed the update (a getUpdates offset beyond it). */
  waitUntilConsumed(update: Update | number, timeoutMs = 5000): Promise<void> {
    const id = typeof update === "number" ? update : update.update_id;
    return this.waitFor(
      () => {
        const reason = this.dropped.get(id);
        if (reason !== undefined) throw new Error(`update ${id} will never be consumed: ${reason}`);
        return this.confirmedOffset > id ? true : undefined;
      },
      timeoutMs,
      () => `waitUntilConsumed(${id})`,
    ).then(() => undefined);
  }

  /** Update ids the bot has confirmed so far. */
  updateIdsConsumed(): number[] {
    const ids: number[] = [];
    for (let id = 700_000_001; id < Math.min(this.confirmedOffset, this.nextUpdateId); id++) {
      if (!this.dropped.has(id)) ids.push(id);
    }
    return ids;
  }

  /**
   * Resolves once a getUpdates long poll is waiting, i.e. the bot is up and idle. With `since` (a `mark()` taken
   * before starting a bot): a poll made after a call recorded since then (a starting bot calls getMe and
   * setMyCommands first), or a getUpdates answered since then, so a killed predecessor's poll does not count.
   * Waiting for a recorded getUpdates alone would wait out the long poll's 30 s when nothing is queued.
   */
  waitForPoll(timeoutMs = 5000, since?: number): Promise<void> {
    const polled = () => {
      if (since === undefined) return this.poll ? true : undefined;
      if (this.poll && this.poll.arrivedAt > since) return true;
      return this.calls.some((c) => c.index >= since && c.method === "getUpdates") ? true : undefined;
    };
    return this.waitFor(polled, timeoutMs, () => `waitForPoll(${since ?? ""})`).then(() => undefined);
  }

  /** Resolves with the answerCallbackQuery call for a query id (from `pressButton`). */
  waitForCallbackAnswer(callbackQueryId: string, timeoutMs = 5000): Promise<RecordedCall> {
    return this.waitForCall(
      (c) => c.method === "answerCallbackQuery" && c.response.ok && c.payload.callback_query_id === callbackQueryId,
      timeoutMs,
    );
  }

  // -------------------------------------------------------------------------
  // Playing the user

  sendText(user: TestUser, text: string): MessageUpdate {
    const command = /^\/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?/.exec(text);
    // Telegram marks a leading /command so grammY's bot.command() matches.
    const entities: MessageEntity[] = command ? [{ type: "bot_command", offset: 0, length: command[0].length }] : [];
    return this.injectMessage(user, { text, ...(entities.length ? { entities } : {}) });
  }

  sendSticker(user: TestUser): MessageUpdate {
    const file = this.registerFile("stickers", "webp", Buffer.from("RIFF\0\0\0\0WEBPVP8 fake sticker"));
    return this.injectMessage(user, {
      sticker: {
        file_id: file.file_id, file_unique_id: file.file_unique_id, type: "regular",
        width: 512, height: 512, is_animated: false, is_video: false,
        emoji: "👍", set_name: "TestStickers", file_size: file.size,
      },
    });
  }

  sendPhoto(user: TestUser, caption?: string): MessageUpdate {
    const bytes = fakeJpeg();
    return this.injectMessage(user, {
      photo: this.photoSizes(bytes, 1280, 960),
      ...(caption !== undefined ? { caption } : {}),
    });
  }

  /** Shares a contact; pass `user_id: user.id` for "share my own number" (request_contact). */
  sendContact(
    user: TestUser,
    contact: { phone_number: string; user_id?: number; first_name?: string; last_name?: string },
  ): MessageUpdate {
    const from = this.registerUser(user);
    return this.injectMessage(user, {
      contact: {
        phone_number: contact.phone_number,
        first_name: contact.first_name ?? from.first_name,
        ...(contact.last_name !== undefined ? { last_name: contact.last_name } : {}),
        ...(contact.user_id !== undefined ? { user_id: contact.user_id } : {}),
      },
    });
  }

  /** Sends a file; the bot can fetch it via getFile + GET /file/bot<token>/<file_path>. */
  sendDocument(
    user: TestUser,
    doc: { file_name: string; mime_type: string; content: Buffer; caption?: string },
  ): MessageUpdate {
    const file = this.registerFile("documents", extOf(doc.file_name) || "dat", doc.content);
    const document: Document = {
      file_id: file.file_id, file_unique_id: file.file_unique_id,
      file_name: doc.file_name, mime_type: doc.mime_type, file_size: file.size,
    };
    return this.injectMessage(user, { document, ...(doc.caption !== undefined ? { caption: doc.caption } : {}) });
  }

  /**
   * Presses an inline button on a bot message. Throws if the message is gone or has no button with
   * that callback_data (a real client can't do that) unless `allowUnknownData` (e.g. forged data tests).
   * Returns the update plus `callbackQueryId` for asserting answerCallbackQuery.
   */
  pressButton(
    user: TestUser,
    message: MessageRef,
    data: string,
    options: { allowUnknownData?: boolean } = {},
  ): Update & { callbackQueryId: string } {
    const chatId = "chat_id" in message ? message.chat_id : message.chat.id;
    const state = this.chats.get(String(chatId));
    const stored = state?.messages.get(message.message_id);
    if (!state || !stored) {
      throw new Error(`pressButton: message ${message.message_id} not found in chat ${chatId} (deleted or never sent?)`);
    }
    const available = (stored.reply_markup?.inline_keyboard ?? [])
      .flat()
      .flatMap((b) => ("callback_data" in b ? [b.callback_data] : []));
    if (!options.allowUnknownData && !available.includes(data)) {
      throw new Error(
        `pressButton: message ${message.message_id} has no button with callback_data ${JSON.stringify(data)}; ` +
          `available: ${JSON.stringify(available)}`,
      );
    }
    const from = this.registerUser(user);
    const id = randomDigits(19);
    this.callbackQueries.set(id, { answered: false });
    const update = this.enqueue({
      callback_query: { id, from, message: structuredClone(stored), chat_instance: state.chatInstance, data },
    });
    return { ...update, callbackQueryId: id };
  }

  /** The user blocks the bot: a my_chat_member update, then 403 for everything sent to that chat. */
  blockBot(user: TestUser): Update {
    const state = this.chatForUser(user);
    state.blocked = true;
    return this.memberUpdate(user, "member", "kicked");
  }

  /** The user restarts the bot after blocking it. */
  unblockBot(user: TestUser): Update {
    const state = this.chatForUser(user);
    state.blocked = false;
    return this.memberUpdate(user, "kicked", "member");
  }

  // -------------------------------------------------------------------------
  // Steering the server

  /** The next `times` calls to `method` ("*" = any) fail with this error. */
  failNext(method: string, spec: FailSpec): void {
    this.faults.push({ ...spec, method, remaining: spec.times ?? 1 });
  }

  /** Drops the faults still pending (all, or those for `method`): e.g. after `times: Infinity`. */
  clearFaults(method?: string): void {
    this.faults = method === undefined ? [] : this.faults.filter((f) => f.method !== method);
  }

  /**
   * Telegram sends an update again when it is not sure the bot got it: the same update_id, queued once more. Called
   * in the same tick as the first send, both arrive in one getUpdates batch.
   */
  repeat(update: Update): void {
    this.queue.push(structuredClone(update));
    realSetImmediate(() => (this.webhook ? this.pushWebhook() : this.flushPoll()));
  }

  /** Answer `method` with a custom handler (adds methods the fake lacks, or overrides one). */
  stub(method: string, handler: StubHandler): void {
    this.stubs.set(method, handler);
  }

  // -------------------------------------------------------------------------
  // HTTP plumbing

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch) return this.serveFile(res, fileMatch[1]!, decodeURIComponent(fileMatch[2]!));
    const apiMatch = /^\/bot([^/]*)\/([^/]*)\/?$/.exec(url.pathname);
    if (!apiMatch) return sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    const token = apiMatch[1]!;
    const method = this.canonicalMethod(apiMatch[2]!);

    // When the client goes away (grammY aborting a long poll on bot.stop()), nothing is answered or recorded.
    const abort = new AbortController();
    res.on("close", () => {
      if (!res.writableEnded) abort.abort();
    });

    let payload: Payload = {};
    let response: ApiResponse;
    let message: Message | undefined;
    let html = false;
    try {
      payload = { ...coerceFields(Object.fromEntries(url.searchParams)), ...(await readPayload(req)) };
      const outcome = await this.dispatch(token, method, payload, abort.signal);
      response = { ok: true, result: outcome.result };
      message = outcome.message;
    } catch (err) {
      if (abort.signal.aborted) return;
      const e = err instanceof TelegramError ? err : new TelegramError(500, `Internal Server Error: ${String(err)}`);
      html = e instanceof HtmlFault;
      response = {
        ok: false,
        error_code: e.error_code,
        description: e.description,
        ...(e.parameters ? { parameters: e.parameters } : {}),
      };
    }
    if (abort.signal.aborted) return;
    const status = response.ok ? 200 : response.error_code >= 400 && response.error_code < 600 ? response.error_code : 400;
    if (status === 429) this.stats.rejected429++;
    // Record before answering so a test awaiting the bot's API call already sees it.
    this.calls.push({ index: this.calls.length, method, payload, at, status, response, ...(message ? { message } : {}) });
    this.notify();
    if (html) return sendHtml(res, status, response.ok ? "" : response.description);
    sendJson(res, status, response);
  }

  private async dispatch(
    token: string,
    method: string,
    p: Payload,
    signal: AbortSignal,
  ): Promise<{ result: unknown; message?: Message }> {
    if (token !== this.token) throw new TelegramError(401, "Unauthorized");
    const handler = this.stubs.get(method) ?? this.handlers[method];
    if (!handler) throw new TelegramError(404, "Not Found: method not found");
    this.applyFault(method, p);
    const key = p.chat_id !== undefined ? String(p.chat_id) : undefined;
    if (key !== undefined && method !== "getChat" && this.chats.get(key)?.blocked) {
      throw new TelegramError(403, "Forbidden: bot was blocked by the user");
    }
    this.checkLimits(method, p, key);
    const result = await handler(p, signal);
    if (SENDING.has(method)) this.noteSent(key ?? "");
    return { result, ...this.messageOf(method, result, key) };
  }

  /** The message a call produced, for `RecordedCall.message` (copyMessage only returns an id). */
  private messageOf(method: string, result: unknown, key: string | undefined): { message?: Message } {
    if (method === "copyMessage" && key !== undefined) {
      const m = this.chats.get(this.resolveChat(key).key)?.messages.get((result as { message_id: number }).message_id);
      return m ? { message: m } : {};
    }
    const r = result as Partial<Message> | null;
    return r && typeof r === "object" && typeof r.message_id === "number" && r.chat ? { message: r as Message } : {};
  }

  private canonicalMethod(raw: string): string {
    // The Bot API matches method names case-insensitively.
    const lower = raw.toLowerCase();
    for (const name of [...this.stubs.keys(), ...Object.keys(this.handlers)]) {
      if (name.toLowerCase() === lower) return name;
    }
    return raw;
  }

  private serveFile(res: ServerResponse, token: string, path: string): void {
    const file = token === this.token ? this.filesByPath.get(path) : undefined;
    if (!file?.data) return sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": file.data.length });
    res.end(file.data);
  }

  private applyFault(method: string, p: Payload): void {
    const fault = this.faults.find(
      (f) => (f.method === "*" || f.method === method) && (f.chatId === undefined || String(f.chatId) === String(p.chat_id)),
    );
    if (!fault) return;
    if (--fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    const retryAfter = fault.retry_after ?? (fault.error_code === 429 ? 1 : undefined);
    throw new (fault.html ? HtmlFault : TelegramError)(
      fault.error_code,
      fault.description ?? defaultDescription(fault.error_code, retryAfter),
      retryAfter !== undefined ? { retry_after: retryAfter } : undefined,
    );
  }

  // -------------------------------------------------------------------------
  // Flood limits: sliding one-second windows of successful sends

  private checkLimits(method: string, p: Payload, key: string | undefined): void {
    if (!this.enforceLimits || !SENDING.has(method)) return;
    const now = Date.now();
    const globalLimit = p.allow_paid_broadcast === true ? 1000 : this.globalPerSecond;
    const waitMs = Math.max(
      msUntilFree(this.sendTimes, globalLimit, now),
      key !== undefined ? msUntilFree(this.chatSendTimes.get(key) ?? [], this.perChatPerSecond, now) : 0,
    );
    if (waitMs > 0) {
      const n = Math.max(1, Math.ceil(waitMs / 1000));
      throw new TelegramError(429, `Too Many Requests: retry after ${n}`, { retry_after: n });
    }
  }

  private noteSent(key: string): void {
    this.stats.sent++;
    const now = Date.now();
    this.sendTimes.push(now);
    const perChat = this.chatSendTimes.get(key) ?? [];
    perChat.push(now);
    this.chatSendTimes.set(key, perChat);
  }

  // -------------------------------------------------------------------------
  // Waiting machinery

  private waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = (): T | undefined => probe();
      try {
        const now = run();
        if (now !== undefined) return resolve(now);
      } catch (err) {
        return reject(err);
      }
      if (this.closed) return reject(new Error(`${what()}: FakeTelegram is closed`));
      const waiter: Waiter = {
        check: () => {
          let value: T | undefined;
          try {
            value = run();
          } catch (err) {
            waiter.fail(err as Error);
            return true;
          }
          if (value === undefined) return false;
          realClearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(value);
          return true;
        },
        fail: (err) => {
          realClearTimeout(timer);
          this.waiters.delete(waiter);
          reject(err);
        },
      };
      const timer = realSetTimeout(() => waiter.fail(new Error(`${what()} timed out after ${timeoutMs}ms.\n${this.describeState()}`)), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w.check();
  }

  /** What a failing test needs to see: the last calls and whether the bot is polling at all. */
  private describeState(): string {
    const recent = this.calls.slice(-10).map((c) => {
      const chat = c.payload.chat_id !== undefined ? ` chat_id=${String(c.payload.chat_id)}` : "";
      const outcome = c.response.ok ? "ok" : `${c.response.error_code} ${c.response.description}`;
      const text = c.payload.text ?? c.payload.caption ?? c.payload.data;
      const shown = typeof text === "string" ? ` "${oneLine(text, 80)}"` : "";
      const updates = c.method === "getUpdates" && c.response.ok ? ` -> ${(c.response.result as unknown[]).length} update(s)` : "";
      return `  #${c.index} ${c.method}${chat}${shown}${updates} [${outcome}]`;
    });
    return [
      `Last ${recent.length} of ${this.calls.length} calls:`,
      ...(recent.length ? recent : ["  (none — is the bot running with this apiRoot and token?)"]),
      `Updates queued for the bot: ${this.queue.length}; long poll pending: ${this.poll ? "yes" : "no"}`,
    ].join("\n");
  }

  // -------------------------------------------------------------------------
  // Updates

  private enqueue(body: Omit<Update, "update_id">): Update {
    const update = { update_id: this.nextUpdateId++, ...body } as Update;
    this.queue.push(update);
    // Deferred so several injections in the same tick arrive as one batch, like on Telegram.
    realSetImmediate(() => (this.webhook ? this.pushWebhook() : this.flushPoll()));
    return structuredClone(update);
  }

  /**
   * Webhook delivery, as Telegram does it: up to max_connections (default 40) posts at once, one chat's updates one
   * after another and in order, with the secret header; a 2xx confirms an update, anything else is retried after a
   * second, as Telegram keeps retrying a failing webhook (the chat's later updates wait behind it).
   */
  private pushWebhook(): void {
    while (this.webhook && !this.closed && this.pushingIds.size < (this.webhook.max_connections ?? 40)) {
      const update = this.deliverable(this.queue.length).find((u) => !this.pushingIds.has(u.update_id) && !this.pushingChats.has(webhookChatKey(u)));
      if (!update) return;
      const chat = webhookChatKey(update);
      this.pushingIds.add(update.update_id);
      this.pushingChats.add(chat);
      const { url, secret } = this.webhook;
      void fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(secret ? { "x-telegram-bot-api-secret-token": secret } : {}) },
        body: JSON.stringify(update),
      })
        .then(
          (r) => r.ok,
          () => false,
        )
        .then(async (ok) => {
          if (ok) this.confirmDelivered(update.update_id);
          else await new Promise((resolve) => realSetTimeout(resolve, 1000));
          this.pushingIds.delete(update.update_id);
          this.pushingChats.delete(chat);
          this.pushWebhook();
        });
    }
  }

  /** One webhook update confirmed: gone from the queue; the offset moves up to the oldest one still waiting. */
  private confirmDelivered(updateId: number): void {
    const index = this.queue.findIndex((u) => u.update_id === updateId);
    if (index >= 0) this.queue.splice(index, 1);
    const oldest = this.queue.reduce((min, u) => Math.min(min, u.update_id), this.nextUpdateId);
    this.confirmedOffset = Math.max(this.confirmedOffset, oldest);
    this.notify();
  }

  private flushPoll(): void {
    if (!this.poll) return;
    const ready = this.deliverable(this.poll.limit);
    if (ready.length > 0) this.poll.finish(ready);
  }

  /** Queue head the bot may see; drops updates excluded by allowed_updates (Telegram never delivers them). */
  private deliverable(limit: number): Update[] {
    this.queue = this.queue.filter((u) => {
      const type = Object.keys(u).find((k) => k !== "update_id") ?? "";
      const allowed = this.allowedUpdates.length ? this.allowedUpdates.includes(type) : !NOT_DEFAULT_UPDATES.has(type);
      if (!allowed) this.dropped.set(u.update_id, `allowed_updates ${JSON.stringify(this.allowedUpdates)} excludes "${type}"`);
      return allowed;
    });
    this.notify();
    return this.queue.slice(0, limit).map((u) => structuredClone(u));
  }

  /** Applies a getUpdates offset: everything below it is confirmed and forgotten. */
  private confirm(offset: number): void {
    if (offset > 0) {
      this.queue = this.queue.filter((u) => u.update_id >= offset);
      this.confirmedOffset = Math.max(this.confirmedOffset, offset);
    } else if (offset < 0) {
      // Negative offset: keep only the last |offset| updates.
      const forgotten = this.queue.slice(0, Math.max(0, this.queue.length + offset));
      this.queue = this.queue.slice(forgotten.length);
      const last = forgotten.at(-1);
      if (last) this.confirmedOffset = Math.max(this.confirmedOffset, last.update_id + 1);
    }
    this.notify();
  }

  private getUpdates(p: Payload, signal: AbortSignal): Update[] | Promise<Update[]> {
    if (this.webhook) {
      throw new TelegramError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    }
    const offset = asInt(p.offset) ?? 0;
    const limit = Math.min(100, Math.max(1, asInt(p.limit) ?? 100));
    const timeout = Math.max(0, asInt(p.timeout) ?? 0);
    // Telegram remembers allowed_updates until the next call that specifies it.
    if (Array.isArray(p.allowed_updates)) this.allowedUpdates = p.allowed_updates.map(String);
    this.confirm(offset);
    // Two pollers at once: the older request loses, as on Telegram (catches two running bot instances).
    this.poll?.finish(
      new TelegramError(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"),
    );
    const ready = this.deliverable(limit);
    if (ready.length > 0 || timeout === 0 || this.closed) return ready;
    const arrivedAt = this.mark();
    return new Promise<Update[]>((resolve, reject) => {
      const poll: PendingPoll = {
        limit,
        arrivedAt,
        finish: (outcome) => {
          realClearTimeout(timer);
          signal.removeEventListener("abort", onAbort);
          if (this.poll === poll) this.poll = undefined;
          if (outcome instanceof Error) reject(outcome);
          else resolve(outcome);
        },
      };
      const timer = realSetTimeout(() => poll.finish(this.deliverable(limit)), timeout * 1000);
      timer.unref();
      const onAbort = (): void => poll.finish(new Error("client aborted"));
      signal.addEventListener("abort", onAbort);
      this.poll = poll;
      this.notify();
    });
  }

  // -------------------------------------------------------------------------
  // Users, chats, files

  private registerUser(u: TestUser): User {
    const prev = this.users.get(u.id);
    const language = "language_code" in u ? u.language_code : (prev?.language_code ?? "vi");
    const lastName = u.last_name ?? prev?.last_name;
    const username = u.username ?? prev?.username;
    const user: User = {
      id: u.id,
      is_bot: false,
      first_name: u.first_name ?? prev?.first_name ?? "Test",
      ...(lastName !== undefined ? { last_name: lastName } : {}),
      ...(username !== undefined ? { username } : {}),
      ...(language !== undefined ? { language_code: language } : {}),
    };
    this.users.set(u.id, user);
    return user;
  }

  private chatForUser(u: TestUser): ChatState {
    const user = this.registerUser(u);
    const chat: Chat = {
      id: user.id,
      type: "private",
      first_name: user.first_name,
      ...(user.last_name !== undefined ? { last_name: user.last_name } : {}),
      ...(user.username !== undefined ? { username: user.username } : {}),
    };
    const state = this.chats.get(String(user.id));
    if (state) {
      state.chat = chat;
      return state;
    }
    return this.addChat(chat);
  }

  private addChat(chat: Chat): ChatState {
    const state: ChatState = {
      key: String(chat.id), chat, nextMessageId: 1, messages: new Map(), blocked: false, chatInstance: `-${randomDigits(19)}`,
    };
    this.chats.set(state.key, state);
    return state;
  }

  /** Chat for a bot-side chat_id; unknown numeric ids are created on the fly so unit-style tests stay simple. */
  private resolveChat(chatId: unknown): ChatState {
    if (chatId === undefined || chatId === null || chatId === "") throw bad("chat_id is empty");
    const key = String(chatId);
    const existing = this.chats.get(key);
    if (existing) return existing;
    if (!/^-?\d+$/.test(key)) throw bad("chat not found");
    const id = Number(key);
    const chat: Chat =
      id > 0
        ? { id, type: "private", first_name: this.users.get(id)?.first_name ?? "Test" }
        : id < -1_000_000_000_000
          ? { id, type: "supergroup", title: `Supergroup ${id}` }
          : { id, type: "group", title: `Group ${id}` };
    return this.addChat(chat);
  }

  private injectMessage(user: TestUser, content: Partial<Message>): MessageUpdate {
    const state = this.chatForUser(user);
    const message = {
      message_id: state.nextMessageId++,
      from: this.users.get(user.id)!,
      chat: state.chat,
      date: nowSeconds(),
      ...content,
    } as Message & Update.NonChannel;
    state.messages.set(message.message_id, message);
    return this.enqueue({ message: structuredClone(message) }) as MessageUpdate;
  }

  private memberUpdate(user: TestUser, from: "member" | "kicked", to: "member" | "kicked"): Update {
    const state = this.chatForUser(user);
    const bot: User = { id: this.botInfo.id, is_bot: true, first_name: this.botInfo.first_name, username: this.botInfo.username };
    const member = (status: "member" | "kicked") =>
      status === "member" ? { status, user: bot } : { status, user: bot, until_date: 0 };
    return this.enqueue({
      my_chat_member: {
        chat: state.chat,
        from: this.users.get(user.id)!,
        date: nowSeconds(),
        old_chat_member: member(from),
        new_chat_member: member(to),
      },
    });
  }

  private registerFile(dir: "photos" | "documents" | "stickers", ext: string, data: Buffer | undefined, size = data?.length ?? 0): StoredFile {
    const n = ++this.fileCounter;
    const prefix = dir === "photos" ? "AgACAgIAAxkBAAI" : dir === "documents" ? "BQACAgIAAxkBAAI" : "CAACAgIAAxkBAAI";
    const file: StoredFile = {
      file_id: `${prefix}${n.toString(36).padStart(4, "0")}${randomBytes(18).toString("base64url")}`,
      file_unique_id: `AQAD${n.toString(36).padStart(4, "0")}${randomBytes(3).toString("base64url")}`,
      file_path: `${dir}/file_${n}.${ext}`,
      size,
      ...(data ? { data } : {}),
    };
    this.files.set(file.file_id, file);
    this.filesByPath.set(file.file_path, file);
    return file;
  }

  /** Telegram stores a photo as several scaled sizes, the largest last. */
  private photoSizes(data: Buffer | undefined, width: number, height: number, size = data?.length ?? 0): PhotoSize[] {
    const scale = Math.min(1, 2560 / Math.max(width, height));
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const sizes: PhotoSize[] = [];
    for (const side of [90, 320, 800]) {
      if (side >= Math.max(w, h)) break;
      const f = side / Math.max(w, h);
      const file = this.registerFile("photos", "jpg", data, Math.max(1, Math.round(size * f * f)));
      sizes.push({ file_id: file.file_id, file_unique_id: file.file_unique_id, width: Math.round(w * f), height: Math.round(h * f), file_size: file.size });
    }
    const full = this.registerFile("photos", "jpg", data, size);
    sizes.push({ file_id: full.file_id, file_unique_id: full.file_unique_id, width: w, height: h, file_size: full.size });
    return sizes;
  }

  /** A file_id or URL string sent instead of an upload: known ids are reused, anything else is accepted. */
  private fileRef(method: string, field: "photo" | "document", chat: ChatState, value: unknown): { file: StoredFile; filename?: string; mimeType?: string } {
    if (typeof value !== "string" || value === "") throw bad(`there is no ${field} in the request`);
    const isUrl = /^https?:\/\//i.test(value);
    const file = this.files.get(value) ?? this.registerFile(field === "photo" ? "photos" : "documents", (isUrl && extOf(value)) || "dat", undefined);
    const filename = isUrl ? value.split(/[?#]/)[0]!.split("/").pop() || undefined : undefined;
    const mimeType = filename ? (MIME_BY_EXT[extOf(filename)] ?? "application/octet-stream") : undefined;
    this.uploads.push({
      method, chatId: chat.key, field, source: isUrl ? "url" : "file_id",
      ...(filename ? { filename } : {}), ...(mimeType ? { mimeType } : {}),
      size: file.size, ...(file.data ? { data: file.data } : {}), file_id: file.file_id,
    });
    return { file, ...(filename ? { filename } : {}), ...(mimeType ? { mimeType } : {}) };
  }

  private recordUpload(method: string, field: string, chat: ChatState, upload: UploadedFile, fileId: string): string {
    // grammY always sends application/octet-stream, so the name decides, as it does on Telegram.
    const mimeType =
      upload.contentType && upload.contentType !== "application/octet-stream"
        ? upload.contentType
        : (MIME_BY_EXT[extOf(upload.filename)] ?? "application/octet-stream");
    this.uploads.push({ method, chatId: chat.key, field, source: "upload", filename: upload.filename, mimeType, size: upload.size, data: upload.data, file_id: fileId });
    return mimeType;
  }

  // -------------------------------------------------------------------------
  // Message building shared by send/edit/copy

  private botFrom(): User {
    return { id: this.botInfo.id, is_bot: true, first_name: this.botInfo.first_name, username: this.botInfo.username };
  }

  private storeBotMessage(chat: ChatState, p: Payload, content: Partial<Message>): Message {
    const reply = this.replyTarget(chat, p);
    const markup = validateMarkup(p.reply_markup);
    const message = compact({
      message_id: chat.nextMessageId++,
      from: this.botFrom(),
      chat: chat.chat,
      date: nowSeconds(),
      ...content,
      ...(reply ? { reply_to_message: reply } : {}),
      ...(p.protect_content === true ? { has_protected_content: true } : {}),
      ...(markup ? { reply_markup: markup } : {}),
    }) as Message;
    chat.messages.set(message.message_id, message);
    const list = this.delivered.get(chat.key) ?? [];
    list.push(message);
    this.delivered.set(chat.key, list);
    return message;
  }

  private replyTarget(chat: ChatState, p: Payload): Message | undefined {
    const params = (p.reply_parameters ?? {}) as { message_id?: unknown; allow_sending_without_reply?: unknown };
    const id = asInt(params.message_id) ?? asInt(p.reply_to_message_id);
    if (id === undefined) return undefined;
    const target = chat.messages.get(id);
    if (!target && params.allow_sending_without_reply !== true && p.allow_sending_without_reply !== true) {
      throw bad("message to be replied not found");
    }
    return target ? compact({ ...target, reply_to_message: undefined }) : undefined;
  }

  private editableMessage(p: Payload): { chat: ChatState; message: Message } {
    if (p.inline_message_id !== undefined) throw bad("MESSAGE_ID_INVALID");
    const chat = this.resolveChat(p.chat_id);
    const id = asInt(p.message_id);
    if (id === undefined) throw bad("message identifier is not specified");
    const message = chat.messages.get(id);
    if (!message) throw bad("message to edit not found");
    if (message.from?.id !== this.botInfo.id) throw bad("message can't be edited");
    return { chat, message };
  }

  private replaceMessage(chat: ChatState, old: Message, changes: Partial<Message>): Message {
    const next = compact({ ...old, ...changes, edit_date: nowSeconds() }) as Message;
    const same =
      stableJson({ ...old, edit_date: 0 }) === stableJson({ ...next, edit_date: 0 });
    if (same) throw bad(NOT_MODIFIED);
    chat.messages.set(next.message_id, next);
    return next;
  }

  // -------------------------------------------------------------------------
  // Method table

  private readonly handlers: Record<string, Handler> = {
    getMe: () => this.botInfo,
    logOut: () => true,
    close: () => true,
    getUpdates: (p, signal) => this.getUpdates(p, signal),

    setWebhook: (p) => {
      const url = asString(p.url) ?? "";
      if (url === "") {
        this.webhook = undefined;
        return true;
      }
      if (!/^https:\/\//i.test(url) && !(this.local && /^http:\/\//i.test(url))) {
        throw bad("bad webhook: An HTTPS URL must be provided for webhook");
      }
      const max = asInt(p.max_connections);
      const secret = asString(p.secret_token);
      if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw bad("bad webhook: secret token contains unallowed characters");
      if (Array.isArray(p.allowed_updates)) this.allowedUpdates = p.allowed_updates.map(String);
      this.webhook = {
        url,
        ...(secret !== undefined ? { secret } : {}),
        ...(max !== undefined ? { max_connections: max } : {}),
        ...(Array.isArray(p.allowed_updates) ? { allowed_updates: p.allowed_updates.map(String) } : {}),
      };
      realSetImmediate(() => this.pushWebhook());
      return true;
    },
    deleteWebhook: (p) => {
      this.webhook = undefined;
      if (p.drop_pending_updates === true) {
        for (const u of this.queue) this.dropped.set(u.update_id, "dropped by deleteWebhook({ drop_pending_updates: true })");
        this.queue = [];
        this.confirmedOffset = Math.max(this.confirmedOffset, this.nextUpdateId);
        this.notify();
      }
      return true;
    },
    getWebhookInfo: (): WebhookInfo =>
      ({
        url: this.webhook?.url ?? "",
        has_custom_certificate: false,
        pending_update_count: this.queue.length,
        ...(this.webhook?.max_connections !== undefined ? { max_connections: this.webhook.max_connections } : {}),
        ...(this.webhook?.allowed_updates ? { allowed_updates: this.webhook.allowed_updates } : {}),
      }) as WebhookInfo,

    sendMessage: (p) => {
      const chat = this.resolveChat(p.chat_id);
      const { text, entities } = formatText(p.text, p.parse_mode, p.entities);
      if (text === "") throw bad("message text is empty");
      if (text.length > 4096) throw bad("message is too long");
      return this.storeBotMessage(chat, p, { text, ...(entities.length ? { entities } : {}) });
    },
    sendPhoto: (p) => {
      const chat = this.resolveChat(p.chat_id);
      const caption = this.caption(p);
      validateMarkup(p.reply_markup); // fail before the upload is recorded
      let photo: PhotoSize[];
      if (p.photo instanceof UploadedFile) {
        const dims = pngSize(p.photo.data) ?? { width: 1280, height: 960 };
        photo = this.photoSizes(p.photo.data, dims.width, dims.height);
        this.recordUpload("sendPhoto", "photo", chat, p.photo, photo.at(-1)!.file_id);
      } else {
        const { file } = this.fileRef("sendPhoto", "photo", chat, p.photo);
        photo = [{ file_id: file.file_id, file_unique_id: file.file_unique_id, width: 1280, height: 960, file_size: file.size }];
      }
      return this.storeBotMessage(chat, p, {
        photo,
        ...caption,
        ...(p.has_spoiler === true ? { has_media_spoiler: true } : {}),
      });
    },
    sendDocument: (p) => {
      const chat = this.resolveChat(p.chat_id);
      const caption = this.caption(p);
      validateMarkup(p.reply_markup);
      let document: Document;
      if (p.document instanceof UploadedFile) {
        const upload = p.document;
        const file = this.registerFile("documents", extOf(upload.filename) || "dat", upload.data);
        const mimeType = this.recordUpload("sendDocument", "document", chat, upload, file.file_id);
        document = { file_id: file.file_id, file_unique_id: file.file_unique_id, file_name: upload.filename, mime_type: mimeType, file_size: file.size };
      } else {
        const { file, filename, mimeType } = this.fileRef("sendDocument", "document", chat, p.document);
        document = {
          file_id: file.file_id,
          file_unique_id: file.file_unique_id,
          ...(filename ? { file_name: filename } : {}),
          ...(mimeType ? { mime_type: mimeType } : {}),
          file_size: file.size,
        };
      }
      return this.storeBotMessage(chat, p, { document, ...caption });
    },
    copyMessage: (p) => {
      const from = this.chats.get(String(p.from_chat_id));
      const source = from?.messages.get(asInt(p.message_id) ?? -1);
      if (!source) throw bad("message to copy not found");
      const chat = this.resolveChat(p.chat_id);
      const content: Partial<Message> = {};
      for (const k of ["text", "entities", "photo", "document", "sticker", "contact", "caption", "caption_entities", "has_media_spoiler"] as const) {
        if (source[k] !== undefined) Object.assign(content, { [k]: structuredClone(source[k]) });
      }
      if (p.caption !== undefined) Object.assign(content, { caption: undefined, caption_entities: undefined }, this.caption(p));
      return { message_id: this.storeBotMessage(chat, p, content).message_id };
    },

    editMessageText: (p) => {
      const { chat, message } = this.editableMessage(p);
      if (message.text === undefined) throw bad("there is no text in the message to edit");
      const { text, entities } = formatText(p.text, p.parse_mode, p.entities);
      if (text === "") throw bad("message text is empty");
      if (text.length > 4096) throw bad("message is too long");
      // Omitting reply_markup removes the inline keyboard, as on Telegram.
      return this.replaceMessage(chat, message, {
        text,
        entities: entities.length ? entities : undefined,
        reply_markup: validateMarkup(p.reply_markup),
      });
    },
    editMessageCaption: (p) => {
      const { chat, message } = this.editableMessage(p);
      if (!message.photo && !message.document) throw bad("there is no caption in the message to edit");
      return this.replaceMessage(chat, message, {
        caption: undefined,
        caption_entities: undefined,
        ...this.caption(p),
        reply_markup: validateMarkup(p.reply_markup),
      });
    },
    editMessageReplyMarkup: (p) => {
      const { chat, message } = this.editableMessage(p);
      return this.replaceMessage(chat, message, { reply_markup: validateMarkup(p.reply_markup) });
    },
    deleteMessage: (p) => {
      const chat = this.resolveChat(p.chat_id);
      if (!chat.messages.delete(asInt(p.message_id) ?? -1)) throw bad("message to delete not found");
      return true;
    },
    deleteMessages: (p) => {
      const chat = this.resolveChat(p.chat_id);
      if (!Array.isArray(p.message_ids)) throw bad("message identifiers are not specified");
      for (const id of p.message_ids) chat.messages.delete(asInt(id) ?? -1);
      return true;
    },

    answerCallbackQuery: (p) => {
      const query = this.callbackQueries.get(asString(p.callback_query_id) ?? "");
      if (!query || query.answered) throw bad("query is too old and response timeout expired or query ID is invalid");
      if ((asString(p.text) ?? "").length > 200) throw bad("MESSAGE_TOO_LONG");
      query.answered = true;
      return true;
    },
    sendChatAction: (p) => {
      this.resolveChat(p.chat_id);
      if (!CHAT_ACTIONS.has(asString(p.action) ?? "")) throw bad("wrong parameter action in request");
      return true;
    },
    getChat: (p) => ({ ...this.resolveChat(p.chat_id).chat, accent_color_id: 0, max_reaction_count: 11 }),
    getFile: (p) => {
      const file = this.files.get(asString(p.file_id) ?? "");
      if (!file) throw bad("invalid file_id");
      const result: File = { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.size, file_path: file.file_path };
      return result;
    },

    setMyCommands: (p) => {
      if (!Array.isArray(p.commands)) throw bad("parameter \"commands\" is required");
      if (p.commands.length > 100) throw bad("BOT_COMMANDS_TOO_MUCH");
      const commands: BotCommand[] = p.commands.map((c: unknown) => {
        const { command, description } = (c ?? {}) as { command?: unknown; description?: unknown };
        if (typeof command !== "string" || !/^[a-z0-9_]{1,32}$/.test(command)) throw bad("BOT_COMMAND_INVALID");
        if (typeof description !== "string" || description.length < 1 || description.length > 256) {
          throw bad("BOT_COMMAND_DESCRIPTION_INVALID");
        }
        return { command, description };
      });
      this.commands.set(commandsKey(p.scope, p.language_code), commands);
      return true;
    },
    deleteMyCommands: (p) => {
      this.commands.delete(commandsKey(p.scope, p.language_code));
      return true;
    },
    getMyCommands: (p) => this.commands.get(commandsKey(p.scope, p.language_code)) ?? [],
    setMyDescription: () => true,
    setMyShortDescription: () => true,
    setMyName: () => true,
    setChatMenuButton: () => true,
  };

  private caption(p: Payload): Partial<Message> {
    if (p.caption === undefined) return {};
    const { text, entities } = formatText(p.caption, p.parse_mode, p.caption_entities);
    if (text.length > 1024) throw bad("message caption is too long");
    return text === "" ? {} : { caption: text, ...(entities.length ? { caption_entities: entities } : {}) };
  }
}

// ---------------------------------------------------------------------------
// Request decoding

async function readPayload(req: IncomingMessage): Promise<Payload> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  if (body.length === 0) return {};
  const contentType = req.headers["content-type"] ?? "";
  if (/^multipart\/form-data/i.test(contentType)) {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
    if (!boundary) throw bad("can't parse multipart/form-data: no boundary");
    return decodeMultipart(body, boundary[1] ?? boundary[2]!);
  }
  if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
    return coerceFields(Object.fromEntries(new URLSearchParams(body.toString("utf8"))));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw bad("can't parse JSON object");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw bad("can't parse JSON object");
  return parsed as Payload;
}

interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** Minimal RFC 7578 parser; tolerant of grammY's header style (`content-disposition:form-data;name="x";filename=y`). */
function parseMultipart(body: Buffer, boundary: string): Part[] {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const first = body.indexOf(`--${boundary}`);
  if (first < 0) throw bad("can't parse multipart/form-data: boundary not found");
  const parts: Part[] = [];
  let pos = first + boundary.length + 2;
  for (;;) {
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // closing "--"
    const lineEnd = body.indexOf("\r\n", pos);
    if (lineEnd < 0) throw bad("can't parse multipart/form-data: truncated body");
    const start = lineEnd + 2;
    const end = body.indexOf(delimiter, start);
    if (end < 0) throw bad("can't parse multipart/form-data: missing closing boundary");
    const raw = body.subarray(start, end);
    const split = raw.indexOf("\r\n\r\n");
    const headerText = split < 0 ? "" : raw.subarray(0, split).toString("utf8");
    const data = split < 0 ? raw.subarray(raw.subarray(0, 2).toString() === "\r\n" ? 2 : 0) : raw.subarray(split + 4);
    const headers = new Map<string, string>();
    for (const line of headerText.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const params = dispositionParams(headers.get("content-disposition") ?? "");
    if (params.name !== undefined) {
      parts.push({
        name: params.name,
        ...(params.filename !== undefined ? { filename: params.filename } : {}),
        ...(headers.has("content-type") ? { contentType: headers.get("content-type")! } : {}),
        data: Buffer.from(data),
      });
    }
    pos = end + delimiter.length;
  }
  return parts;
}

function dispositionParams(header: string): { name?: string; filename?: string } {
  const out: { name?: string; filename?: string } = {};
  for (const m of header.matchAll(/;\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g)) {
    const key = m[1]!.toLowerCase();
    let value = m[2]!.trim();
    if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, "$1");
    if (key === "name") out.name = value;
    else if (key === "filename" && out.filename === undefined) out.filename = value;
    else if (key === "filename*") out.filename = decodeURIComponent(value.replace(/^[^']*'[^']*'/, ""));
  }
  return out;
}

function decodeMultipart(body: Buffer, boundary: string): Payload {
  const fields: Record<string, string> = {};
  const files = new Map<string, UploadedFile>();
  for (const part of parseMultipart(body, boundary)) {
    if (part.filename !== undefined) files.set(part.name, new UploadedFile(part.filename, part.contentType ?? "application/octet-stream", part.data));
    else fields[part.name] = part.data.toString("utf8");
  }
  const payload = coerceFields(fields);
  const attached = new Set<string>();
  // grammY sends `photo=attach://<id>` plus a file part named <id>.
  for (const [key, value] of Object.entries(payload)) {
    if (typeof value === "string" && value.startsWith("attach://")) {
      const file = files.get(value.slice("attach://".length));
      if (file) {
        payload[key] = file;
        attached.add(value.slice("attach://".length));
      }
    }
  }
  // curl-style `-F photo=@x.png`: the file part itself carries the parameter name.
  for (const [name, file] of files) if (!attached.has(name) && !(name in payload)) payload[name] = file;
  return payload;
}

/** String form fields → Bot API values: JSON objects/arrays decoded, known numeric and boolean fields converted. */
function coerceFields(fields: Record<string, string>): Payload {
  const out: Payload = {};
  for (const [key, value] of Object.entries(fields)) {
    const t = value.trim();
    if ((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"))) {
      try {
        out[key] = JSON.parse(t);
        continue;
      } catch {
        // not JSON after all; keep the string
      }
    }
    if (NUMERIC_FIELDS.has(key) && /^-?\d+$/.test(t) && Number.isSafeInteger(Number(t))) out[key] = Number(t);
    else if (BOOLEAN_FIELD.test(key) && (t === "true" || t === "false")) out[key] = t === "true";
    else out[key] = value;
  }
  return out;
}

function sendHtml(res: ServerResponse, status: number, title: string): void {
  const page = `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  res.writeHead(status, { "content-type": "text/html", "content-length": Buffer.byteLength(page) });
  res.end(page);
}

function sendJson(res: ServerResponse, status: number, body: ApiResponse | Record<string, unknown>): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  res.end(json);
}

// ---------------------------------------------------------------------------
// Reply markup

function validateMarkup(markup: unknown): InlineKeyboardMarkup | undefined {
  if (markup === undefined || markup === null) return undefined;
  if (typeof markup !== "object" || Array.isArray(markup)) throw bad("can't parse reply keyboard markup JSON object");
  const m = markup as Record<string, unknown>;
  if ("inline_keyboard" in m) {
    const rows = m.inline_keyboard;
    if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
      throw bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
    }
    for (const button of (rows as unknown[][]).flat()) {
      const b = (button ?? {}) as Record<string, unknown>;
      if (typeof b.text !== "string") throw bad("can't parse inline keyboard button: Field \"text\" must be of type String");
      const actions = Object.keys(b).filter((k) => !["text", "style", "icon_custom_emoji_id"].includes(k));
      if (actions.length === 0) throw bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
      if ("callback_data" in b) {
        // The most common real-world failure: callback_data is limited to 1-64 bytes.
        const bytes = typeof b.callback_data === "string" ? Buffer.byteLength(b.callback_data) : 0;
        if (bytes < 1 || bytes > 64) throw bad("BUTTON_DATA_INVALID");
      }
      if ("url" in b && (typeof b.url !== "string" || !/^(https?|tg):\/\/\S+$/i.test(b.url))) {
        throw bad(`inline keyboard button URL '${String(b.url)}' is invalid: Wrong HTTP URL`);
      }
    }
    return structuredClone(m) as unknown as InlineKeyboardMarkup;
  }
  // Reply keyboards are valid but never part of the returned Message (assert on the call payload instead).
  if ("keyboard" in m || "remove_keyboard" in m || "force_reply" in m) return undefined;
  throw bad("can't parse reply keyboard markup JSON object");
}

// ---------------------------------------------------------------------------
// Text formatting (parse_mode), following tdlib's parsers closely enough to
// reproduce the "can't parse entities" errors bots hit in production.

interface Formatted {
  text: string;
  entities: MessageEntity[];
}

function formatText(raw: unknown, parseMode: unknown, entities: unknown): Formatted {
  const text = typeof raw === "string" ? raw : raw === undefined || raw === null ? "" : String(raw);
  let parsed: Formatted;
  try {
    const mode = typeof parseMode === "string" ? parseMode.toLowerCase() : "";
    if (mode === "") parsed = { text, entities: Array.isArray(entities) ? (structuredClone(entities) as MessageEntity[]) : [] };
    else if (mode === "html") parsed = parseHtml(text);
    else if (mode === "markdownv2") parsed = parseMarkdownV2(text);
    else if (mode === "markdown") parsed = parseMarkdownLegacy(text);
    else throw bad("unsupported parse_mode");
  } catch (err) {
    if (err instanceof TelegramError) throw err;
    throw bad(`can't parse entities: ${(err as Error).message}`);
  }
  return trimFormatted(parsed);
}

/** Telegram strips leading/trailing whitespace from message text and shifts entities accordingly. */
function trimFormatted({ text, entities }: Formatted): Formatted {
  const lead = /^[ \t\r\n]*/.exec(text)![0].length;
  const trimmed = text.slice(lead).replace(/[ \t\r\n]+$/, "");
  const fixed = entities
    .map((e) => {
      const start = Math.max(0, e.offset - lead);
      const end = Math.min(trimmed.length, e.offset + e.length - lead);
      return { ...e, offset: start, length: end - start };
    })
    .filter((e) => e.length > 0);
  return { text: trimmed, entities: fixed };
}

function sortEntities(entities: MessageEntity[]): MessageEntity[] {
  return entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
}

const byteOffset = (s: string, i: number): number => Buffer.byteLength(s.slice(0, i));

const HTML_TAGS = new Set([
  "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "span", "tg-spoiler", "tg-emoji",
  "code", "pre", "blockquote",
]);

const HTML_ENTITY = /^&(#\d{1,7}|#x[0-9a-f]{1,6}|lt|gt|amp|quot);/i;

function decodeHtmlEntities(s: string): string {
  return s.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|lt|gt|amp|quot);/gi, (_m, name: string) => {
    const n = name.toLowerCase();
    if (n === "lt") return "<";
    if (n === "gt") return ">";
    if (n === "amp") return "&";
    if (n === "quot") return '"';
    const code = n.startsWith("#x") ? parseInt(n.slice(2), 16) : parseInt(n.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : _m;
  });
}

/** A code entity may carry the language of its enclosing <pre> until that closes. */
type HtmlEntity = MessageEntity & { language?: string };

function parseHtml(src: string): Formatted {
  let out = "";
  const entities: HtmlEntity[] = [];
  const open: Array<{ tag: string; offset: number; attrs: Record<string, string> }> = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === "&") {
      const m = HTML_ENTITY.exec(src.slice(i, i + 12));
      // Unknown entities stay literal, as on Telegram.
      out += m ? decodeHtmlEntities(m[0]) : c;
      i += m ? m[0].length : 1;
      continue;
    }
    if (c !== "<") {
      out += c;
      i++;
      continue;
    }
    const begin = byteOffset(src, i);
    if (src[i + 1] === "/") {
      const close = /^<\/([^\s>]*)\s*>/.exec(src.slice(i));
      if (open.length === 0) throw new Error(`Unexpected end tag at byte offset ${begin}`);
      if (!close) throw new Error(`Unclosed end tag at byte offset ${begin}`);
      const top = open.pop()!;
      const name = close[1]!.toLowerCase();
      if (name !== "" && name !== top.tag) {
        throw new Error(`Unmatched end tag at byte offset ${begin}, expected "</${top.tag}>", found "</${name}>"`);
      }
      closeHtmlEntity(top, out.length, entities);
      i += close[0].length;
      continue;
    }
    // Start tag: the name runs to the first space or '>' (so "a < b" fails like on Telegram).
    let j = i + 1;
    while (j < src.length && !/\s/.test(src[j]!) && src[j] !== ">") j++;
    const tag = src.slice(i + 1, j).toLowerCase();
    if (j >= src.length) throw new Error(`Unclosed start tag at byte offset ${begin}`);
    if (!HTML_TAGS.has(tag)) throw new Error(`Unsupported start tag "${tag}" at byte offset ${begin}`);
    const attrs: Record<string, string> = {};
    while (src[j] !== ">") {
      while (j < src.length && /\s/.test(src[j]!)) j++;
      if (j >= src.length) throw new Error(`Unclosed start tag at byte offset ${begin}`);
      if (src[j] === ">") break;
      const nameStart = j;
      while (j < src.length && !/[\s=>]/.test(src[j]!)) j++;
      const attr = src.slice(nameStart, j).toLowerCase();
      while (j < src.length && /\s/.test(src[j]!)) j++;
      if (src[j] !== "=") {
        if (tag === "blockquote" && attr === "expandable") {
          attrs.expandable = "";
          continue;
        }
        throw new Error(`Expected equal sign in declaration of an attribute of the tag "${tag}" at byte offset ${begin}`);
      }
      j++;
      while (j < src.length && /\s/.test(src[j]!)) j++;
      let value: string;
      const quote = src[j];
      if (quote === '"' || quote === "'") {
        const end = src.indexOf(quote, j + 1);
        if (end < 0) throw new Error(`Unclosed start tag at byte offset ${begin}`);
        value = decodeHtmlEntities(src.slice(j + 1, end));
        j = end + 1;
      } else {
        const valueStart = j;
        while (j < src.length && /[A-Za-z0-9.\-]/.test(src[j]!)) j++;
        value = src.slice(valueStart, j);
      }
      attrs[attr] = value;
    }
    if (tag === "span" && attrs.class !== "tg-spoiler") throw new Error(`Tag "span" must have class "tg-spoiler" at byte offset ${begin}`);
    open.push({ tag, offset: out.length, attrs });
    i = j + 1;
  }
  if (open.length) throw new Error(`Can't find end tag corresponding to start tag "${open.at(-1)!.tag}"`);
  const clean = entities.map((e) => (e.type === "code" ? { type: e.type, offset: e.offset, length: e.length } : e));
  return { text: out, entities: sortEntities(clean) };
}

function closeHtmlEntity(
  el: { tag: string; offset: number; attrs: Record<string, string> },
  end: number,
  entities: HtmlEntity[],
): void {
  const offset = el.offset;
  const length = end - offset;
  if (length <= 0) return;
  const simple: Record<string, MessageEntity["type"]> = {
    b: "bold", strong: "bold", i: "italic", em: "italic", s: "strikethrough", strike: "strikethrough",
    del: "strikethrough", u: "underline", ins: "underline", span: "spoiler", "tg-spoiler": "spoiler",
  };
  const type = simple[el.tag];
  if (type) return void entities.push({ type, offset, length } as MessageEntity);
  switch (el.tag) {
    case "a":
      if (el.attrs.href) entities.push({ type: "text_link", offset, length, url: el.attrs.href });
      return;
    case "code": {
      const language = /^language-(.+)$/.exec(el.attrs.class ?? "")?.[1];
      entities.push({ type: "code", offset, length, ...(language ? { language } : {}) } as HtmlEntity);
      return;
    }
    case "pre": {
      // <pre><code class="language-x">…</code></pre> becomes one pre entity with a language.
      const inner = entities.findIndex((e) => e.type === "code" && e.offset === offset && e.length === length);
      const language = inner >= 0 ? entities[inner]!.language : undefined;
      if (inner >= 0) entities.splice(inner, 1);
      entities.push(language ? { type: "pre", offset, length, language } : { type: "pre", offset, length });
      return;
    }
    case "blockquote":
      entities.push({ type: "expandable" in el.attrs ? "expandable_blockquote" : "blockquote", offset, length });
      return;
    case "tg-emoji":
      if (el.attrs["emoji-id"]) entities.push({ type: "custom_emoji", offset, length, custom_emoji_id: el.attrs["emoji-id"] });
      return;
  }
}

type MdType = "Bold" | "Italic" | "Underline" | "Strikethrough" | "Spoiler" | "TextUrl" | "Code" | "Pre" | "CustomEmoji";

function parseMarkdownV2(src: string): Formatted {
  let out = "";
  const entities: MessageEntity[] = [];
  const open: Array<{ type: MdType; offset: number; byte: number; arg: string }> = [];
  let quoteStart: number | undefined;
  for (let i = 0; i < src.length; i++) {
    // '>' at a line start opens/continues a blockquote (top level only).
    if ((i === 0 || src[i - 1] === "\n") && open.length === 0) {
      if (src[i] === ">") {
        quoteStart ??= out.length;
        continue;
      }
      if (quoteStart !== undefined) {
        const end = out.endsWith("\n") ? out.length - 1 : out.length;
        if (end > quoteStart) entities.push({ type: "blockquote", offset: quoteStart, length: end - quoteStart });
        quoteStart = undefined;
      }
    }
    const c = src[i]!;
    const next = src[i + 1];
    if (c === "\\" && next !== undefined && next.charCodeAt(0) > 0 && next.charCodeAt(0) <= 126) {
      out += next;
      i++;
      continue;
    }
    const top = open.at(-1);
    const reserved = top && (top.type === "Code" || top.type === "Pre") ? "`" : "_*[]()~`>#+-=|{}.!";
    if (!reserved.includes(c)) {
      out += c;
      continue;
    }
    const isEnd =
      top !== undefined &&
      ((top.type === "Bold" && c === "*") ||
        (top.type === "Italic" && c === "_" && next !== "_") ||
        (top.type === "Underline" && c === "_" && next === "_") ||
        (top.type === "Strikethrough" && c === "~") ||
        (top.type === "Spoiler" && c === "|" && next === "|") ||
        ((top.type === "TextUrl" || top.type === "CustomEmoji") && c === "]") ||
        (top.type === "Code" && c === "`") ||
        (top.type === "Pre" && c === "`" && next === "`" && src[i + 2] === "`"));
    if (!isEnd) {
      const byte = byteOffset(src, i);
      let type: MdType;
      let arg = "";
      if (c === "_" && next === "_") {
        type = "Underline";
        i++;
      } else if (c === "_") type = "Italic";
      else if (c === "*") type = "Bold";
      else if (c === "~") type = "Strikethrough";
      else if (c === "|" && next === "|") {
        type = "Spoiler";
        i++;
      } else if (c === "[") type = "TextUrl";
      else if (c === "!" && next === "[") {
        type = "CustomEmoji";
        i++;
      } else if (c === "`" && next === "`" && src[i + 2] === "`") {
        type = "Pre";
        i += 3;
        let langEnd = i;
        while (langEnd < src.length && !/\s/.test(src[langEnd]!) && src[langEnd] !== "`") langEnd++;
        if (langEnd !== i && langEnd < src.length && src[langEnd] !== "`") {
          arg = src.slice(i, langEnd);
          i = langEnd;
        }
        if (src[i] === "\n" || src[i] === "\r") i += (src[i + 1] === "\n" || src[i + 1] === "\r") && src[i] !== src[i + 1] ? 2 : 1;
        i--;
      } else if (c === "`") type = "Code";
      else throw new Error(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
      open.push({ type, offset: out.length, byte, arg });
      continue;
    }
    const entity = open.pop()!;
    let skip = entity.offset === out.length;
    let url = "";
    if (entity.type === "Underline" || entity.type === "Spoiler") i++;
    else if (entity.type === "Pre") i += 2;
    else if (entity.type === "TextUrl" || entity.type === "CustomEmoji") {
      if (src[i + 1] !== "(") url = out.slice(entity.offset);
      else {
        i += 2;
        const urlStart = i;
        while (i < src.length && src[i] !== ")") {
          if (src[i] === "\\" && i + 1 < src.length && src.charCodeAt(i + 1) <= 126) i++;
          url += src[i++];
        }
        if (src[i] !== ")") throw new Error(`Can't find end of a URL at byte offset ${byteOffset(src, urlStart)}`);
      }
      if (entity.type === "TextUrl" && !isValidUrl(url)) skip = true;
    }
    if (skip) continue;
    const offset = entity.offset;
    const length = out.length - offset;
    switch (entity.type) {
      case "Bold": entities.push({ type: "bold", offset, length }); break;
      case "Italic": entities.push({ type: "italic", offset, length }); break;
      case "Underline": entities.push({ type: "underline", offset, length }); break;
      case "Strikethrough": entities.push({ type: "strikethrough", offset, length }); break;
      case "Spoiler": entities.push({ type: "spoiler", offset, length }); break;
      case "Code": entities.push({ type: "code", offset, length }); break;
      case "Pre": entities.push(entity.arg ? { type: "pre", offset, length, language: entity.arg } : { type: "pre", offset, length }); break;
      case "TextUrl": entities.push({ type: "text_link", offset, length, url }); break;
      case "CustomEmoji": {
        const id = /[?&]id=(\d+)/.exec(url)?.[1];
        if (id) entities.push({ type: "custom_emoji", offset, length, custom_emoji_id: id });
        break;
      }
    }
  }
  if (open.length) {
    const last = open.at(-1)!;
    throw new Error(`Can't find end of ${last.type} entity at byte offset ${last.byte}`);
  }
  if (quoteStart !== undefined && out.length > quoteStart) entities.push({ type: "blockquote", offset: quoteStart, length: out.length - quoteStart });
  return { text: out, entities: sortEntities(entities) };
}

/** Legacy "Markdown": *bold*, _italic_, `code`, ```pre```, [text](url); only _*`[ can be escaped. */
function parseMarkdownLegacy(src: string): Formatted {
  let out = "";
  const entities: MessageEntity[] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === "\\" && "_*`[".includes(src[i + 1] ?? " ")) {
      out += src[++i];
      continue;
    }
    if (!"_*`[".includes(c)) {
      out += c;
      continue;
    }
    const begin = i;
    const endChar = c === "[" ? "]" : c;
    let pre = false;
    let language = "";
    i++;
    if (c === "`" && src[i] === "`" && src[i + 1] === "`") {
      i += 2;
      pre = true;
      let langEnd = i;
      while (langEnd < src.length && !/\s/.test(src[langEnd]!) && src[langEnd] !== "`") langEnd++;
      if (langEnd !== i && langEnd < src.length && src[langEnd] !== "`") {
        language = src.slice(i, langEnd);
        i = langEnd;
      }
      if (src[i] === "\n" || src[i] === "\r") i += (src[i + 1] === "\n" || src[i + 1] === "\r") && src[i] !== src[i + 1] ? 2 : 1;
    }
    const offset = out.length;
    while (i < src.length && (src[i] !== endChar || (pre && !(src[i + 1] === "`" && src[i + 2] === "`")))) out += src[i++];
    if (i >= src.length) throw new Error(`Can't find end of the entity starting at byte offset ${byteOffset(src, begin)}`);
    const length = out.length - offset;
    if (length > 0) {
      if (c === "_") entities.push({ type: "italic", offset, length });
      else if (c === "*") entities.push({ type: "bold", offset, length });
      else if (c === "`") entities.push(pre && language ? { type: "pre", offset, length, language } : { type: pre ? "pre" : "code", offset, length });
      else {
        let url = "";
        if (src[i + 1] === "(") {
          i += 2;
          while (i < src.length && src[i] !== ")") url += src[i++];
        } else url = src.slice(begin + 1, i);
        if (isValidUrl(url)) entities.push({ type: "text_link", offset, length, url });
      }
    }
    if (pre) i += 2;
  }
  return { text: out, entities: sortEntities(entities) };
}

function isValidUrl(url: string): boolean {
  if (/^tg:\/\/\S+$/i.test(url)) return true;
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`);
    return /^https?:$/.test(u.protocol) && u.hostname.includes(".");
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Small helpers

function bad(description: string): TelegramError {
  return new TelegramError(400, `Bad Request: ${description}`);
}

function defaultDescription(code: number, retryAfter: number | undefined): string {
  switch (code) {
    case 429: return `Too Many Requests: retry after ${retryAfter ?? 1}`;
    case 403: return "Forbidden: bot was blocked by the user";
    case 401: return "Unauthorized";
    case 409: return "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    default: return "Bad Request: injected failure";
  }
}

function msUntilFree(times: number[], limit: number, now: number): number {
  while (times.length && times[0]! <= now - 1000) times.shift();
  if (times.length < limit) return 0;
  return times[times.length - limit]! + 1000 - now;
}

function chatKey(chat: ChatRef): string {
  return typeof chat === "object" ? String(chat.id) : String(chat);
}

function commandsKey(scope: unknown, languageCode: unknown): string {
  return `${stableJson(scope ?? { type: "default" })}|${typeof languageCode === "string" ? languageCode : ""}`;
}

function asInt(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(v);
  return undefined;
}

function asString(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function randomDigits(n: number): string {
  let s = String(1 + (randomBytes(1)[0]! % 9));
  while (s.length < n) s += String(randomBytes(1)[0]! % 10);
  return s;
}

function extOf(name: string): string {
  const m = /\.([A-Za-z0-9]{1,8})$/.exec(name.split(/[?#]/)[0] ?? "");
  return m ? m[1]!.toLowerCase() : "";
}

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Drops undefined-valued keys so edits that remove a field compare and serialize cleanly. */
function compact<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** JSON with sorted keys, for "is this edit a no-op?" comparisons. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function pngSize(data: Buffer): { width: number; height: number } | undefined {
  const isPng = data.length >= 24 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return isPng ? { width: data.readUInt32BE(16), height: data.readUInt32BE(20) } : undefined;
}

function fakeJpeg(): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(2048), Buffer.from([0xff, 0xd9])]);
}

/** Which chat an update belongs to, for webhook delivery in order per chat (updates without one: their own key). */
function webhookChatKey(update: Update): string {
  const body = Object.values(update).find((v) => typeof v === "object" && v !== null) as
    | { chat?: { id: number }; message?: { chat?: { id: number } }; from?: { id: number } }
    | undefined;
  const id = body?.chat?.id ?? body?.message?.chat?.id ?? body?.from?.id;
  return id === undefined ? `update:${update.update_id}` : String(id);
}
