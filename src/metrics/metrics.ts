// What the bot counts for operators and for `npm run bench join`: updates handled, how long they took, and the
// statements sent to the store. One registry per process, served as Prometheus text on GET /metrics.
import { Counter, Histogram, Registry } from "prom-client";

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
