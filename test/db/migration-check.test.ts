// At start the bot asks _prisma_migrations with one query whether every migration is in place, and loads Prisma's
// schema engine only when one is not: a store left behind by any of these cases must still be migrated.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appliedMigrations, applyMigrations, pendingMigrations, readMigrationList, type AppliedMigration } from "../../src/db/schema-engine.ts";
import type { MigrationList } from "@prisma/schema-engine-wasm";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function list(...migrations: [name: string, sql: string][]): MigrationList {
  return {
    baseDir: "/migrations",
    lockfile: { path: "/migrations/migration_lock.toml", content: null },
    shadowDbInitScript: "",
    migrationDirectories: migrations.map(([path, sql]) => ({ path, migrationFile: { path: "migration.sql", content: { tag: "ok" as const, value: sql } } })),
  };
}
const row = (name: string, sql: string, extra: Partial<AppliedMigration> = {}): AppliedMigration => ({ name, checksum: sha256(sql), finished: true, rolledBack: false, ...extra });

describe("which migrations are pending", () => {
  const migrations = list(["1_init", "CREATE TABLE a (id int);"], ["2_more", "CREATE TABLE b (id int);"]);

  it("none when every folder has a finished row with its checksum", () => {
    expect(pendingMigrations(migrations, [row("1_init", "CREATE TABLE a (id int);"), row("2_more", "CREATE TABLE b (id int);")])).toEqual([]);
  });

  it("a folder with no row, an unfinished or rolled back one, or one whose migration.sql was edited since", () => {
    const init = row("1_init", "CREATE TABLE a (id int);");
    expect(pendingMigrations(migrations, [init])).toEqual(["2_more"]);
    expect(pendingMigrations(migrations, [init, row("2_more", "CREATE TABLE b (id int);", { finished: false })])).toEqual(["2_more"]);
    expect(pendingMigrations(migrations, [init, row("2_more", "CREATE TABLE b (id int);", { rolledBack: true })])).toEqual(["2_more"]);
    expect(pendingMigrations(migrations, [init, row("2_more", "CREATE TABLE b (id bigint);")])).toEqual(["2_more"]);
  });

  it("none for a migration rolled back once and then applied", () => {
    const sql = "CREATE TABLE b (id int);";
    expect(pendingMigrations(migrations, [row("1_init", "CREATE TABLE a (id int);"), row("2_more", sql, { rolledBack: true }), row("2_more", sql)])).toEqual([]);
  });
});

describe("migrating at start", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.destroy());

  it("reads the checksums Prisma recorded, and finds the migration whose row is missing", async () => {
    const { migrationDirectories } = await readMigrationList();
    const applied = await appliedMigrations(db.adapterFactory);
    expect(pendingMigrations(await readMigrationList(), applied ?? [])).toEqual([]);
    const last = migrationDirectories.at(-1)!.path;
    await db.prisma.$executeRawUnsafe(`DELETE FROM _prisma_migrations WHERE migration_name = $1`, last);
    expect(pendingMigrations(await readMigrationList(), (await appliedMigrations(db.adapterFactory)) ?? [])).toEqual([last]);
  });

  it("migrates a new store, then has nothing to do", async () => {
    await db.prisma.$executeRawUnsafe(`DROP SCHEMA public CASCADE`);
    await db.prisma.$executeRawUnsafe(`CREATE SCHEMA public`);
    expect(await appliedMigrations(db.adapterFactory)).toBeUndefined();
    const { migrationDirectories } = await readMigrationList();
    expect(await applyMigrations(db.adapterFactory)).toEqual(migrationDirectories.map((d) => d.path));
    expect(await db.prisma.unit.count()).toBe(0);
    expect(await applyMigrations(db.adapterFactory)).toEqual([]);
  }, 120_000);
});
