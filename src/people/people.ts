// People are known by their chat identities (a Telegram or Zalo account). A person record holds only
// what the bot needs to talk to them: the identity and a language.
import { isUniqueViolation } from "../db/transient.ts";
import type { Channel, Language } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { PersonCache, type KnownPerson } from "./person-cache.ts";

export type { KnownPerson };

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

/**
 * Every update asks who sent it. The answer changes rarely (a language chosen, the bot blocked), so it is kept
 * in memory for a short while: a change made in this process updates the cache at once; one made by another
 * instance sharing the database shows within PERSON_CACHE_TTL_MS. One cache per client, i.e. per database.
 */
const caches = new WeakMap<PrismaClient, PersonCache>();
function cacheOf(prisma: PrismaClient): PersonCache {
  let cache = caches.get(prisma);
  if (!cache) caches.set(prisma, (cache = new PersonCache()));
  return cache;
}

interface PersonRow {
  id: string;
  language: Language;
  languageChosen: boolean;
  unreachable: boolean;
  lastChannel: Channel | null;
}

/** The identity and its person in one statement (Prisma's nested select costs two). */
async function lookUp(prisma: PrismaClient, channel: Channel, externalId: string): Promise<KnownPerson | undefined> {
  const rows = await prisma.$queryRaw<PersonRow[]>`
    SELECT p.id, p.language::text AS language, p."languageChosen", p."unreachableAt" IS NOT NULL AS unreachable,
           p."lastChannel"::text AS "lastChannel"
    FROM "ChatIdentity" c JOIN "Person" p ON p.id = c."personId"
    WHERE c.channel = ${channel}::"Channel" AND c."externalId" = ${externalId}`;
  return rows[0];
}

async function create(prisma: PrismaClient, address: ChatAddress, languageHint: Language): Promise<KnownPerson> {
  const identity = await prisma.chatIdentity.upsert({
    where: { channel_externalId: { channel: address.channel, externalId: address.externalId } },
    update: {},
    // Its first channel is the one it wrote from last, so the first update needs no second write.
    create: { ...address, person: { create: { language: languageHint, lastChannel: address.channel } } },
    select: { person: { select: { id: true, language: true, languageChosen: true, unreachableAt: true, lastChannel: true } } },
  });
  const { unreachableAt, ...ref } = identity.person;
  return { ...ref, unreachable: unreachableAt !== null };
}

/** Finds the person behind a chat identity, creating both on first contact. Safe under concurrency. */
export async function findOrCreatePerson(
  prisma: PrismaClient,
  address: ChatAddress,
  languageHint: Language,
): Promise<KnownPerson> {
  const cache = cacheOf(prisma);
  const key = PersonCache.key(address.channel, address.externalId);
  const cached = cache.get(key);
  if (cached) return { ...cached };
  let person = await lookUp(prisma, address.channel, address.externalId);
  person ??= await create(prisma, address, languageHint).catch(async (error: unknown) => {
    // Two first updates of one account at once: the other created it.
    const theirs = isUniqueViolation(error) ? await lookUp(prisma, address.channel, address.externalId) : undefined;
    if (!theirs) throw error;
    return theirs;
  });
  cache.set(key, person);
  return { ...person };
}

export async function setLanguage(prisma: PrismaClient, personId: string, language: Language): Promise<void> {
  await prisma.person.update({ where: { id: personId }, data: { language, languageChosen: true } });
  cacheOf(prisma).update([personId], { language, languageChosen: true });
}

/** The platform told us this person blocked the bot: stop sending until they write again. */
export async function markUnreachable(prisma: PrismaClient, address: Omit<ChatAddress, "chatId">): Promise<void> {
  await prisma.person.updateMany({
    where: { identities: { some: { channel: address.channel, externalId: address.externalId } } },
    data: { unreachableAt: new Date() },
  });
  const cache = cacheOf(prisma);
  const key = PersonCache.key(address.channel, address.externalId);
  const cached = cache.peek(key);
  cache.delete(key);
  if (cached) cache.update([cached.id], { unreachable: true });
}

/** Other code of this process marked these people unreachable directly: the cache must not say otherwise. */
export function rememberUnreachable(prisma: PrismaClient, personIds: readonly string[]): void {
  if (personIds.length > 0) cacheOf(prisma).update(personIds, { unreachable: true });
}

/** They wrote to the bot, so it may write to them again. Writes only when they were marked unreachable. */
export async function markReachable(prisma: PrismaClient, person: Pick<KnownPerson, "id" | "unreachable">): Promise<void> {
  if (!person.unreachable) return;
  await prisma.person.updateMany({ where: { id: person.id, unreachableAt: { not: null } }, data: { unreachableAt: null } });
  cacheOf(prisma).update([person.id], { unreachable: false });
}

/**
 * They wrote from this channel: the bot's own messages to them go there from now on (src/bot/send.ts). Writes only
 * when it changed, so a person who stays on one channel costs no write per update.
 */
export async function noteChannel(prisma: PrismaClient, person: Pick<KnownPerson, "id" | "lastChannel">, channel: Channel): Promise<void> {
  if (person.lastChannel === channel) return;
  await prisma.person.updateMany({ where: { id: person.id }, data: { lastChannel: channel } });
  cacheOf(prisma).update([person.id], { lastChannel: channel });
}

/** Which person these identities belong to changed (joined or separated): their next update reads it again. */
export function forgetPeople(prisma: PrismaClient, personIds: readonly string[]): void {
  cacheOf(prisma).forget(personIds);
}

/** Where to reach a person on a channel, if they have an identity there. */
export async function addressOf(prisma: PrismaClient, personId: string, channel: Channel) {
  return prisma.chatIdentity.findFirst({ where: { personId, channel }, select: { chatId: true, externalId: true } });
}
