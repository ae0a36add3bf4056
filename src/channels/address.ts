// One address space for chats on every channel. The bot's features speak the Telegram Bot API whatever the channel
// (see ./router.ts), so a chat of another channel needs an id that can never be a Telegram one: Telegram's are
// numbers, the others' are written "<channel>:<the channel's own id>" ("zalo:8a1f…", "web:chair").
// ChatIdentity.chatId keeps this address; ChatIdentity.externalId the channel's own id.
import type { Channel } from "../generated/prisma/client.ts";

/** A channel the bot reaches through a gateway of its own (everything but Telegram). */
export type GatewayChannel = Exclude<Channel, "TELEGRAM">;

export interface ChatAddress {
  channel: Channel;
  /** The channel's own id of the chat (Telegram's number as text). */
  externalId: string;
}

const PREFIXES: Record<GatewayChannel, string> = { ZALO: "zalo:", WEB: "web:" };

/** The chat id the bot uses for a chat of a gateway channel. */
export const chatIdOf = (channel: GatewayChannel, externalId: string) => `${PREFIXES[channel]}${externalId}`;

export const zaloChatId = (zaloId: string) => chatIdOf("ZALO", zaloId);
export const webChatId = (localId: string) => chatIdOf("WEB", localId);

/**
 * The channel a chat id (or a user id, a callback query id, a file id minted by a gateway) belongs to, and the
 * channel's own id. Anything without a known prefix is Telegram's.
 */
export function addressOf(id: string | number): ChatAddress {
  const text = String(id);
  for (const [channel, prefix] of Object.entries(PREFIXES) as [GatewayChannel, string][]) {
    if (text.startsWith(prefix)) return { channel, externalId: text.slice(prefix.length) };
  }
  return { channel: "TELEGRAM", externalId: text };
}
