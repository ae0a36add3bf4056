// Prisma's schema engine compiled to WebAssembly. The Prisma CLI needs a native engine that it
// downloads on first use; this loads the engine from npm instead, so the bot migrates its database
// on any machine. Not a documented Prisma interface: pinned to the engine that matches prisma 7.10
// (see package.json), and checked by test/db/migrations.test.ts.
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));
export const schemaPath = join(projectRoot, "prisma", "schema.prisma");
export const migrationsDir = join(projectRoot, "prisma", "migrations");

type EngineModule = typeof import("@prisma/schema-engine-wasm");
type WasmExports = Record<string, unknown>;
// @types/node for Node 20 does not declare the WebAssembly global (it comes with the DOM library).
const { WebAssembly } = globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: WasmExports } }> };
};
/**
 * The bindings module is a process-wide singleton (Node caches it), and wiring a second WebAssembly
 * instance into it would pull memory from under the first. Kept on globalThis so that even two copies
 * of this file (test runners load one per project) share one instance and one queue.
 */
const shared = ((globalThis as Record<symbol, unknown>)[Symbol.for("congdoan.schema-engine")] ??= {
  module: undefined as Promise<EngineModule> | undefined,
  queue: Promise.resolve() as Promise<unknown>,
}) as { module: Promise<EngineModule> | undefined; queue: Promise<unknown> };

/** Node 20 cannot import a .wasm file as a module, so the bindings are wired by hand. */
async function loadEngineModule(): Promise<EngineModule> {
  const require = createRequire(import.meta.url);
  const bgPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const bindings = (await import(bgPath)) as EngineModule & {
    __wbg_set_wasm(exports: WasmExports): void;
  };
  const bytes = await readFile(join(dirname(bgPath), "schema_engine_bg.wasm"));
  const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": bindings as never });
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return bindings;
}

/**
 * Runs `work` with a schema engine. Connections the engine opened are disposed afterwards: the
 * engine does not release them itself, and a held connection keeps Prisma's migration advisory
 * lock, which would stall the next migration on PostgreSQL.
 */
async function withSchemaEngine<R>(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  work: (engine: SchemaEngine) => Promise<R>,
): Promise<R> {
  // One engine at a time: two engines interleaving in the one WebAssembly instance corrupt its memory.
  const turn = shared.queue.then(() => runSchemaEngine(adapterFactory, work));
  shared.queue = turn.catch(() => undefined);
  return turn;
}

async function runSchemaEngine<R>(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  work: (engine: SchemaEngine) => Promise<R>,
): Promise<R> {
  shared.module ??= loadEngineModule();
  const { SchemaEngine } = await shared.module;
  const schema = await readFile(schemaPath, "utf8");
  const opened: SqlDriverAdapter[] = [];
  const tracking: SqlMigrationAwareDriverAdapterFactory = {
    provider: adapterFactory.provider,
    adapterName: adapterFactory.adapterName,
    connect: async () => remember(wholeScripts(await adapterFactory.connect())),
    connectToShadowDb: async () => remember(await adapterFactory.connectToShadowDb()),
  };
  function remember(adapter: SqlDriverAdapter) {
    opened.push(adapter);
    return adapter;
  }
  // The engine calls the factory's methods unbound; the wrapper binds them.
  const engine = await SchemaEngine.new(
    { datamodels: [[schemaPath, schema]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(tracking),
  );
  try {
    return await work(engine);
  } finally {
    engine.free();
    await Promise.allSettled(opened.map((adapter) => adapter.dispose()));
  }
}

/**
 * @prisma/adapter-pg runs a migration script by splitting it at every ";", also inside a function body ($$ … $$), so a
 * migration that creates a PL/pgSQL function (the report_month_totals triggers) breaks on PostgreSQL. PostgreSQL
 * itself runs a script of many statements sent as one simple query, in one implicit transaction: send it whole.
 */
function wholeScripts(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const client = (adapter as { client?: { query?: (sql: string) => Promise<unknown> } }).client;
  if (adapter.adapterName !== "@prisma/adapter-pg" || typeof client?.query !== "function") return adapter;
  adapter.executeScript = async (script: string) => {
    await client.query!(script);
  };
  return adapter;
}

export async function readMigrationList(): Promise<MigrationList> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const lockPath = join(migrationsDir, "migration_lock.toml");
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockPath, content: await readFile(lockPath, "utf8").catch(() => null) },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      dirs.map(async (dir) => ({
        path: dir,
        migrationFile: {
          path: "migration.sql",
          content: await readFile(join(migrationsDir, dir, "migration.sql"), "utf8").then(
            (sql) => ({ tag: "ok" as const, value: sql }),
            (error: Error) => ({ tag: "error" as const, value: error.message }),
          ),
        },
      })),
    ),
  };
}

const noFilters = { externalTables: [], externalEnums: [] };

/** Applies pending migrations and records them in _prisma_migrations, as `prisma migrate deploy` does. */
export async function applyMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string[]> {
  const migrationsList = await readMigrationList();
  // Loading the engine's WebAssembly costs about a second on every start; on a store that is up to date one
  // plain query says there is nothing to do. Anything else (pending, failed, edited, no table) goes to the engine.
  const applied = await appliedMigrations(adapterFactory);
  if (applied && pendingMigrations(migrationsList, applied).length === 0) return [];
  return withSchemaEngine(adapterFactory, async (engine) => {
    const out = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return out.appliedMigrationNames;
  });
}

/** SQL that would bring the committed migrations up to schema.prisma; empty when they agree. */
export async function pendingSchemaChanges(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string> {
  const migrations = await readMigrationList();
  const schema = await readFile(schemaPath, "utf8");
  return withSchemaEngine(adapterFactory, async (engine) => {
    const from = migrations.migrationDirectories.length > 0
      ? { tag: "migrations" as const, ...migrations }
      : { tag: "empty" as const };
    const result = await engine.diff({
      from,
      to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: schema }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    return (result.stdout ?? "").trim();
  });
}

/** A row of _prisma_migrations, as far as telling whether a migration is in place goes. */
export interface AppliedMigration {
  name: string;
  checksum: string;
  finished: boolean;
  rolledBack: boolean;
}

/** What _prisma_migrations records, or undefined when it cannot be read (a new store has no such table). */
export async function appliedMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<AppliedMigration[] | undefined> {
  const adapter = await adapterFactory.connect();
  try {
    const result = await adapter.queryRaw({
      sql: `SELECT migration_name, checksum, finished_at IS NOT NULL, rolled_back_at IS NOT NULL FROM _prisma_migrations`,
      args: [],
      argTypes: [],
    });
    return result.rows.map(([name, checksum, finished, rolledBack]) => ({
      name: String(name),
      checksum: String(checksum),
      finished: finished === true,
      rolledBack: rolledBack === true,
    }));
  } catch {
    return undefined;
  } finally {
    await adapter.dispose();
  }
}

/**
 * The migration folders not in place: no row finished and not rolled back under their name with the checksum Prisma
 * records (the SHA-256 of migration.sql, in hex), so an edited migration is left to the engine to judge too.
 */
export function pendingMigrations(list: MigrationList, applied: AppliedMigration[]): string[] {
  const done = new Set(applied.filter((m) => m.finished && !m.rolledBack).map((m) => `${m.name}\0${m.checksum}`));
  return list.migrationDirectories
    .filter((dir) => {
      const file = dir.migrationFile.content;
      return file.tag !== "ok" || !done.has(`${dir.path}\0${createHash("sha256").update(file.value).digest("hex")}`);
    })
    .map((dir) => dir.path);
}
