// One sender per bot token across every instance: the instance holding this lock sends, the others stand
// by. On PostgreSQL it is a session advisory lock on a connection of its own, so it is released the moment
// the holder's process dies (kill -9 closes its socket) and a standby takes over within seconds. PGlite
// is embedded in one process, which therefore always holds it.
import pg from "pg";

export interface SenderLock {
  /** True when this instance holds the lock (acquired now or before). */
  tryAcquire(): Promise<boolean>;
  /** False once the lock's connection is lost: stop sending. */
  held(): boolean;
  release(): Promise<void>;
}

/** Any fixed 64-bit number: "congdoan outbox sender". */
const LOCK_KEY = 7_310_221_001;

export function inProcessLock(): SenderLock {
  let held = false;
  return {
    tryAcquire: async () => (held = true),
    held: () => held,
    release: async () => {
      held = false;
    },
  };
}

export function postgresLock(connectionString: string, onError: (err: Error) => void): SenderLock {
  let client: pg.Client | undefined;
  let held = false;
  const drop = () => {
    held = false;
    const c = client;
    client = undefined;
    c?.end().catch(() => undefined);
  };
  return {
    async tryAcquire() {
      if (held && client) return true;
      try {
        if (!client) {
          const c = new pg.Client({ connectionString, application_name: "congdoan-bot-sender", connectionTimeoutMillis: 10_000, keepAlive: true });
          c.on("error", (err) => {
            onError(err);
            drop();
          });
          c.on("end", () => {
            held = false;
          });
          await c.connect();
          client = c;
        }
        const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS ok", [LOCK_KEY]);
        held = rows[0]?.ok === true;
        return held;
      } catch (err) {
        onError(err as Error);
        drop();
        return false;
      }
    },
    held: () => held && client !== undefined,
    async release() {
      const c = client;
      held = false;
      client = undefined;
      if (!c) return;
      await c.query("SELECT pg_advisory_unlock_all()").catch(() => undefined);
      await c.end().catch(() => undefined);
    },
  };
}
