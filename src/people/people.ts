// People are known by their chat identities (a Telegram or Zalo account). A person record holds only
// what the bot needs to talk to them: the identity and a language.
import type { Channel, Language } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";

export interface ChatAddress {
  channel: Channel;
  externalId: string;
  chatId: string;
}

export interface PersonRef {
  id: string;
  language: Language;
  languageChosen: boolean;
}

const personRef = { id: true, language: true, languageChosen: true } as const;

/** Finds the person behind a chat identity, creating both on first contact. Safe under concurrency. */
export async function findOrCreatePerson(
  prisma: PrismaClient,
  address: ChatAddress,
  languageHint: Language,
): Promise<PersonRef> {
  const where = { channel_externalId: { channel: address.channel, externalId: address.externalId } };
  const found = await prisma.chatIdentity.findUnique({ where, select: { person: { select: personRef } } });
  if (found) return found.person;
  const identity = await prisma.chatIdentity.upsert({
    where,
    update: {},
    create: { ...address, person: { create: { language: languageHint } } },
    select: { person: { select: personRef } },
  });
  return identity.person;
}

export async function setLanguage(prisma: PrismaClient, personId: string, language: Language): Promise<void> {
  await prisma.person.update({ where: { id: personId }, data: { language, languageChosen: true } });
}

/** The platform told us this person blocked the bot: stop sending until they write again. */
export async function markUnreachable(prisma: PrismaClient, address: Omit<ChatAddress, "chatId">): Promise<void> {
  await prisma.person.updateMany({
    where: { identities: { some: { channel: address.channel, externalId: address.externalId } } },
    data: { unreachableAt: new Date() },
  });
}

export async function markReachable(prisma: PrismaClient, personId: string): Promise<void> {
  await prisma.person.updateMany({ where: { id: personId, unreachableAt: { not: null } }, data: { unreachableAt: null } });
}

/** Where to reach a person on a channel, if they have an identity there. */
export async function addressOf(prisma: PrismaClient, personId: string, channel: Channel) {
  return prisma.chatIdentity.findFirst({ where: { personId, channel }, select: { chatId: true, externalId: true } });
}
