// Database commands for developers and operators:
//   npm run db:migrate               apply pending migrations (the bot also does this at start)
//   npm run db:migration -- <name>   write prisma/migrations/<timestamp>_<name>/migration.sql from schema.prisma
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { loadConfigOrExit } from "../config.ts";
import { operatorLang, tFor } from "../i18n/i18n.ts";
import { openDatabase } from "./database.ts";
import { exitIfStoreUnusable } from "./store-problems.ts";
import { applyMigrations, migrationsDir, pendingSchemaChanges } from "./schema-engine.ts";

const [command, name] = process.argv.slice(2);
const t = tFor(operatorLang());
const say = (key: string, params?: Record<string, unknown>) => console.log(t(key, { ns: "cli", ...params }));

if (command === "migrate") {
  const config = loadConfigOrExit(process.env);
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR }).catch(exitIfStoreUnusable(config.DATA_DIR));
  const applied = await applyMigrations(db.adapterFactory);
  say(applied.length ? "db.applied" : "db.up_to_date", { names: applied.join(", ") });
  await db.close();
  process.exit(0); // see src/cli/main.ts: the migration engine's leftover timer
} else if (command === "migration" && name && /^[a-z0-9_]+$/.test(name)) {
  // Diffed on a throw-away in-memory database: no server needed.
  const sql = await pendingSchemaChanges(new PrismaPGlite(new PGlite()));
  if (!sql || /^-- This is an empty migration/.test(sql)) {
    say("db.no_changes");
  } else {
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const dir = join(migrationsDir, `${stamp}_${name}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "migration.sql"), `${sql}\n`);
    await writeFile(join(migrationsDir, "migration_lock.toml"), 'provider = "postgresql"\n');
    say("db.wrote", { path: join(dir, "migration.sql") });
  }
} else {
  say("db.usage");
  process.exit(2);
}
