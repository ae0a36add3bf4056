/**
 * A fake Zalo Bot API server. The client under test reaches it through its configurable API root, as it would
 * reach bot-api.zaloplatforms.com. It follows the documented behaviour (../../../shared/docs/zalo-bot-api.md):
 * token in the path (401 otherwise), POST+JSON, the {ok, result, error_code, description} envelope, getUpdates
 * returning ONE update or 408 when nothing arrived, polling refused while a webhook is set, 2000-character texts.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ZaloCall {
  method: string;
  payload: Record<string, unknown>;
  at: number;
  errorCode?: number;
}

export interface ZaloSent {
  chatId: string;
  text?: string;
  photo?: string;
  caption?: string;
  messageId: string;
}

interface Failure {
  method: string;
  errorCode: number;
  description: string;
  times: number;
}

type Body = { ok: true; result?: unknown } | { ok: false; error_code: number; description: string };

export class FakeZalo {
  readonly token = `${Math.floor(Math.random() * 1e9)}:${randomBytes(12).toString("hex")}`;
  readonly calls: ZaloCall[] = [];
  readonly sent: ZaloSent[] = [];
  private readonly queue: unknown[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly failures: Failure[] = [];
  private webhook = { url: "", updated_at: 0 };
  private webhookSecret = "";
  /** What the bot's webhook answered, in order (status codes). */
  readonly webhookReplies: number[] = [];
  private counter = 0;

  private constructor(
    private readonly server: Server,
    readonly apiRoot: string,
  ) {}

  /** `local`: webhooks may be plain-HTTP local addresses (tests); Zalo itself insists on public HTTPS. */
  static async start(options: { local?: boolean } = {}): Promise<FakeZalo> {
    let fake: FakeZalo | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    fake = new FakeZalo(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    fake.local = options.local ?? false;
    return fake;
  }

  private local = false;

  async close(): Promise<void> {
    for (const wake of this.waiters.splice(0)) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The user writes to the bot; delivered unwrapped, as real traffic is. */
  userSends(userId: string, text: string, displayName = "Người dùng"): void {
    this.enqueue({
      event_name: "message.text.received",
      message: {
        message_id: randomBytes(10).toString("hex"),
        date: Date.now(),
        from: { id: userId, display_name: displayName, is_bot: false },
        chat: { id: userId, chat_type: "PRIVATE" },
        text,
      },
    });
  }

  /** Queues any body as the next update (for malformed or wrapped shapes). */
  enqueue(update: unknown): void {
    if (this.webhook.url) {
      void this.post(update);
      return;
    }
    this.queue.push(update);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Delivers to the webhook as real Zalo does: unwrapped, with the secret header. */
  async post(update: unknown, secret = this.webhookSecret): Promise<number> {
    const status = await fetch(this.webhook.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-bot-api-secret-token": secret },
      body: JSON.stringify(update),
    }).then(
      (r) => r.status,
      () => 0,
    );
    this.webhookReplies.push(status);
    return status;
  }

  /** Fails the next `times` calls of `method` ("*" for any) with a Zalo error code. */
  failNext(method: string, errorCode: number, times = 1, description = "Quota exceeded"): void {
    this.failures.push({ method, errorCode, description, times });
  }

  sentTo(chatId: string): ZaloSent[] {
    return this.sent.filter((m) => m.chatId === chatId);
  }

  private readonly cursors = new Map<string, number>();

  /**
   * Waits for the next message to `chatId` whose text contains `match`, skipping others; each call moves on from the
   * last message it returned. The error lists what was sent instead.
   */
  async expect(chatId: string, match: string | RegExp, timeoutMs = 8_000): Promise<ZaloSent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const messages = this.sentTo(chatId);
      let i = this.cursors.get(chatId) ?? 0;
      for (; i < messages.length; i++) {
        const text = messages[i]!.text ?? messages[i]!.caption ?? "";
        if (typeof match === "string" ? text.includes(match) : match.test(text)) {
          this.cursors.set(chatId, i + 1);
          return messages[i]!;
        }
      }
      if (Date.now() > deadline) {
        const seen = messages.slice(this.cursors.get(chatId) ?? 0).map((m) => `  - ${(m.text ?? "").slice(0, 160).replace(/\n/g, " | ")}`);
        throw new Error(`no Zalo message to ${chatId} matching ${String(match)}; sent instead:\n${seen.join("\n")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? "");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let payload: Record<string, unknown> = {};
    try {
      const raw = Buffer.concat(chunks).toString("utf8");
      payload = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return this.reply(res, { ok: false, error_code: 400, description: "Bad request" });
    }
    const method = match?.[2] ?? "";
    const call: ZaloCall = { method, payload, at: Date.now() };
    this.calls.push(call);
    const gone = { value: false };
    res.on("close", () => {
      gone.value = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
    const body = await this.answer(match, method, payload, gone);
    if (!body.ok) call.errorCode = body.error_code;
    this.reply(res, body);
  }

  private async answer(match: RegExpExecArray | null, method: string, p: Record<string, unknown>, gone: { value: boolean }): Promise<Body> {
    if (!match) return { ok: false, error_code: 404, description: "Not found" };
    if (match[1] !== this.token) return { ok: false, error_code: 401, description: "Unauthorized" };
    const failure = this.failures.find((f) => f.times > 0 && (f.method === method || f.method === "*"));
    if (failure) {
      failure.times--;
      return { ok: false, error_code: failure.errorCode, description: failure.description };
    }
    switch (method) {
      case "getMe":
        return { ok: true, result: { id: "8123456789012345678", account_name: "bot.CongDoanTest", account_type: "BASIC", can_join_groups: false } };
      case "getUpdates":
        return this.poll(Number(p.timeout ?? 30), gone);
      case "sendMessage": {
        const text = typeof p.text === "string" ? p.text : "";
        if (typeof p.chat_id !== "string" || text.length < 1 || text.length > 2000) {
          return { ok: false, error_code: 400, description: "Bad request" };
        }
        return { ok: true, result: this.record({ chatId: p.chat_id, text }) };
      }
      case "sendPhoto": {
        if (typeof p.chat_id !== "string" || typeof p.photo !== "string") return { ok: false, error_code: 400, description: "Bad request" };
        const caption = typeof p.caption === "string" ? p.caption : undefined;
        if (caption && caption.length > 2000) return { ok: false, error_code: 400, description: "Bad request" };
        return { ok: true, result: this.record({ chatId: p.chat_id, photo: p.photo, caption }) };
      }
      case "sendChatAction":
        return { ok: true };
      case "setWebhook": {
        const secret = typeof p.secret_token === "string" ? p.secret_token : "";
        const scheme = this.local ? /^https?:\/\// : /^https:\/\//;
        if (typeof p.url !== "string" || !scheme.test(p.url) || secret.length < 8 || secret.length > 256) {
          return { ok: false, error_code: 400, description: "Bad request" };
        }
        this.webhook = { url: p.url, updated_at: Date.now() };
        this.webhookSecret = secret;
        return { ok: true, result: this.webhook };
      }
      case "deleteWebhook":
        this.webhook = { url: "", updated_at: Date.now() };
        return { ok: true, result: this.webhook };
      case "getWebhookInfo":
        return { ok: true, result: this.webhook };
      default:
        return { ok: false, error_code: 400, description: "Invalid API name" };
    }
  }

  /** A poll whose client went away (a bot stopping) takes nothing from the queue. */
  private async poll(timeoutSeconds: number, gone: { value: boolean }): Promise<Body> {
    if (this.webhook.url) return { ok: false, error_code: 400, description: "Webhook is configured; delete it before using getUpdates" };
    // Tests should not wait 30 s for an empty poll; a short one behaves the same.
    const deadline = Date.now() + Math.min(Math.max(timeoutSeconds, 0), 1) * 1000;
    while (this.queue.length === 0 && Date.now() < deadline && !gone.value) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (this.queue.length === 0 || gone.value) return { ok: false, error_code: 408, description: "Request timeout" };
    return { ok: true, result: this.queue.shift() };
  }

  private record(message: Omit<ZaloSent, "messageId">) {
    const messageId = (++this.counter).toString(16).padStart(20, "0");
    this.sent.push({ ...message, messageId });
    return { message_id: messageId, date: Date.now() };
  }

  private reply(res: ServerResponse, body: Body): void {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }
}
