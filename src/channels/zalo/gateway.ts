// Zalo through the bot's one channel seam (../router.ts): the features are written against the Telegram Bot API, and
// Zalo's Bot API is a small copy of it without buttons, edits or uploads. The gateway carries out the bot's calls for
// Zalo chats ("zalo:<id>", see ../address.ts) with Zalo calls, and turns Zalo updates into Telegram updates. Buttons
// become numbered lines the person answers by typing the number, which comes back to the bot as the button press;
// edits become new messages; files become a note.
import type { InlineKeyboardButton, Message, Update } from "grammy/types";
import type { PrismaClient } from "../../db/database.ts";
import { isLang, tFor, type Lang } from "../../i18n/i18n.ts";
import { addressOf, zaloChatId } from "../address.ts";
import { ChannelRefusal, channelChat, channelUser, editedText, sentDocument, sentPhoto, sentText, type ChannelGateway, type Params, type Serves } from "../gateway.ts";
import { ZaloApiError, type ZaloApi } from "./api.ts";
import { parseUpdate, photoUrlOf, type ZaloUpdate } from "./update.ts";

/** The buttons of the newest bot message in a chat: a typed number presses one of them. */
interface ShownKeyboard {
  messageId: number;
  text: string;
  buttons: { label: string; data?: string; url?: string }[];
}

const KEYCAPS = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟"];
/** Enough to recognise an edit of a recent message; older ones are simply sent anew. */
const REMEMBERED_TEXTS = 2_000;
/** The file id returned for a file Zalo could not take (the person got a note instead). */
const UNSENT_FILE = zaloChatId("unsent-file");

export class ZaloGateway implements ChannelGateway {
  readonly channel = "ZALO" as const;
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

  readonly serves: Serves = {
    sendMessage: (p) => this.inChat(p.chat_id, async (chatId) => this.send(chatId, plain(p.text, p.parse_mode), p.reply_markup)),
    editMessageText: (p) =>
      this.inChat(p.chat_id ?? "", async (chatId) => this.edit(chatId, Number(p.message_id), plain(p.text ?? "", p.parse_mode), p.reply_markup)),
    answerCallbackQuery: (p) =>
      this.zalo(async () => {
        // Telegram shows this text as a toast; Zalo can only say it as a message.
        const chat = this.callbackChats.get(p.callback_query_id);
        this.callbackChats.delete(p.callback_query_id);
        if (chat && p.text) await this.api.sendMessage(addressOf(chat).externalId, p.text);
        return true as const;
      }),
    sendChatAction: (p) =>
      this.zalo(async () => {
        await this.api.sendChatAction(addressOf(p.chat_id).externalId, p.action === "upload_photo" ? "upload_photo" : "typing");
        return true as const;
      }),
    sendPhoto: (p) =>
      this.inChat(p.chat_id, async (chatId) => {
        const caption = p.caption ? plain(p.caption, p.parse_mode) : "";
        const messageId = await this.sendFile(chatId, p.photo, caption);
        return sentPhoto(chatId, messageId, typeof p.photo === "string" ? p.photo : UNSENT_FILE, caption);
      }),
    sendDocument: (p) =>
      this.inChat(p.chat_id, async (chatId) => {
        const caption = p.caption ? plain(p.caption, p.parse_mode) : "";
        const messageId = await this.sendFile(chatId, p.document, caption);
        return sentDocument(chatId, messageId, UNSENT_FILE, "file", caption);
      }),
    getFile: async () => {
      // Zalo sends photos as public URLs and takes no documents: there is no file to fetch by id.
      throw new ChannelRefusal(400, "Bad Request: Zalo has no files to fetch");
    },
    // Zalo has no command menus, and a closed question's buttons were numbered lines already sent.
    setMyCommands: "ignore",
    deleteMyCommands: "ignore",
    editMessageReplyMarkup: "ignore",
    setChatMenuButton: "ignore",
    deleteMessage: "ignore",
    setMessageReaction: "ignore",
  };

  /** A Zalo update as the Telegram update the bot understands, or null for what the bot ignores (groups, junk). */
  async toUpdate(payload: unknown): Promise<Update | null> {
    const update = parseUpdate(payload);
    return update ? this.toTelegramUpdate(update) : null;
  }

  private async toTelegramUpdate(update: ZaloUpdate): Promise<Update | null> {
    const m = update.message;
    if (m.chat.chat_type !== "PRIVATE" || m.from.is_bot) return null;
    const chatId = zaloChatId(m.chat.id);
    const name = m.from.display_name?.trim() || "Zalo";
    const from = channelUser(zaloChatId(m.from.id), name);
    const chat = channelChat(chatId, name);
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
          message: { message_id: shown.messageId, date: base.date, chat, text: shown.text },
        },
      };
    }
    let message: Message & Update.NonChannel;
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
      message = base as Message & Update.NonChannel;
    }
    return { update_id, message };
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

  private inChat<R>(id: string | number, work: (chatId: string) => Promise<R>): Promise<R> {
    const chatId = String(id);
    const previous = this.chatQueues.get(chatId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.zalo(() => work(chatId)));
    this.chatQueues.set(chatId, next);
    void next.catch(() => undefined).finally(() => {
      if (this.chatQueues.get(chatId) === next) this.chatQueues.delete(chatId);
    });
    return next;
  }

  /** Zalo's refusals as Telegram's: what the bot's API policy and outbox already know how to treat. */
  private async zalo<R>(work: () => Promise<R>): Promise<R> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ZaloApiError)) throw error;
      // Zalo's 429 is the plan's monthly quota, not a flood wait: a long retry_after makes the API policy give up at once.
      if (error.quotaExceeded) throw new ChannelRefusal(429, `Zalo: ${error.description}`, 3600);
      // Zalo's 403 means an internal error, not "blocked": it must not mark the person unreachable.
      throw new ChannelRefusal(error.errorCode === 400 ? 400 : 502, `Zalo ${error.errorCode}: ${error.description}`);
    }
  }

  private async send(chatId: string, text: string, markup: unknown): Promise<Message.TextMessage> {
    const shown = buttonsOf(markup);
    const messageId = this.nextMessageId++;
    // Remembered before it is sent: the person's typed answer may come back before the send call returns.
    await this.remember(chatId, messageId, text, shown);
    await this.api.sendMessage(addressOf(chatId).externalId, await this.withButtons(chatId, text, shown));
    return sentText(chatId, messageId, text);
  }

  private async withButtons(chatId: string, text: string, shown: ShownKeyboard["buttons"]): Promise<string> {
    if (shown.length === 0) return text;
    const hint = shown.some((b) => b.data) ? `\n\n${tFor(await this.langOf(chatId))("zalo.reply_with_number")}` : "";
    return `${text}\n\n${renderButtons(shown)}${hint}`;
  }

  private async edit(chatId: string, messageId: number, text: string, markup: unknown) {
    const shown = buttonsOf(markup);
    const before = this.texts.get(messageId) ?? (await this.shownKeyboard(chatId).then((k) => (k?.messageId === messageId ? k.text : undefined)));
    // Closing a question's buttons ("question → answer") repeats what the person just did: nothing to send.
    const closing = shown.length === 0 && before !== undefined && text.startsWith(before);
    await this.remember(chatId, messageId, text, shown);
    if (!closing) await this.api.sendMessage(addressOf(chatId).externalId, await this.withButtons(chatId, text, shown));
    return editedText(chatId, messageId, text);
  }

  /** Returns the id of the message that stands for the file. */
  private async sendFile(chatId: string, file: Params<"sendPhoto">["photo"], caption: string): Promise<number> {
    const target = addressOf(chatId).externalId;
    if (typeof file === "string" && /^https:\/\//.test(file)) {
      await this.api.sendPhoto(target, file, caption || undefined);
    } else {
      // Zalo takes photos by public URL only and no documents at all.
      const note = tFor(await this.langOf(chatId))("zalo.file_unavailable");
      await this.api.sendMessage(target, caption ? `${caption}\n\n${note}` : note);
    }
    const messageId = this.nextMessageId++;
    await this.remember(chatId, messageId, caption, []);
    return messageId;
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
