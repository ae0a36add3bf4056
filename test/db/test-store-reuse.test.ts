// The test stores a worker reuses (test/support/pglite-spares.ts) come back as a new store would: no rows, numbering
// from the start, no pg-boss schema. A test file that saw an earlier file's data would pass or fail by its order.
import { describe, expect, it } from "vitest";
import { createTestDatabase, ENGINE, type TestDatabase } from "../support/database.ts";
import { loadDemo } from "../support/fixtures.ts";

const nextRef = async (db: TestDatabase) =>
  (await db.pglite!.query<{ n: number }>(`SELECT nextval(pg_get_serial_sequence('"Application"', 'ref'))::int AS n`)).rows[0]!.n;

describe.skipIf(ENGINE !== "pglite")("a reused test store", () => {
  it("holds nothing of the test file before it", async () => {
    const first = await createTestDatabase();
    const migrations = `SELECT count(*)::int AS n FROM "_prisma_migrations"`;
    const migrated = (await first.pglite!.query(migrations)).rows;
    const firstRef = await nextRef(first);
    await nextRef(first);
    await loadDemo(first.prisma);
    await first.pglite!.exec(`CREATE SCHEMA pgboss; CREATE TABLE pgboss.job (id int)`);
    expect(await first.prisma.unit.count()).toBeGreaterThan(0);
    const used = first.pglite;
    await first.destroy();

    const second = await createTestDatabase();
    try {
      expect(second.pglite).toBe(used);
      expect(await second.prisma.unit.count()).toBe(0);
      expect((await second.pglite!.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'pgboss'`)).rows).toEqual([]);
      expect((await second.pglite!.query(migrations)).rows).toEqual(migrated);
      expect(await nextRef(second)).toBe(firstRef);
    } finally {
      await second.destroy();
    }
  });

  it("is not given out again once its tables or types were made anew, which emptying cannot undo", async () => {
    const first = await createTestDatabase();
    // As migration-check does: the types come back with new oids, and PGlite knows array types by oid.
    await first.pglite!.exec(`DROP TABLE "AuditLog"; CREATE TABLE "AuditLog" (id text)`);
    const used = first.pglite;
    await first.destroy();
    expect(used!.closed).toBe(true);
    const second = await createTestDatabase();
    try {
      expect(second.pglite).not.toBe(used);
      expect(await second.prisma.auditLog.count()).toBe(0);
    } finally {
      await second.destroy();
    }
  });
});
