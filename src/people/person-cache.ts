// A bounded, short-lived memory of who is behind a chat identity (see findOrCreatePerson). Least recently used
// entries go first; an entry older than the TTL is read again, since another instance may have changed it.
import type { Channel, Language } from "../generated/prisma/client.ts";

export interface KnownPerson {
  id: string;
  language: Language;
  languageChosen: boolean;
  /** Marked unreachable (they blocked the bot); cleared when they write again. */
  unreachable: boolean;
  /** The channel they wrote from last (Person.lastChannel): compared on every update, written only on a change. */
  lastChannel?: Channel | null;
}

export const PERSON_CACHE_SIZE = 10_000;
export const PERSON_CACHE_TTL_MS = 60_000;

interface Entry {
  person: KnownPerson;
  readAt: number;
}

export class PersonCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly size = PERSON_CACHE_SIZE,
    private readonly ttlMs = PERSON_CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  static key(channel: Channel, externalId: string): string {
    return `${channel}:${externalId}`;
  }

  get(key: string): KnownPerson | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (this.now() - entry.readAt > this.ttlMs) return undefined;
    // Map keeps insertion order: re-inserting makes this the most recently used.
    this.entries.set(key, entry);
    return entry.person;
  }

  /** Without refreshing its place or checking its age. */
  peek(key: string): KnownPerson | undefined {
    return this.entries.get(key)?.person;
  }

  set(key: string, person: KnownPerson): void {
    this.entries.delete(key);
    this.entries.set(key, { person: { ...person }, readAt: this.now() });
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Applies a change this process made to every identity of these people (a person may have several). */
  update(personIds: readonly string[], change: Partial<Omit<KnownPerson, "id">>): void {
    const ids = new Set(personIds);
    for (const entry of this.entries.values()) {
      if (ids.has(entry.person.id)) Object.assign(entry.person, change);
    }
  }

  /** Drops every identity of these people: which person an identity belongs to changed (/link, /unlink). */
  forget(personIds: readonly string[]): void {
    const ids = new Set(personIds);
    for (const [key, entry] of this.entries) {
      if (ids.has(entry.person.id)) this.entries.delete(key);
    }
  }

  get count(): number {
    return this.entries.size;
  }
}
