// A new worker's first messages arrive at once (a double tap, a re-sent update, two bot instances): however the
// lookups interleave, they end as one person with one chat identity, and no person is left without an identity.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.ts";
import { findOrCreatePerson } from "../../src/people/people.ts";
import { createTestDatabase, ENGINE, type TestDatabase } from "../support/database.ts";

const CALLS = 50;

describe("concurrent first contact of the same new identity", { timeout: 120_000 }, () => {
  let db: TestDatabase;
  /** PostgreSQL: more clients on the same database, as several bot instances would be (each with its own cache). */
  const instances: Database[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    if (ENGINE === "postgres") for (let i = 0; i < 4; i++) instances.push(await openDatabase({ url: db.url!, dataDir: "" }));
  });
  afterAll(async () => {
    for (const instance of instances) await instance.close();
    await db?.destroy();
  });

  for (const channel of ["TELEGRAM", "ZALO"] as const) {
    it(`${CALLS} concurrent findOrCreatePerson for one new ${channel} identity give one person and one identity row`, async () => {
      const externalId = channel === "TELEGRAM" ? "5550001" : "zalo-5550001";
      const clients = [db.prisma, ...instances.map((i) => i.prisma)];
      const peopleBefore = await db.prisma.person.count();

      const results = await Promise.allSettled(
        Array.from({ length: CALLS }, (_, i) =>
          findOrCreatePerson(clients[i % clients.length]!, { channel, externalId, chatId: externalId }, i % 2 ? "en" : "vi"),
        ),
      );

      const failures = results.flatMap((r) => (r.status === "rejected" ? [String((r.reason as Error).message).slice(0, 300)] : []));
      expect(failures).toEqual([]);
      const ids = new Set(results.map((r) => (r as PromiseFulfilledResult<{ id: string }>).value.id));
      expect(ids.size).toBe(1);
      const identities = await db.prisma.chatIdentity.findMany({ where: { channel, externalId }, select: { personId: true } });
      expect(identities).toEqual([{ personId: [...ids][0] }]);
      expect(await db.prisma.person.count()).toBe(peopleBefore + 1);
    });
  }
});
