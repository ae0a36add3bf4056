// The web chat's HTTP side (hono): the page (plain files from ./public, no build step), what the person does on it
// into the inbox like any channel's updates, the conversation so far, a live stream of new and edited messages
// (Server-Sent Events) and the files. A local demo: loopback by default; on any other address every request needs
// the password from WEB_CHAT_PASSWORD.
import { readFile, readdir } from "node:fs/promises";
import { serve, type ServerType } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { basicAuth } from "hono/basic-auth";
import { bodyLimit } from "hono/body-limit";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { PrismaClient } from "../../db/database.ts";
import { isLang, resources, type Lang } from "../../i18n/i18n.ts";
import type { Inbox } from "../../inbox/inbox.ts";
import type { Logger } from "../../logger.ts";
import { menuFor } from "../../bot/commands.ts";
import { webChatId } from "../address.ts";
import { demoPeople, isDemoChat, newWorkerId } from "./demo.ts";
import type { WebIncoming } from "./gateway.ts";
import type { Transcript, WebContent, WebMessage } from "./transcript.ts";

/** Telegram's limits, so that what works here works there. */
const TEXT_MAX = 4096;
const FILE_MAX = 20 * 1024 * 1024;
const PUBLIC_DIR = new URL("./public/", import.meta.url);
const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  json: "application/json",
  webmanifest: "application/manifest+json",
};

export interface WebChatOptions {
  host: string;
  port: number;
  /** Pages served beside the chat (the member card check, so a demo card's QR code can be opened). */
  pages?: Hono;
  password?: string;
  prisma: PrismaClient;
  transcript: Transcript;
  inbox: Inbox;
  logger: Logger;
}

export interface WebChatServer {
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
export const isLoopback = (host: string) => LOOPBACK.has(host);

const action = z.union([
  z.object({ text: z.string() }),
  z.object({ press: z.object({ messageId: z.number().int().positive(), data: z.string().min(1).max(64) }) }),
  z.object({ contact: z.object({ phone: z.string().trim().min(1).max(32) }) }),
]);

export async function startWebChat(options: WebChatOptions): Promise<WebChatServer> {
  const { prisma, transcript, inbox, logger } = options;
  const files = await publicFiles();
  const app = new Hono();
  if (!isLoopback(options.host)) {
    // Checked at start too (config); here so that no route is ever open beyond loopback without it.
    if (!options.password) throw new Error("WEB_CHAT_PASSWORD is required off loopback");
    app.use("*", basicAuth({ username: "demo", password: options.password }));
  }

  app.get("/", (c) => c.body(files.get("index.html")!, 200, headersFor("index.html")));
  app.get("/:file{[a-z0-9_-]+\\.(js|css|svg|png|json|webmanifest)}", (c) => {
    const name = c.req.param("file");
    const body = files.get(name);
    return body ? c.body(body, 200, headersFor(name)) : c.notFound();
  });

  app.get("/api/ui", (c) => {
    const lang = langOf(c.req.query("lang"));
    return c.json({ lang, langs: ["vi", "en"], strings: resources[lang]?.web ?? {} });
  });

  app.get("/api/people", async (c) => c.json({ people: await demoPeople(prisma, langOf(c.req.query("lang"))) }));
  app.post("/api/people", async (c) => {
    const id = newWorkerId();
    return c.json({ id, label: "" }, 201);
  });

  app.get("/api/chats/:id/messages", async (c) => {
    const id = chatParam(c);
    if (!id) return c.json({ error: "error_unknown_chat" }, 404);
    return c.json({ messages: await transcript.list(webChatId(id)), commands: await commandsOf(prisma, id, langOf(c.req.query("lang"))) });
  });

  app.get("/api/chats/:id/events", (c) => {
    const id = chatParam(c);
    if (!id) return c.json({ error: "error_unknown_chat" }, 404);
    const chatId = webChatId(id);
    return streamSSE(c, async (stream) => {
      const queue: WebMessage[] = [];
      let wake: (() => void) | undefined;
      const listener = (message: WebMessage) => {
        queue.push(message);
        wake?.();
      };
      transcript.live.on(chatId, listener);
      stream.onAbort(() => {
        transcript.live.off(chatId, listener);
        wake?.();
      });
      try {
        while (!stream.aborted) {
          const message = queue.shift();
          if (message) {
            await stream.writeSSE({ event: "message", data: JSON.stringify(message), id: String(message.id) });
            continue;
          }
          // A comment every 25 s keeps proxies and the browser from closing an idle stream.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 25_000);
            wake = () => (clearTimeout(timer), resolve());
          });
          wake = undefined;
          if (queue.length === 0 && !stream.aborted) await stream.write(": keep-alive\n\n");
        }
      } finally {
        transcript.live.off(chatId, listener);
      }
    });
  });

  app.post("/api/chats/:id/messages", bodyLimit({ maxSize: FILE_MAX + 64 * 1024, onError: (c) => c.json({ error: "error_file_too_large" }, 413) }), async (c) => {
    const id = chatParam(c);
    if (!id) return c.json({ error: "error_unknown_chat" }, 404);
    const chatId = webChatId(id);
    const lang = langOf(c.req.query("lang"));
    const base = { chat: id, name: id, lang, at: Date.now() };
    let content: WebContent | null;
    let incoming: Omit<WebIncoming, "messageId" | keyof typeof base>;
    if ((c.req.header("content-type") ?? "").startsWith("multipart/form-data")) {
      const form = await c.req.parseBody().catch(() => null);
      const file = form?.file;
      if (!(file instanceof File)) return c.json({ error: "error_empty" }, 400);
      if (file.size > FILE_MAX) return c.json({ error: "error_file_too_large" }, 413);
      const caption = typeof form?.caption === "string" && form.caption.trim() ? form.caption.trim().slice(0, 1024) : undefined;
      const mime = file.type || "application/octet-stream";
      const photo = /^image\/(png|jpeg|webp)$/.test(mime);
      const name = file.name.slice(0, 200) || "file";
      const stored = await transcript.saveFile(chatId, name, mime, new Uint8Array(await file.arrayBuffer()));
      content = { ...(caption ? { text: caption } : {}), file: { kind: photo ? "photo" : "document", url: `/files/${stored.id}`, name, mime, size: file.size } };
      incoming = { file: { id: stored.id, name, mime, size: file.size, photo, ...(caption ? { caption } : {}) } };
    } else {
      const parsed = action.safeParse(await c.req.json().catch(() => null));
      if (!parsed.success) return c.json({ error: "error_empty" }, 400);
      const body = parsed.data;
      if ("text" in body) {
        const text = body.text.trim();
        if (!text) return c.json({ error: "error_empty" }, 400);
        if (text.length > TEXT_MAX) return c.json({ error: "error_too_long" }, 400);
        content = { text };
        incoming = { text };
      } else if ("contact" in body) {
        content = { contact: body.contact };
        incoming = { contact: body.contact };
      } else {
        // A button press is not a message of its own, as on Telegram.
        content = null;
        incoming = { press: body.press };
      }
    }
    const shown = content ? await transcript.add(chatId, false, content) : null;
    const messageId = shown?.id ?? pressNumber();
    try {
      await inbox.accept([{ channel: "WEB", externalId: `${id}:${shown ? messageId : `press-${messageId}`}`, chatKey: chatId, payload: { ...base, ...incoming, messageId } }]);
    } catch (err) {
      logger.error({ err }, "could not store a web chat message");
      if (shown) await transcript.remove(chatId, shown.id).catch(() => undefined);
      return c.json({ error: "error_network" }, 503);
    }
    return c.json({ ok: true }, 202);
  });

  if (options.pages) app.route("/", options.pages);

  app.get("/files/:id{f-[0-9a-f-]{36}}", async (c) => {
    const file = await transcript.file(c.req.param("id"));
    if (!file) return c.notFound();
    const inline = file.mime.startsWith("image/");
    return c.body(new Uint8Array(file.bytes), 200, {
      "content-type": file.mime,
      "content-disposition": `${inline ? "inline" : "attachment"}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      "x-content-type-options": "nosniff",
      "cache-control": "private, max-age=3600",
    });
  });

  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const shownHost = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Open live streams would hold the server forever.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

function langOf(value: string | undefined): Lang {
  return value && isLang(value) ? value : "vi";
}

function chatParam(c: Context): string | null {
  const id = c.req.param("id") ?? "";
  return isDemoChat(id) ? id : null;
}

/** A button press's number in the inbox (it has no message of its own): unique enough, and positive. */
let presses = 0;
function pressNumber(): number {
  presses = (presses + 1) % 1_000_000;
  return Date.now() % 1_000_000_000 * 1000 + presses;
}

async function commandsOf(prisma: PrismaClient, id: string, pageLang: Lang) {
  const identity = await prisma.chatIdentity.findUnique({
    where: { channel_externalId: { channel: "WEB", externalId: id } },
    select: { person: { select: { language: true, roles: { select: { role: true } } } } },
  });
  const lang = identity && isLang(identity.person.language) ? identity.person.language : pageLang;
  return menuFor(identity?.person.roles.map((r) => r.role) ?? [], lang);
}

async function publicFiles(): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const name of await readdir(PUBLIC_DIR)) files.set(name, new Uint8Array(await readFile(new URL(name, PUBLIC_DIR))));
  return files;
}

function headersFor(name: string): Record<string, string> {
  return {
    "content-type": TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream",
    // The page is small and changes with the bot: always asked again, never stale.
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  };
}
