// Database errors that say "not now" rather than "no": a dropped or refused connection, a pool or transaction
// start that timed out, a serialization failure or deadlock, a server restarting. Work whose every step is
// inside one transaction can simply run again after one of them; nothing of the failed attempt was kept.
import type { Logger } from "../logger.ts";

/** Prisma error codes for the same situations (connection, timeouts, transaction start, write conflict). */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028", "P2034"]);

/** The driver adapters' error kinds (DriverAdapterError.cause.kind) that mean the same. */
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TransactionWriteConflict", "TooManyConnections"]);

/** Node's socket errors. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

/** Errors pg and pg-pool throw as plain Errors, with nothing but the message to go by. */
const MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /Connection terminated/i,
  /Client has encountered a connection error/i,
  /Connection ended unexpectedly/i,
  /terminating connection/i,
  /Unable to start a transaction in the given time/i,
];

/**
 * PostgreSQL SQLSTATEs: 40001 serialization failure, 40P01 deadlock, 57P01–57P03 shutdown and start-up,
 * 08xxx connection exceptions, 53300 too many connections.
 */
function isTransientSqlState(code: string): boolean {
  return /^(40001|40P01|57P0[123]|53300|08[0-9A-Z]{3})$/.test(code);
}

/** The error and what it wraps: `cause`, and Prisma's meta.driverAdapterError. */
function* chain(error: unknown): Generator<Record<string, unknown>> {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const next = queue.shift();
    if (typeof next !== "object" || next === null || seen.has(next)) continue;
    seen.add(next);
    const record = next as Record<string, unknown>;
    yield record;
    queue.push(record.cause);
    const meta = record.meta as Record<string, unknown> | undefined;
    if (meta && typeof meta === "object") queue.push(meta.driverAdapterError);
  }
}

export function isTransient(error: unknown): boolean {
  for (const e of chain(error)) {
    const code = typeof e.code === "string" ? e.code : undefined;
    if (code && (PRISMA_CODES.has(code) || SOCKET_CODES.has(code) || isTransientSqlState(code))) return true;
    if (typeof e.originalCode === "string" && isTransientSqlState(e.originalCode)) return true;
    if (typeof e.kind === "string") {
      if (ADAPTER_KINDS.has(e.kind)) return true;
      // Adapter errors the adapters do not name keep the SQLSTATE in `code` (handled above).
    }
    if (typeof e.message === "string" && MESSAGES.some((re) => re.test(e.message as string))) return true;
  }
  return false;
}

export interface RetryOptions {
  /** Tries in all, the first included (default 4). */
  attempts?: number;
  /** Wait before the second try (ms, default 50); doubled each time, with jitter, so racing retries spread out. */
  baseDelayMs?: number;
  logger?: Pick<Logger, "warn">;
  /** Names the step in the log line. */
  what?: string;
}

/**
 * Runs `fn`, and again after a transient database error, up to `attempts` tries in all; any other error, or the
 * last transient one, is thrown. Only for steps that are safe to repeat (one whole transaction, an idempotent
 * write).
 */
export async function retryTransient<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  const base = options.baseDelayMs ?? 50;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error;
      const delay = base * 2 ** (attempt - 1) * (0.5 + Math.random());
      options.logger?.warn({ err: error, attempt, what: options.what }, "transient database error, trying again");
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** A unique constraint refused the write (from Prisma's own queries or raw SQL, on either engine). */
export function isUniqueViolation(error: unknown): boolean {
  for (const e of chain(error)) {
    if (e.code === "P2002" || e.code === "23505" || e.originalCode === "23505" || e.kind === "UniqueConstraintViolation") return true;
  }
  return false;
}
