// What each channel can show, so that a feature offers more where a channel has it without naming the channel.
import type { Channel } from "../generated/prisma/client.ts";
import type { T } from "../i18n/i18n.ts";

export interface ChannelCapabilities {
  /** Its name, as people know it (brands stay as they are). */
  name(t: T): string;
  /** A t.me link opens the bot there (join links in reminders). */
  telegramLinks: boolean;
  /** The bot sets each person's command menu there (setMyCommands for their chat). */
  personalMenus: boolean;
  /** The bot can send a file it made (a member card's picture); Zalo takes pictures by public address only. */
  uploads: boolean;
}

export const CHANNELS: Record<Channel, ChannelCapabilities> = {
  TELEGRAM: { name: () => "Telegram", telegramLinks: true, personalMenus: true, uploads: true },
  ZALO: { name: () => "Zalo", telegramLinks: false, personalMenus: false, uploads: false },
  // The page builds the menu from the person's roles itself (src/channels/web/server.ts).
  WEB: { name: (t) => t("broadcasts.web_channel"), telegramLinks: false, personalMenus: false, uploads: true },
};

export const CHANNEL_ORDER = Object.keys(CHANNELS) as Channel[];
