import type { ConversationFlavor } from "@grammyjs/conversations";
import type { Context } from "grammy";
import type { Config } from "../config.ts";
import type { PrismaClient } from "../db/database.ts";
import type { T, Lang } from "../i18n/i18n.ts";
import type { PgBoss } from "../jobs/boss.ts";
import type { Logger } from "../logger.ts";
import type { PersonRef } from "../people/people.ts";
import type { ChannelRouter } from "../channels/router.ts";

/** What the bot's features need from the rest of the application. */
export interface Deps {
  prisma: PrismaClient;
  boss: PgBoss;
  logger: Logger;
  config: Config;
  /** Carries the calls for chats of the other channels (Zalo, the web chat) and fetches the files sent there. */
  channels: ChannelRouter;
}

export interface PersonFlavor {
  deps: Deps;
  /** Set for every update that has a sender (private chats, buttons). */
  person: PersonRef;
  lang: Lang;
  t: T;
}

/** The context outside conversations. */
export type BotContext = ConversationFlavor<Context & PersonFlavor>;
/** The context inside conversations: rebuilt on replay, so it carries only what plugins add. */
export type InnerContext = Context;
