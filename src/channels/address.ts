// One address space for chats on every channel. The bot speaks the Telegram Bot API to both platforms (Zalo through
// a gateway, src/channels/zalo/gateway.ts), so a Zalo chat needs an id that can never be a Telegram one: Telegram's
// are numbers, Zalo's are written "zalo:<Zalo id>". ChatIdentity.externalId keeps the platform's own id.
import type { Channel } from "../generated/prisma/client.ts";

export const ZALO_PREFIX = "zalo:";

export const zaloChatId = (zaloId: string) => `${ZALO_PREFIX}${zaloId}`;

/** The channel a chat or user id belongs to, and the platform's own id. */
export function channelOf(id: string | number): { channel: Channel; externalId: string } {
  const text = String(id);
  return text.startsWith(ZALO_PREFIX)
    ? { channel: "ZALO", externalId: text.slice(ZALO_PREFIX.length) }
    : { channel: "TELEGRAM", externalId: text };
}
