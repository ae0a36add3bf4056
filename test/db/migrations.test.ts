// A database migrated by the bot stays one that `prisma migrate deploy` recognises.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, readMigrationList } from "../../src/db/schema-engine.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

describe("migrations", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.destroy());

  it("are recorded in _prisma_migrations like `prisma migrate deploy` does, and applying again is a no-op", async () => {
    const { migrationDirectories } = await readMigrationList();
    const rows = await db.prisma.$queryRaw<{ migration_name: string; finished_at: Date | null }[]>`
      SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name`;
    expect(rows.map((r) => r.migration_name)).toEqual(migrationDirectories.map((d) => d.path));
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
    expect(await applyMigrations(db.adapterFactory)).toEqual([]);
  });
});
