// Storage for @grammyjs/conversations (one row of ConversationState per chat) that marks the inbox update being
// handled in the same statement as the state it produced. A replay after a crash therefore starts from the state
// before the update and handles the update once; without this, a crash between the two writes would either lose
// the answer or hand it to the next question.
import type { StorageAdapter } from "grammy";
import type { PrismaClient } from "../db/database.ts";
import { currentHandling } from "./handling.ts";
import { deleteStateAndMark, saveStateAndMark } from "./store.ts";

export class InboxConversationStorage<T> implements StorageAdapter<T> {
  constructor(private readonly prisma: PrismaClient) {}

  async read(key: string): Promise<T | undefined> {
    const row = await this.prisma.conversationState.findUnique({ where: { key }, select: { value: true } });
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async write(key: string, value: T): Promise<void> {
    const text = JSON.stringify(value, slimMessages);
    const handling = unmarked();
    if (handling) {
      await saveStateAndMark(this.prisma, key, text, handling.id);
      handling.marked = true;
    } else {
      await this.prisma.conversationState.upsert({ where: { key }, create: { key, value: text }, update: { value: text } });
    }
  }

  async delete(key: string): Promise<void> {
    const handling = unmarked();
    if (handling) {
      await deleteStateAndMark(this.prisma, key, handling.id);
      handling.marked = true;
    } else {
      await this.prisma.conversationState.deleteMany({ where: { key } });
    }
  }
}

/**
 * A form's stored state is the log of everything its updates brought and its API calls returned, replayed on every
 * update. Of the bot's own messages (what a send or an edit returned, and the message a button was on) the forms
 * read only which message it was; their text and keyboards are dropped from the log, which halves its size.
 * The person's own messages are kept whole.
 */
function slimMessages(this: unknown, key: string, value: unknown): unknown {
  const parent = this as Record<string, unknown>;
  const isBotMessage =
    (key === "message" && "chat_instance" in parent) || // callback_query.message
    (key === "result" && parent.ok === true); // a Bot API result
  if (!isBotMessage || !value || typeof value !== "object" || !("message_id" in value)) return value;
  const m = value as { message_id: number; date?: number; chat?: { id: unknown; type?: unknown } };
  return { message_id: m.message_id, date: m.date, chat: m.chat && { id: m.chat.id, type: m.chat.type } };
}

function unmarked() {
  const handling = currentHandling.getStore();
  return handling && !handling.marked ? handling : undefined;
}
