// Which database errors are worth a second try, read from real errors where the test can cause them, and the
// retry itself around a real transaction.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { isTransient, retryTransient } from "../../src/db/transient.ts";
import { createTestDatabase, ENGINE, type TestDatabase } from "../support/database.ts";
import { loadDemo } from "../support/fixtures.ts";

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe("transient database errors", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDemo(db.prisma);
  });
  afterAll(() => db?.destroy());

  it("knows the shapes Prisma, the adapters, pg and Node give them", () => {
    for (const code of ["P1001", "P1002", "P1008", "P1017", "P2024", "P2028", "P2034"]) expect(isTransient({ code, message: "x" })).toBe(true);
    // A driver-adapter error as Prisma wraps it: SQLSTATE in meta.driverAdapterError.cause.
    const wrapped = (cause: object) => ({ code: "P2010", message: "Raw query failed", meta: { driverAdapterError: { name: "DriverAdapterError", cause } } });
    for (const sqlState of ["40001", "40P01", "57P01", "08006", "08003", "53300"]) {
      expect(isTransient(wrapped({ kind: "postgres", code: sqlState }))).toBe(true);
      expect(isTransient(wrapped({ kind: "TransactionWriteConflict", originalCode: sqlState }))).toBe(true);
    }
    expect(isTransient(wrapped({ kind: "ConnectionClosed" }))).toBe(true);
    expect(isTransient(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isTransient(new Error("timeout exceeded when trying to connect"))).toBe(true);
    expect(isTransient(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isTransient(new Error("boom", { cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }) }))).toBe(true);

    // Not transient: the same again would fail the same way.
    expect(isTransient({ code: "P2002", message: "Unique constraint failed" })).toBe(false);
    expect(isTransient(wrapped({ kind: "UniqueConstraintViolation", originalCode: "23505" }))).toBe(false);
    expect(isTransient(wrapped({ kind: "postgres", code: "42601" }))).toBe(false);
    expect(isTransient(new Error("application refused"))).toBe(false);
    expect(isTransient(undefined)).toBe(false);
    expect(isTransient("P2028")).toBe(false);
  });

  it("a unique violation from the store is not transient", async () => {
    const identity = { channel: "TELEGRAM" as const, externalId: "6660001", chatId: "6660001" };
    await db.prisma.person.create({ data: { language: "vi", identities: { create: identity } } });
    const error = await failure(db.prisma.person.create({ data: { language: "vi", identities: { create: identity } } }));
    expect(error).toMatchObject({ code: "P2002" });
    expect(isTransient(error)).toBe(false);
  });

  it("a server that refuses connections is transient (PostgreSQL)", { skip: ENGINE !== "postgres" }, async () => {
    const nowhere = await openDatabase({ url: "postgres://postgres@127.0.0.1:1/none", dataDir: "" });
    try {
      const error = await failure(nowhere.prisma.$queryRaw`SELECT 1`);
      expect(isTransient(error)).toBe(true);
    } finally {
      await nowhere.close();
    }
  });

  it("a serialization failure is transient, and the whole transaction run again succeeds (PostgreSQL)", { skip: ENGINE !== "postgres" }, async () => {
    // Two serializable transactions read the same rows and both write: one of them must fail with 40001.
    await db.prisma.$executeRawUnsafe(`CREATE TABLE transient_probe (n int)`);
    let release!: () => void;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    let reads = 0;
    let tries = 0;
    const add = (n: number) =>
      db.prisma.$transaction(
        async (tx) => {
          tries++;
          await tx.$queryRawUnsafe(`SELECT sum(n) FROM transient_probe`);
          if (++reads === 2) release();
          await bothRead;
          await tx.$executeRawUnsafe(`INSERT INTO transient_probe VALUES (${n})`);
        },
        { isolationLevel: "Serializable" },
      );
    const results = await Promise.allSettled([add(1), add(2)]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(failed).toHaveLength(1);
    expect(isTransient(failed[0]!.reason)).toBe(true);

    // The same race with the retry: both rows end up stored.
    await db.prisma.$executeRawUnsafe(`DELETE FROM transient_probe`);
    reads = 0;
    tries = 0;
    const again = new Promise<void>((resolve) => (release = resolve));
    const add2 = (n: number) =>
      retryTransient(() =>
        db.prisma.$transaction(
          async (tx) => {
            tries++;
            await tx.$queryRawUnsafe(`SELECT sum(n) FROM transient_probe`);
            if (++reads === 2) release();
            await again;
            await tx.$executeRawUnsafe(`INSERT INTO transient_probe VALUES (${n})`);
          },
          { isolationLevel: "Serializable" },
        ),
      );
    await Promise.all([add2(1), add2(2)]);
    const [row] = await db.prisma.$queryRawUnsafe<{ total: bigint; rows: bigint }[]>(`SELECT sum(n) AS total, count(*) AS rows FROM transient_probe`);
    expect(Number(row!.rows)).toBe(2);
    expect(Number(row!.total)).toBe(3);
    expect(tries).toBe(3);
  });

  it("gives up after the attempts it was given, and never retries what is not transient", async () => {
    let calls = 0;
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    await expect(retryTransient(async () => { calls++; throw refused; }, { attempts: 3, baseDelayMs: 1 })).rejects.toBe(refused);
    expect(calls).toBe(3);
    calls = 0;
    const unique = { code: "P2002", message: "Unique constraint failed" };
    await expect(retryTransient(async () => { calls++; throw unique; }, { attempts: 3, baseDelayMs: 1 })).rejects.toBe(unique);
    expect(calls).toBe(1);
  });
});
