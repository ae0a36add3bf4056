// pg-boss over the bot's own database: on PostgreSQL it opens its own pool, so several bot instances
// share one queue; on PGlite, which has a single connection, it runs its SQL through that connection.
import type { PGlite } from "@electric-sql/pglite";
import PgBoss from "pg-boss";
import type { Database } from "../db/database.ts";
import { CountedClient } from "../metrics/statements.ts";

export type { PgBoss };

/** pg-boss sends parameterless multi-statement scripts (its own migrations) and parameterised queries. */
function pgliteExecutor(pglite: PGlite) {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      if (values.length === 0) {
        const results = await pglite.exec(text);
        return { rows: results.at(-1)?.rows ?? [] };
      }
      const result = await pglite.query(text, values);
      return { rows: result.rows };
    },
  };
}

/** How often pg-boss checks its cron schedules and moves due ones into their queues (seconds; 1–45). */
export interface BossTimings {
  cronMonitorIntervalSeconds?: number;
  cronWorkerIntervalSeconds?: number;
}

export async function startBoss(db: Database, onError: (error: Error) => void, timings: BossTimings = {}): Promise<PgBoss> {
  const boss = db.pglite
    ? new PgBoss({ db: pgliteExecutor(db.pglite), max: 1, ...timings })
    : // pg-boss hands its options to pg.Pool: `Client` makes its statements counted like Prisma's.
      new PgBoss({ connectionString: db.connectionString, max: 4, application_name: "congdoan-bot", ...timings, ...({ Client: CountedClient } as object) });
  boss.on("error", onError);
  await boss.start();
  return boss;
}
