// The web chat as a channel of the bot (through ../router.ts): the bot's Bot API calls for "web:<id>" chats become
// messages of the transcript the page shows, buttons as buttons, edits as edits, files as downloads; what the
// person does on the page comes back as Telegram updates.
import type { InlineKeyboardButton, KeyboardButton, Update } from "grammy/types";
import { z } from "zod";
import { sentFile } from "../files.ts";
import { addressOf, webChatId } from "../address.ts";
import {
  ChannelRefusal,
  channelChat,
  channelUser,
  editedText,
  sentDocument,
  sentPhoto,
  sentText,
  type ChannelGateway,
  type Params,
  type Serves,
} from "../gateway.ts";
import type { Transcript, WebButton, WebContent } from "./transcript.ts";

/** What the page sent, as stored in the inbox: the person's message is already in the transcript under messageId. */
export const webIncoming = z.object({
  chat: z.string().min(1).max(64),
  messageId: z.number().int().positive(),
  name: z.string().max(128),
  lang: z.string().max(8).optional(),
  at: z.number(),
  text: z.string().max(4096).optional(),
  press: z.object({ messageId: z.number().int().positive(), data: z.string().max(64) }).optional(),
  contact: z.object({ phone: z.string().max(32) }).optional(),
  file: z
    .object({ id: z.string().max(64), name: z.string().max(256), mime: z.string().max(128), size: z.number(), photo: z.boolean(), caption: z.string().max(1024).optional() })
    .optional(),
});
export type WebIncoming = z.infer<typeof webIncoming>;

/** The file id the bot sees for a web chat file (an address of the web channel, see ../address.ts). */
export const webFileId = (storedId: string) => webChatId(storedId);

export class WebGateway implements ChannelGateway {
  readonly channel = "WEB" as const;

  constructor(private readonly transcript: Transcript) {}

  readonly serves: Serves = {
    sendMessage: async (p) => {
      const chatId = String(p.chat_id);
      const message = await this.transcript.add(chatId, true, { ...textOf(p.text, p.parse_mode), ...markupOf(p.reply_markup) });
      return sentText(chatId, message.id, p.text);
    },
    editMessageText: async (p) => {
      const chatId = String(p.chat_id ?? "");
      const text = p.text ?? "";
      const edited = await this.transcript.replace(chatId, Number(p.message_id), (before) => ({
        ...withoutText(before),
        ...textOf(text, p.parse_mode),
        ...inlineOf(p.reply_markup),
        edited: true,
      }));
      if (!edited) throw new ChannelRefusal(400, "Bad Request: message to edit not found");
      return editedText(chatId, edited.id, text);
    },
    editMessageReplyMarkup: async (p) => {
      const chatId = String(p.chat_id ?? "");
      const edited = await this.transcript.replace(chatId, Number(p.message_id), (before) => ({ ...before, buttons: undefined, ...inlineOf(p.reply_markup) }));
      if (!edited) throw new ChannelRefusal(400, "Bad Request: message to edit not found");
      return true;
    },
    answerCallbackQuery: async (p) => {
      // Telegram shows this as a passing note over the chat; here it is a short message from the bot.
      const { chat } = callbackParts(p.callback_query_id);
      if (chat && p.text) await this.transcript.add(chat, true, { text: p.text });
      return true;
    },
    sendPhoto: async (p) => {
      const chatId = String(p.chat_id);
      const { id, message } = await this.sendFile(chatId, "photo", p.photo, p.caption, p.parse_mode, p.reply_markup);
      return sentPhoto(chatId, message, id, p.caption);
    },
    sendDocument: async (p) => {
      const chatId = String(p.chat_id);
      const { id, name, message } = await this.sendFile(chatId, "document", p.document, p.caption, p.parse_mode, p.reply_markup);
      return sentDocument(chatId, message, id, name, p.caption);
    },
    getFile: async (p) => {
      const stored = await this.transcript.file(addressOf(p.file_id).externalId);
      if (!stored) throw new ChannelRefusal(400, "Bad Request: invalid file_id");
      return { file_id: p.file_id, file_unique_id: stored.id, file_size: stored.bytes.length, file_path: stored.id };
    },
    deleteMessage: async (p) => {
      await this.transcript.remove(String(p.chat_id), p.message_id);
      return true;
    },
    // The page builds its menu from the person's roles itself; "typing…" and reactions have nothing to show.
    setMyCommands: "ignore",
    deleteMyCommands: "ignore",
    setChatMenuButton: "ignore",
    sendChatAction: "ignore",
    setMessageReaction: "ignore",
  };

  async download(fileId: string, maxBytes: number): Promise<Buffer> {
    const stored = await this.transcript.file(addressOf(fileId).externalId);
    if (!stored) throw new ChannelRefusal(400, "Bad Request: invalid file_id");
    if (stored.bytes.length > maxBytes) throw new ChannelRefusal(400, "Bad Request: file is too big");
    return stored.bytes;
  }

  async toUpdate(payload: unknown): Promise<Update | null> {
    const parsed = webIncoming.safeParse(payload);
    if (!parsed.success) return null;
    const m = parsed.data;
    const chatId = webChatId(m.chat);
    const from = channelUser(chatId, m.name, m.lang);
    const chat = channelChat(chatId, m.name);
    const base = { message_id: m.messageId, date: Math.floor(m.at / 1000), chat, from };
    // Unique enough for grammY, which only passes it on: the message ids of one chat grow.
    const update_id = m.messageId;
    if (m.press) {
      const pressed = await this.transcript.find(chatId, m.press.messageId);
      return {
        update_id,
        callback_query: {
          id: callbackId(m.chat, m.messageId),
          from,
          chat_instance: chatId,
          data: m.press.data,
          message: { message_id: m.press.messageId, date: base.date, chat, text: pressed?.text ?? textFromHtml(pressed?.html ?? "") },
        },
      };
    }
    if (m.contact) return { update_id, message: { ...base, contact: { phone_number: m.contact.phone, first_name: m.name, user_id: from.id } } };
    if (m.file) {
      const file_id = webFileId(m.file.id);
      const caption = m.file.caption ? { caption: m.file.caption } : {};
      if (m.file.photo) return { update_id, message: { ...base, photo: [{ file_id, file_unique_id: m.file.id, width: 0, height: 0, file_size: m.file.size }], ...caption } };
      return { update_id, message: { ...base, document: { file_id, file_unique_id: m.file.id, file_name: m.file.name, mime_type: m.file.mime, file_size: m.file.size }, ...caption } };
    }
    const text = m.text ?? "";
    const command = /^\/[A-Za-z0-9_]+/.exec(text)?.[0];
    return {
      update_id,
      message: { ...base, text, ...(command ? { entities: [{ type: "bot_command" as const, offset: 0, length: command.length }] } : {}) },
    };
  }

  private async sendFile(
    chatId: string,
    kind: "photo" | "document",
    file: Params<"sendPhoto">["photo"],
    caption: string | undefined,
    parseMode: string | undefined,
    markup: unknown,
  ): Promise<{ id: string; name: string; message: number }> {
    const text = caption ? textOf(caption, parseMode) : {};
    const made = sentFile(file);
    // A file the bot made now (a chart, a PDF), or one a person sent earlier on the web chat (a broadcast's photo).
    const stored = made
      ? await this.transcript.saveFile(chatId, made.name, mimeOf(made.name), made.bytes)
      : typeof file === "string" && addressOf(file).channel === "WEB"
        ? await this.transcript.file(addressOf(file).externalId)
        : null;
    if (!stored) throw new ChannelRefusal(400, "Bad Request: this file cannot be shown in the web chat");
    const content: WebContent = {
      ...text,
      ...markupOf(markup),
      file: { kind, url: `/files/${stored.id}`, name: stored.name, mime: stored.mime, size: stored.bytes.length },
    };
    const message = await this.transcript.add(chatId, true, content);
    return { id: webFileId(stored.id), name: stored.name, message: message.id };
  }
}

const callbackId = (chat: string, messageId: number) => webChatId(`cb:${chat}:${messageId}`);

function callbackParts(id: string): { chat?: string } {
  const match = /^cb:(.+):\d+$/.exec(addressOf(id).externalId);
  return match ? { chat: webChatId(match[1]!) } : {};
}

function textOf(text: string, parseMode: string | undefined): Pick<WebContent, "text" | "html"> {
  return parseMode === "HTML" ? { html: text } : { text };
}

/** What an edit of the text keeps: the file. Telegram drops the buttons unless the edit gives them again. */
function withoutText({ text: _text, html: _html, buttons: _buttons, ...rest }: WebContent): WebContent {
  return rest;
}

function inlineOf(markup: unknown): Pick<WebContent, "buttons"> {
  const rows = (markup as { inline_keyboard?: InlineKeyboardButton[][] } | undefined)?.inline_keyboard;
  if (!rows) return {};
  const buttons = rows
    .map((row) =>
      row.flatMap((b): WebButton[] => {
        if ("callback_data" in b && b.callback_data) return [{ label: b.text, data: b.callback_data }];
        if ("url" in b && b.url) return [{ label: b.text, url: b.url }];
        return [];
      }),
    )
    .filter((row) => row.length > 0);
  return buttons.length ? { buttons } : {};
}

function markupOf(markup: unknown): Pick<WebContent, "buttons" | "keyboard" | "removeKeyboard"> {
  const m = markup as { keyboard?: KeyboardButton[][]; one_time_keyboard?: boolean; remove_keyboard?: boolean } | undefined;
  if (m?.remove_keyboard) return { removeKeyboard: true };
  if (m?.keyboard) {
    const rows = m.keyboard.map((row) =>
      row.map((b) => (typeof b === "string" ? { label: b } : { label: b.text, ...("request_contact" in b && b.request_contact ? { contact: true as const } : {}) })),
    );
    return { keyboard: { rows, ...(m.one_time_keyboard ? { oneTime: true } : {}) } };
  }
  return inlineOf(markup);
}

const MIME: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  pdf: "application/pdf",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  csv: "text/csv",
  json: "application/json",
};

function mimeOf(name: string): string {
  return MIME[/\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? ""] ?? "application/octet-stream";
}

/** The text of an HTML message, for a button press's message (features compare it when they close a question). */
function textFromHtml(html: string): string {
  return html.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
}

