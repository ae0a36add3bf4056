// Sending to a person who is not the one we are replying to (a chair, an applicant). A person who
// blocked the bot is marked unreachable instead of failing the whole action.
import { GrammyError, type Api } from "grammy";
import type { Channel } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { isLang, type Lang } from "../i18n/i18n.ts";
import type { Logger } from "../logger.ts";
import { markUnreachable } from "../people/people.ts";

export interface Recipient {
  personId: string;
  channel: Channel;
  chatId: string;
  externalId: string;
  lang: Lang;
}

/**
 * Where to reach a person: the channel they wrote from last (one person may be on Telegram and Zalo, see /link),
 * else their Telegram chat, else Zalo, else the web chat (the bot's API reaches all, see channels/router.ts).
 */
export async function recipientOf(prisma: PrismaClient, personId: string): Promise<Recipient | null> {
  return (await recipientsOf(prisma, [personId])).get(personId) ?? null;
}

/** recipientOf for many people at once (a few queries, whatever their number); the unreachable are left out. */
export async function recipientsOf(prisma: PrismaClient, personIds: string[]): Promise<Map<string, Recipient>> {
  const out = new Map<string, Recipient>();
  for (let i = 0; i < personIds.length; i += 5_000) {
    const identities = await prisma.chatIdentity.findMany({
      where: { personId: { in: personIds.slice(i, i + 5_000) }, person: { unreachableAt: null } },
      orderBy: [{ personId: "asc" }, { channel: "asc" }],
      select: { personId: true, channel: true, chatId: true, externalId: true, person: { select: { language: true, lastChannel: true } } },
    });
    for (const identity of identities) {
      // In the Channel enum's order (Telegram, Zalo, the web chat) unless the identity they used last comes later.
      const chosen = out.get(identity.personId);
      const last = identity.person.lastChannel;
      if (chosen && (chosen.channel === last || identity.channel !== last)) continue;
      const lang = isLang(identity.person.language) ? identity.person.language : "vi";
      out.set(identity.personId, { personId: identity.personId, channel: identity.channel, chatId: identity.chatId, externalId: identity.externalId, lang });
    }
  }
  return out;
}

/** 403 from Telegram: blocked by the user, or the account is gone. Retrying cannot help. */
export function isUnreachableError(error: unknown): boolean {
  return error instanceof GrammyError && error.error_code === 403;
}

export async function sendToRecipient(
  deps: { api: Api; prisma: PrismaClient; logger: Logger },
  recipient: Recipient,
  text: string,
  other?: Parameters<Api["sendMessage"]>[2],
): Promise<boolean> {
  return reachRecipient(deps, recipient, (chatId) => deps.api.sendMessage(chatId, text, other));
}

/** Sends anything (a photo, a document) to the recipient's chat; false, and they are marked, when they blocked the bot. */
export async function reachRecipient(
  deps: { prisma: PrismaClient; logger: Logger },
  recipient: Recipient,
  send: (chatId: string) => Promise<unknown>,
): Promise<boolean> {
  try {
    await send(recipient.chatId);
    return true;
  } catch (error) {
    if (!isUnreachableError(error)) throw error;
    deps.logger.info({ personId: recipient.personId }, "recipient unreachable; marked");
    await markUnreachable(deps.prisma, { channel: recipient.channel, externalId: recipient.externalId });
    return false;
  }
}
