// A fresh, migrated database for one test file, on the engine of the current test project.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { inject } from "vitest";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { openDatabase, prismaClientOptions, type Database } from "../../src/db/database.ts";
import { adminQuery, databaseUrl } from "./pg-urls.ts";
import { giveBackPglite, takePglite } from "./pglite-spares.ts";
import { TcpProxy, throughProxy } from "./tcp-proxy.ts";

export const ENGINE: "postgres" | "pglite" = process.env.TEST_DB_ENGINE === "postgres" ? "postgres" : "pglite";

export interface TestDatabase extends Database {
  /** postgres:// URL for PostgreSQL; undefined for PGlite. */
  url?: string;
  /** Closes and removes the database (PGlite: empties it back to the template for the worker's next test file). */
  destroy(): Promise<void>;
}

/** `poolSize`: PostgreSQL connections in the app's pool (PGlite has one). */
export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const template = inject("dbTemplate");
  if (ENGINE === "postgres") {
    const name = `cd_test_${randomBytes(6).toString("hex")}`;
    await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    const url = databaseUrl(name);
    const db = await openDatabase({ url, dataDir: "", poolSize: options.poolSize });
    return {
      ...db,
      url,
      async destroy() {
        await db.close();
        await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    };
  }
  const pglite = await takePglite(template);
  const adapterFactory = new PrismaPGlite(pglite);
  const prisma = new PrismaClient({ adapter: adapterFactory, ...prismaClientOptions });
  const close = async () => {
    await prisma.$disconnect();
    if (!pglite.closed) await pglite.close();
  };
  const destroy = async () => {
    await prisma.$disconnect();
    await giveBackPglite(pglite);
  };
  return { prisma, engine: "pglite", adapterFactory, pglite, poolSize: 1, poolStats: () => ({ total: 1, idle: 1, waiting: 0 }), close, destroy };
}

/**
 * A new folder (named `prefix` and a random tail, in the system's temporary folder unless `prefix` is absolute) holding a migrated embedded store, as the bot leaves it after its first start, for tests that open a
 * folder (backups, locks, child processes). Loaded from the template: PGlite's initdb and every migration take
 * 5–30 s on a busy machine.
 */
export async function createTestDataDir(prefix: string): Promise<string> {
  const dataDir = await mkdtemp(isAbsolute(prefix) ? prefix : join(tmpdir(), prefix));
  const pglite = await PGlite.create({ dataDir, loadDataDir: new Blob([await readFile(inject("pgliteTemplate"))]) });
  await pglite.close();
  return dataDir;
}

/**
 * A fresh test database (PostgreSQL only) that the app reaches through a proxy: hand it to `startHarness({ db })`
 * and cut the proxy for an outage. Destroying it closes the proxied connections, the proxy and the database.
 */
export async function createProxiedTestDatabase(options: { poolSize?: number } = {}): Promise<{ db: TestDatabase; proxy: TcpProxy }> {
  const direct = await createTestDatabase(options);
  if (!direct.url) throw new Error("a proxied database needs PostgreSQL (TEST_DATABASE_URL)");
  const target = new URL(direct.url);
  const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
  const url = throughProxy(direct.url, proxy);
  const proxied = await openDatabase({ url, dataDir: "", poolSize: options.poolSize });
  // The direct client is only needed to drop the database at the end.
  await direct.prisma.$disconnect();
  const db: TestDatabase = {
    ...proxied,
    url,
    async destroy() {
      proxy.restore();
      await proxied.close();
      await proxy.close();
      await direct.destroy();
    },
  };
  return { db, proxy };
}
