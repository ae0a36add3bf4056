// What the bot counts for operators and for `npm run bench join`: updates handled, how long they took, the
// statements sent to the store, broadcast sends, reminder runs, refused HTTP requests; and, read from the store when
// scraped, the outbox depth, active conversations, failed jobs and the connection pool. One registry per process,
// served as Prometheus text on GET /metrics. Nothing personal: labels are channels, kinds, outcomes, queues, routes.
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export const registry = new Registry();

const updatesHandled = new Counter({
  name: "bot_updates_handled_total",
  help: "Updates handled, by channel (TELEGRAM, ZALO), kind (message, callback_query, …) and outcome (ok, error).",
  labelNames: ["channel", "kind", "outcome"] as const,
  registers: [registry],
});

const updateDuration = new Histogram({
  name: "bot_update_duration_seconds",
  help: "Time from taking an update in hand to having handled it.",
  labelNames: ["channel"] as const,
  // Tens of milliseconds is the goal; the tail up to seconds is what a peak month shows.
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const statements = new Counter({
  name: "db_statements_total",
  help: "Statements (or multi-statement scripts) sent to the store, pg-boss's included; a transaction counts its BEGIN and COMMIT.",
  labelNames: ["engine"] as const,
  registers: [registry],
});

const broadcastSends = new Counter({
  name: "broadcast_sends_total",
  help: "Broadcast messages by outcome (sent, skipped, unreachable, retry, failed).",
  labelNames: ["outcome"] as const,
  registers: [registry],
});

const reminderRuns = new Counter({
  name: "reminder_runs_total",
  help: "Runs of the scheduled jobs that remind people (reminders, data requests), by job and outcome (ok, error).",
  labelNames: ["job", "outcome"] as const,
  registers: [registry],
});

const refused = new Counter({
  name: "http_refused_total",
  help: "HTTP requests refused, by route as declared (unknown for a path that has none) and status.",
  labelNames: ["route", "status"] as const,
  registers: [registry],
});

/** What the gauges read when scraped: the store of the app that runs in this process. */
export interface StoreGauges {
  outboxPending(): Promise<number>;
  activeConversations(): Promise<number>;
  failedJobs(): Promise<{ queue: string; count: number }[]>;
  pool(): { total: number; idle: number; waiting: number };
}
let store: StoreGauges | undefined;

new Gauge({
  name: "outbox_pending",
  help: "Broadcast messages waiting to be sent (PENDING in the outbox).",
  registers: [registry],
  async collect() {
    if (store) this.set(await store.outboxPending().catch(() => -1));
  },
});
new Gauge({
  name: "conversations_active",
  help: "Chats with a form in progress (saved conversation state).",
  registers: [registry],
  async collect() {
    if (store) this.set(await store.activeConversations().catch(() => -1));
  },
});
new Gauge({
  name: "jobs_failed",
  help: "Jobs pg-boss holds as failed, by queue (after their retries).",
  labelNames: ["queue"] as const,
  registers: [registry],
  async collect() {
    this.reset();
    for (const { queue, count } of (await store?.failedJobs().catch(() => [])) ?? []) this.set({ queue }, count);
  },
});
new Gauge({
  name: "db_pool_connections",
  help: "The store's connection pool: connections in use, idle, and queries waiting for one.",
  labelNames: ["state"] as const,
  registers: [registry],
  collect() {
    if (!store) return;
    const { total, idle, waiting } = store.pool();
    this.set({ state: "in_use" }, total - idle);
    this.set({ state: "idle" }, idle);
    this.set({ state: "waiting" }, waiting);
  },
});

/** The app's store, read by the gauges above when /metrics is scraped; returns the function that lets go of it. */
export function watchStore(gauges: StoreGauges): () => void {
  store = gauges;
  return () => {
    if (store === gauges) store = undefined;
  };
}

export function recordBroadcastSends(kinds: string[]): void {
  for (const kind of kinds) broadcastSends.inc({ outcome: kind });
}

/** Runs a reminder job's work, counting the run as ok or error (the error still propagates, for pg-boss to retry). */
export async function countReminderRun<R>(job: string, work: () => Promise<R>): Promise<R> {
  try {
    const result = await work();
    reminderRuns.inc({ job, outcome: "ok" });
    return result;
  } catch (err) {
    reminderRuns.inc({ job, outcome: "error" });
    throw err;
  }
}

export function recordRefused(route: string, status: number): void {
  refused.inc({ route, status: String(status) });
}

export type Outcome = "ok" | "error";

/** One handled update; `seconds` from taking it in hand to done. */
export function recordUpdate(labels: { channel: string; kind: string; outcome: Outcome }, seconds: number): void {
  updatesHandled.inc(labels);
  updateDuration.observe({ channel: labels.channel }, seconds);
}

/** `n` statements sent to the store. */
export function countStatements(engine: "postgres" | "pglite", n = 1): void {
  statements.inc({ engine }, n);
}

/** The Prometheus text exposition of everything above, and its content type. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
