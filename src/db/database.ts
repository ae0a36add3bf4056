// Opens the store: PostgreSQL when DATABASE_URL is set, otherwise an embedded PGlite database in a
// local folder, so the bot runs with no database server at all.
import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../generated/prisma/client.ts";

export type { PrismaClient };

/** Runs SQL for libraries that bring their own tables (pg-boss). */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface Database {
  prisma: PrismaClient;
  engine: "postgres" | "pglite";
  /** Driver-adapter factory for the schema engine (migrations). */
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Set for PGlite: there is only one connection, so other libraries must share it. */
  pglite?: PGlite;
  connectionString?: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… ; when absent, PGlite is used. */
  url?: string;
  /** PGlite data folder; "memory://" keeps everything in memory (tests). */
  dataDir: string;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    // Prisma 7's pg pool waits forever for a connection by default; a dead server should fail fast.
    const pgConfig = { connectionString: options.url, connectionTimeoutMillis: 10_000, keepAlive: true };
    const adapterFactory = new PrismaPg(pgConfig);
    const prisma = new PrismaClient({ adapter: adapterFactory });
    return {
      prisma,
      engine: "postgres",
      adapterFactory,
      connectionString: options.url,
      close: () => prisma.$disconnect(),
    };
  }
  if (!options.dataDir.startsWith("memory://")) await mkdir(options.dataDir, { recursive: true });
  const pglite = await PGlite.create(options.dataDir);
  const adapterFactory = new PrismaPGlite(pglite);
  const prisma = new PrismaClient({ adapter: adapterFactory });
  return {
    prisma,
    engine: "pglite",
    adapterFactory,
    pglite,
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
