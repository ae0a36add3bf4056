// The migrated templates every test store starts from, made with the real migrator. Run on a worker thread by
// global-setup.ts (see there why).
import { writeFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { openDatabase } from "../../src/db/database.ts";
import { applyMigrations } from "../../src/db/schema-engine.ts";
import { databaseUrl } from "./pg-urls.ts";

/** Migrates a new in-memory PGlite and writes its data directory to `path` (a tar); returns `path`. */
export async function makePgliteDump(path: string): Promise<string> {
  const pglite = await PGlite.create();
  await applyMigrations(new PrismaPGlite(pglite));
  const dump = await pglite.dumpDataDir("none");
  await pglite.close();
  await writeFile(path, Buffer.from(await dump.arrayBuffer()));
  return path;
}

/** Migrates the (empty) PostgreSQL database `name`. */
export async function migratePostgres(name: string): Promise<void> {
  const db = await openDatabase({ url: databaseUrl(name), dataDir: "" });
  try {
    await applyMigrations(db.adapterFactory);
  } finally {
    await db.close();
  }
}
