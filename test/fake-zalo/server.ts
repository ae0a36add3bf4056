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
  private counter = 0;

  private constructor(
    private readonly server: Server,
    readonly apiRoot: string,
  ) {}

  static async start(): Promise<FakeZalo> {
    let fake: FakeZalo | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    fake = new FakeZalo(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return fake;
  }

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
    this.queue.push(update);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Fails the next `times` calls of `method` ("*" for any) with a Zalo error code. */
  failNext(method: string, errorCode: number, times = 1, description = "Quota exceeded"): void {
    this.failures.push({ method, errorCode, description, times });
  }

  sentTo(chatId: string): ZaloSent[] {
    return this.sent.filter((m) => m.chatId === chatId);
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
    const body = await this.answer(match, method, payload);
    if (!body.ok) call.errorCode = body.error_code;
    this.reply(res, body);
  }

  private async answer(match: RegExpExecArray | null, method: string, p: Record<string, unknown>): Promise<Body> {
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
        return this.poll(Number(p.timeout ?? 30));
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
        if (typeof p.url !== "string" || !p.url.startsWith("https://") || secret.length < 8 || secret.length > 256) {
          return { ok: false, error_code: 400, description: "Bad request" };
        }
        this.webhook = { url: p.url, updated_at: Date.now() };
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

  private async poll(timeoutSeconds: number): Promise<Body> {
    if (this.webhook.url) return { ok: false, error_code: 400, description: "Webhook is configured; delete it before using getUpdates" };
    // Tests should not wait 30 s for an empty poll; a short one behaves the same.
    const deadline = Date.now() + Math.min(Math.max(timeoutSeconds, 0), 1) * 1000;
    while (this.queue.length === 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (this.queue.length === 0) return { ok: false, error_code: 408, description: "Request timeout" };
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
