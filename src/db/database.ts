// Opens the store: PostgreSQL when DATABASE_URL is set, otherwise an embedded PGlite database in a
// local folder, so the bot runs with no database server at all.
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaClient } from "../generated/prisma/client.ts";
import { lockEmbeddedStore } from "./embedded-lock.ts";
import { ownerOnlyNodeFS } from "./owner-only-fs.ts";
import { CountedClient, countPgliteStatements } from "../metrics/statements.ts";
import { makeTreePrivate, privateDir } from "../shared/private-files.ts";

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
  /** Connections Prisma may use at once (1 for PGlite): what bounds the work worth running in parallel. */
  poolSize: number;
  /** The pool right now (for /metrics): connections open, of them idle, and queries waiting for one. */
  poolStats(): { total: number; idle: number; waiting: number };
  connectionString?: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… ; when absent, PGlite is used. */
  url?: string;
  /** PGlite data folder; "memory://" keeps everything in memory (tests). */
  dataDir: string;
  /** PostgreSQL only: connections in Prisma's pool (default 10). */
  poolSize?: number;
}

export const DEFAULT_POOL_SIZE = 10;
const EMBEDDED_SHARED_BUFFERS = "32MB";

/**
 * For every PrismaClient we make. Interactive transactions queue for a connection instead of failing after
 * Prisma's default 2 s: under a burst the pool is busy, not broken, and a refused "submit" loses an answer.
 * Minimal errors: the other formats capture a call-site stack trace for every query, a large share of CPU.
 */
export const prismaClientOptions = {
  errorFormat: "minimal",
  transactionOptions: { maxWait: 60_000, timeout: 30_000 },
} as const;

/** How long a query may queue for a pooled connection; the same as a transaction, for the same reason. */
const POOL_WAIT_MS = prismaClientOptions.transactionOptions.maxWait;
/** How long opening a new connection may take: a dead server should still fail fast. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * pg-pool uses one setting, connectionTimeoutMillis, both for queueing behind busy connections and for opening a
 * new one. The pool gets the long wait; each connection keeps the short one through its own Client options.
 */
class FastConnectClient extends CountedClient {
  constructor(config?: string | pg.ClientConfig) {
    super(typeof config === "string" ? { connectionString: config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS } : { ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
    // Prisma 7's pg pool waits forever for a connection by default; a dead server should fail fast.
    const pgConfig: pg.PoolConfig = {
      connectionString: options.url,
      max: poolSize,
      connectionTimeoutMillis: POOL_WAIT_MS,
      Client: FastConnectClient,
      keepAlive: true,
    };
    // The client's pool is ours, so /metrics can read its counts; closed after Prisma lets go of it. An idle
    // connection the server ends (a restart, a failover) is dropped by the pool and replaced on the next query.
    const pool = new pg.Pool(pgConfig);
    pool.on("error", () => undefined);
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool), ...prismaClientOptions });
    // Migrations get a pool of their own that ends when they are done, and with it Prisma's migration advisory lock.
    const adapterFactory = new PrismaPg(pgConfig);
    return {
      prisma,
      engine: "postgres",
      adapterFactory,
      connectionString: options.url,
      poolSize,
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      close: async () => {
        await prisma.$disconnect();
        if (!pool.ended) await pool.end();
      },
    };
  }
  const inMemory = options.dataDir.startsWith("memory://");
  // The folder holds every applicant's data, the write-ahead log included: owner-only whatever the umask. The walk
  // fixes a folder that older versions left readable by everyone (and the lock file); ownerOnlyNodeFS keeps the
  // files PGlite creates from now on owner-only.
  if (!inMemory) await privateDir(options.dataDir);
  const lock = inMemory ? undefined : lockEmbeddedStore(options.dataDir);
  try {
    if (!inMemory) await makeTreePrivate(options.dataDir);
    // Loaded only for the embedded store: an instance on PostgreSQL never needs them.
    const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import("@electric-sql/pglite"), import("pglite-prisma-adapter")]);
    // PostgreSQL's default 128 MB of shared buffers sits in PGlite's WebAssembly memory, in the process; a province's
    // data needs far less, and the operating system caches the files behind it anyway.
    const pglite = await PGlite.create({
      ...(inMemory ? { dataDir: options.dataDir } : { fs: await ownerOnlyNodeFS(options.dataDir) }),
      postgresqlconf: `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`,
    });
    countPgliteStatements(pglite);
    const adapterFactory = new PrismaPGlite(pglite);
    const prisma = new PrismaClient({ adapter: adapterFactory, ...prismaClientOptions });
    return {
      prisma,
      engine: "pglite",
      adapterFactory,
      pglite,
      poolSize: 1,
      // One connection, shared in turn: nothing to report but that it exists.
      poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
      close: async () => {
        try {
          await prisma.$disconnect();
          if (!pglite.closed) await pglite.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}
