// What a channel other than Telegram provides to the bot: the Bot API methods it carries out for its chats, typed by
// Telegram's own signatures, and its updates turned into Telegram's. The features speak the Bot API only; the
// router (./router.ts) sends each call to the gateway of the chat's channel. A new channel is one gateway.
import type { InputFile } from "grammy";
import type { ApiMethods, Chat, Message, Update, User } from "@grammyjs/types";
import type { GatewayChannel } from "./address.ts";

export type BotApi = ApiMethods<InputFile>;
export type MethodName = keyof BotApi;
export type Params<M extends MethodName> = Parameters<BotApi[M]>[0];
export type Result<M extends MethodName> = ReturnType<BotApi[M]>;

/** Carries out one method, with Telegram's parameters and result. */
export type Handler<M extends MethodName> = (params: Params<M>) => Promise<Result<M>>;

/**
 * The methods the features call in any person's chat. Every gateway must say, for each, how it carries it out or
 * that it has nothing to do ("ignore": answered `true`, as for command menus on a channel without them), so a
 * channel cannot miss one: the compiler checks it. Add a method here when a feature starts to call it.
 */
export type FeatureMethod =
  | "sendMessage"
  | "editMessageText"
  | "editMessageReplyMarkup"
  | "answerCallbackQuery"
  | "sendPhoto"
  | "sendDocument"
  | "sendChatAction"
  | "getFile"
  | "setMyCommands"
  | "deleteMyCommands";

export type Serves = { [M in FeatureMethod]: Handler<M> | "ignore" } & { [M in Exclude<MethodName, FeatureMethod>]?: Handler<M> | "ignore" };

export interface ChannelGateway {
  readonly channel: GatewayChannel;
  readonly serves: Serves;
  /** The Telegram update the bot understands, for one of the channel's own stored in the inbox; null: not for the bot. */
  toUpdate(payload: unknown): Promise<Update | null>;
  /** The bytes of a file a person sent on this channel (the file id is an address of this channel). */
  download?(fileId: string, maxBytes: number): Promise<Buffer>;
}

/** A call the channel refused; it reaches the feature as Telegram's refusal would (a GrammyError with this code). */
export class ChannelRefusal extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    /** Seconds to wait before trying again (Telegram's retry_after). */
    readonly retryAfter?: number,
  ) {
    super(description);
    this.name = "ChannelRefusal";
  }
}

// Telegram's types say ids are numbers; a gateway channel's ids are text that carries the channel ("zalo:…"). grammY
// passes ids through untouched and the Bot API accepts text ids, so the one conversion between the two lives here.
const asTelegramId = (chatId: string) => chatId as unknown as number;

/** The sender of a gateway channel's update. */
export function channelUser(chatId: string, name: string, languageCode?: string): User {
  return { id: asTelegramId(chatId), is_bot: false, first_name: name, ...(languageCode ? { language_code: languageCode } : {}) };
}

/** The private chat of a gateway channel's update. */
export function channelChat(chatId: string, name: string): Chat.PrivateChat {
  return { id: asTelegramId(chatId), type: "private", first_name: name };
}

/** What the Bot API returns for a message the bot sent or edited (features read its id). */
function sent(chatId: string, messageId: number) {
  return { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: channelChat(chatId, "") };
}

export const sentText = (chatId: string, messageId: number, text: string): Message.TextMessage => ({ ...sent(chatId, messageId), text });

export const editedText = (chatId: string, messageId: number, text: string) => ({ ...sent(chatId, messageId), text, edit_date: Math.floor(Date.now() / 1000) });

export const sentPhoto = (chatId: string, messageId: number, fileId: string, caption?: string): Message.PhotoMessage => ({
  ...sent(chatId, messageId),
  photo: [{ file_id: fileId, file_unique_id: fileId, width: 0, height: 0 }],
  ...(caption ? { caption } : {}),
});

export const sentDocument = (chatId: string, messageId: number, fileId: string, fileName: string, caption?: string): Message.DocumentMessage => ({
  ...sent(chatId, messageId),
  document: { file_id: fileId, file_unique_id: fileId, file_name: fileName },
  ...(caption ? { caption } : {}),
});
