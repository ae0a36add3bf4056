// What GET /readyz checks, so a load balancer sends updates only to an instance that can handle them: the store
// answers, every migration in prisma/migrations is applied, and the job queue runs (started and not stopped).
import type { Database } from "../db/database.ts";
import { pendingMigrations, readMigrationList, type AppliedMigration } from "../db/schema-engine.ts";
import type { PgBoss } from "../jobs/boss.ts";

export type ReadinessChecks = Record<string, () => Promise<boolean>>;

export function readinessChecks(db: Database, boss: PgBoss): ReadinessChecks {
  let jobsStopped = false;
  boss.on("stopped", () => (jobsStopped = true));
  // The migrations this build knows: read once, they cannot change while it runs.
  const known = readMigrationList();
  return {
    store: () => db.prisma.$queryRaw`SELECT 1`.then(() => true),
    migrations: async () => {
      const applied = await db.prisma.$queryRaw<AppliedMigration[]>`
        SELECT migration_name AS name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS "rolledBack"
          FROM _prisma_migrations`;
      return pendingMigrations(await known, applied).length === 0;
    },
    jobs: async () => !jobsStopped && (await boss.getQueues()).length > 0,
  };
}

/** Runs every check (each failure or error is a "not ready" under its name). */
export async function readiness(checks: ReadinessChecks): Promise<{ ready: boolean; failed: string[] }> {
  const results = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await check().catch(() => false)] as const));
  const failed = results.filter(([, ok]) => !ok).map(([name]) => name);
  return { ready: failed.length === 0, failed };
}
