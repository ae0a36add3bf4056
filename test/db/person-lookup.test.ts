// Who is behind a chat identity, asked on every update and answered from memory for a short while: the answer must
// still follow every change this process makes (language, blocked, wrote again).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findOrCreatePerson, markReachable, markUnreachable, rememberUnreachable, setLanguage } from "../../src/people/people.ts";
import { PersonCache } from "../../src/people/person-cache.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

describe("finding the person behind a chat identity", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.destroy());

  const address = (id: number) => ({ channel: "TELEGRAM" as const, externalId: String(id), chatId: String(id) });
  const stored = (personId: string) => db.prisma.person.findUniqueOrThrow({ where: { id: personId } });

  it("creates the person once, in the platform's language, and finds the same one again", async () => {
    const first = await findOrCreatePerson(db.prisma, address(9101), "en");
    const again = await findOrCreatePerson(db.prisma, address(9101), "vi");
    expect(again).toEqual(first);
    expect(first).toMatchObject({ language: "en", languageChosen: false, unreachable: false });
    expect(await db.prisma.chatIdentity.count({ where: { externalId: "9101" } })).toBe(1);
  });

  it("creates one person when the first two updates of an account arrive at once", async () => {
    const [a, b] = await Promise.all([findOrCreatePerson(db.prisma, address(9102), "vi"), findOrCreatePerson(db.prisma, address(9102), "vi")]);
    expect(a.id).toBe(b.id);
    expect(await db.prisma.person.count({ where: { identities: { some: { externalId: "9102" } } } })).toBe(1);
  });

  it("gives the chosen language on the next update", async () => {
    const person = await findOrCreatePerson(db.prisma, address(9103), "vi");
    await setLanguage(db.prisma, person.id, "en");
    expect(await findOrCreatePerson(db.prisma, address(9103), "vi")).toMatchObject({ id: person.id, language: "en", languageChosen: true });
    expect((await stored(person.id)).language).toBe("en");
  });

  it("knows a person who blocked the bot, and clears it when they write again", async () => {
    const person = await findOrCreatePerson(db.prisma, address(9104), "vi");
    await markUnreachable(db.prisma, address(9104));
    const blocked = await findOrCreatePerson(db.prisma, address(9104), "vi");
    expect(blocked.unreachable).toBe(true);
    expect((await stored(person.id)).unreachableAt).not.toBeNull();

    await markReachable(db.prisma, blocked);
    expect((await stored(person.id)).unreachableAt).toBeNull();
    expect((await findOrCreatePerson(db.prisma, address(9104), "vi")).unreachable).toBe(false);
  });

  it("sees a person marked unreachable by the broadcast sender of this process", async () => {
    const person = await findOrCreatePerson(db.prisma, address(9105), "vi");
    await db.prisma.person.update({ where: { id: person.id }, data: { unreachableAt: new Date() } });
    rememberUnreachable(db.prisma, [person.id]);
    const seen = await findOrCreatePerson(db.prisma, address(9105), "vi");
    expect(seen.unreachable).toBe(true);
    await markReachable(db.prisma, seen);
    expect((await stored(person.id)).unreachableAt).toBeNull();
  });
});

describe("the person cache", () => {
  it("reads an entry again once it is older than its time to live", () => {
    let now = 0;
    const cache = new PersonCache(10, 60_000, () => now);
    const person = { id: "p", language: "vi" as const, languageChosen: false, unreachable: false };
    cache.set("TELEGRAM:1", person);
    now = 59_000;
    expect(cache.get("TELEGRAM:1")).toEqual(person);
    now = 61_000;
    expect(cache.get("TELEGRAM:1")).toBeUndefined();
  });

  it("keeps at most its size, dropping the least recently used", () => {
    const cache = new PersonCache(2);
    const person = (id: string) => ({ id, language: "vi" as const, languageChosen: false, unreachable: false });
    cache.set("a", person("a"));
    cache.set("b", person("b"));
    cache.get("a");
    cache.set("c", person("c"));
    expect(cache.count).toBe(2);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.id).toBe("a");
    expect(cache.get("c")?.id).toBe("c");
  });
});
