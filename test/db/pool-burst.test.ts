// A burst of "submit" presses larger than the pool, arriving while every connection is busy for longer than
// Prisma's default 2 s wait: every application is stored, none is refused. (With Prisma's defaults every one of
// them failed here with "Transaction API error: Unable to start a transaction in the given time".)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { submitApplication, type SubmitResult } from "../../src/membership/applications.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { findOrCreatePerson } from "../../src/people/people.ts";
import { createTestDatabase, ENGINE, type TestDatabase } from "../support/database.ts";
import { loadDemo } from "../support/fixtures.ts";

const WORKERS = 300;
const POOL = 5;
const FIRST_ID = 8_300_000;
/** Longer than Prisma's default transaction wait (2 s), even with every retry of a transient error (about 8.5 s). */
const BUSY_SECONDS = 10;

describe("a burst of submissions larger than the pool, while the pool is busy", { timeout: 240_000 }, () => {
  let db: TestDatabase;
  /** PostgreSQL: the same database through a narrow pool, named so its connections can be counted. */
  let narrow: Database | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDemo(db.prisma);
    if (ENGINE === "postgres") {
      const url = new URL(db.url!);
      url.searchParams.set("application_name", "pool-burst");
      narrow = await openDatabase({ url: url.toString(), dataDir: "", poolSize: POOL });
    }
  });
  afterAll(async () => {
    await narrow?.close();
    await db?.destroy();
  });

  it(`stores all ${WORKERS} applications`, async () => {
    const store = narrow ?? db;
    expect(store.poolSize).toBe(ENGINE === "postgres" ? POOL : 1);
    const unit = (await findUnitByCode(store.prisma, "LC-TP-DL"))!;
    const people = [];
    for (let i = 0; i < WORKERS; i++) {
      const id = String(FIRST_ID + i);
      people.push(await findOrCreatePerson(store.prisma, { channel: "TELEGRAM", externalId: id, chatId: id }, "vi"));
    }
    const submit = (personId: string, i: number): Promise<SubmitResult> =>
      submitApplication(store.prisma, {
        personId,
        channel: "TELEGRAM",
        draft: {
          fullName: `Công Nhân ${i}`,
          birthDate: new Date(Date.UTC(1995, 0, 1)),
          sex: "FEMALE",
          phone: `+8498${String(i).padStart(7, "0")}`,
          nationality: "VIETNAMESE",
          workplace: { kind: "listed", unitId: unit.id },
          jobPosition: "Công nhân may",
        },
        consent: { purpose: "MEMBERSHIP_APPLICATION", language: "vi", text: tFor("vi")("join.consent.text"), givenAt: new Date() },
      });

    // How many connections the narrow pool really opened, sampled from the server while the burst runs.
    let peak = 0;
    let sampling = ENGINE === "postgres";
    const sampler = (async () => {
      while (sampling) {
        const [row] = await db.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'pool-burst' AND datname = current_database()`;
        peak = Math.max(peak, Number(row!.n));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    // Every connection taken by a slow transaction first (a big import, an export), then the burst.
    const started = Date.now();
    let results: PromiseSettledResult<SubmitResult>[];
    try {
      const busy = Array.from({ length: store.poolSize }, () =>
        store.prisma.$transaction(
          async (tx) => {
            // The connection is held by an open transaction; the wait is on this side, not pg_sleep, which PGlite
            // (PostgreSQL in WebAssembly, on this thread) would spend spinning a core.
            await tx.$executeRaw`SELECT 1`;
            await new Promise((resolve) => setTimeout(resolve, BUSY_SECONDS * 1000));
          },
          { timeout: (BUSY_SECONDS + 20) * 1000 },
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      results = await Promise.allSettled(people.map((person, i) => submit(person.id, i)));
      await Promise.all(busy);
    } finally {
      sampling = false;
      await sampler;
    }
    const elapsed = Date.now() - started;

    const failures = results.flatMap((r) => (r.status === "rejected" ? [String((r.reason as Error).message).slice(0, 200)] : []));
    expect(failures).toEqual([]);
    const refused = results.flatMap((r) => (r.status === "fulfilled" && !r.value.ok ? [r.value] : []));
    expect(refused).toEqual([]);
    const stored = await db.prisma.application.count({ where: { personId: { in: people.map((p) => p.id) } } });
    expect(stored).toBe(WORKERS);
    expect(elapsed).toBeGreaterThanOrEqual(BUSY_SECONDS * 1000);
    if (ENGINE === "postgres") {
      expect(peak).toBeGreaterThan(1);
      expect(peak).toBeLessThanOrEqual(POOL);
    }
    console.info(`${ENGINE}: ${WORKERS} submissions behind ${BUSY_SECONDS} s of busy connections, ${store.poolSize} connection(s): all stored in ${elapsed} ms, peak ${peak || 1} connection(s)`);
  });
});
