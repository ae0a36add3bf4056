// The web chat's conversations as the page shows them: every message (the person's and the bot's) in WebMessage,
// files in WebFile, and a live feed for the pages that are open. A reload reads the rows; an edit rewrites one.
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { PrismaClient } from "../../db/database.ts";
import { isUniqueViolation } from "../../db/transient.ts";

export interface WebButton {
  label: string;
  data?: string;
  url?: string;
}

export interface WebFileRef {
  kind: "photo" | "document";
  url: string;
  name: string;
  mime: string;
  size: number;
}

/** What a message shows (the page's WebMessage without id, from and time). */
export interface WebContent {
  text?: string;
  html?: string;
  buttons?: WebButton[][];
  keyboard?: { rows: { label: string; contact?: true }[][]; oneTime?: boolean };
  removeKeyboard?: true;
  file?: WebFileRef;
  contact?: { phone: string };
  edited?: true;
}

export interface WebMessage extends WebContent {
  id: number;
  from: "bot" | "me";
  at: string;
}

export interface StoredFile {
  id: string;
  chatId: string;
  name: string;
  mime: string;
  bytes: Buffer;
}

/** Rows one person's page may hold at most: older ones are no longer shown (the demo is not an archive). */
const SHOWN = 500;

export class Transcript {
  /** "message" events per chat id, for the open pages (one process serves the demo). */
  readonly live = new EventEmitter().setMaxListeners(0);

  constructor(private readonly prisma: PrismaClient) {}

  /** Adds a message with the chat's next id (shared by the person and the bot, as in a Telegram chat). */
  async add(chatId: string, fromBot: boolean, content: WebContent): Promise<WebMessage> {
    for (let attempt = 0; ; attempt++) {
      try {
        const [row] = await this.prisma.$queryRaw<{ messageId: number; createdAt: Date }[]>`
          INSERT INTO "WebMessage" ("chatId", "messageId", "fromBot", content, "updatedAt")
          SELECT ${chatId}, COALESCE(MAX("messageId"), 0) + 1, ${fromBot}, ${JSON.stringify(content)}::jsonb, now()
            FROM "WebMessage" WHERE "chatId" = ${chatId}
          RETURNING "messageId", "createdAt"`;
        const message = toMessage(row!.messageId, fromBot, content, row!.createdAt);
        this.live.emit(chatId, message);
        return message;
      } catch (error) {
        // Two messages for one chat at once (a reply and an announcement) took the same id: take the next one.
        if (!isUniqueViolation(error) || attempt >= 5) throw error;
      }
    }
  }

  /** Rewrites a message (an edit); returns null when the chat has no such message. */
  async replace(chatId: string, messageId: number, change: (before: WebContent) => WebContent): Promise<WebMessage | null> {
    const row = await this.prisma.webMessage.findUnique({ where: { chatId_messageId: { chatId, messageId } } });
    if (!row) return null;
    const content = change(row.content as WebContent);
    await this.prisma.webMessage.update({ where: { chatId_messageId: { chatId, messageId } }, data: { content: content as object } });
    const message = toMessage(messageId, row.fromBot, content, row.createdAt);
    this.live.emit(chatId, message);
    return message;
  }

  async find(chatId: string, messageId: number): Promise<WebMessage | null> {
    const row = await this.prisma.webMessage.findUnique({ where: { chatId_messageId: { chatId, messageId } } });
    return row ? toMessage(row.messageId, row.fromBot, row.content as WebContent, row.createdAt) : null;
  }

  async remove(chatId: string, messageId: number): Promise<void> {
    await this.prisma.webMessage.deleteMany({ where: { chatId, messageId } });
  }

  /** The conversation so far, oldest first. */
  async list(chatId: string): Promise<WebMessage[]> {
    const rows = await this.prisma.webMessage.findMany({ where: { chatId }, orderBy: { messageId: "desc" }, take: SHOWN });
    return rows.reverse().map((r) => toMessage(r.messageId, r.fromBot, r.content as WebContent, r.createdAt));
  }

  async saveFile(chatId: string, name: string, mime: string, bytes: Uint8Array): Promise<StoredFile> {
    const file = { id: `f-${randomUUID()}`, chatId, name, mime, bytes: Buffer.from(bytes) };
    await this.prisma.webFile.create({ data: { ...file, bytes: new Uint8Array(file.bytes) } });
    return file;
  }

  async file(id: string): Promise<StoredFile | null> {
    const row = await this.prisma.webFile.findUnique({ where: { id } });
    return row ? { id: row.id, chatId: row.chatId, name: row.name, mime: row.mime, bytes: Buffer.from(row.bytes) } : null;
  }
}

function toMessage(id: number, fromBot: boolean, content: WebContent, at: Date): WebMessage {
  return { id, from: fromBot ? "bot" : "me", at: at.toISOString(), ...content };
}
