// How the bot calls the Bot API: each call has a deadline and a few quick retries, and a call that finally fails
// is logged once and thrown, so the update's error boundary can tell the person. Inbox handling runs one chat's
// updates in order, so a call that waits is a chat that waits: nothing here may wait long. (The retry plugin used
// before retried network errors with backoff up to an hour whatever its maxRetryAttempts, and one HTML 502 froze
// a chat for over a minute without a log line.)
//
// Deadlines, for the whole call including its retries:
// - ordinary calls 8 s, each attempt 4 s: Telegram answers sendMessage in well under a second, 4 s covers a slow
//   link, and a chat must not be held for longer than a few seconds;
// - uploads 30 s, each attempt 20 s: an export or poster of a few MB over a 1–2 Mbit/s uplink, still short enough
//   for the person who asked to be told it failed while they wait.
// getUpdates is left alone: it long-polls for 30 s by design, and the polling loop has its own pauses.
import { GrammyError, HttpError, type Transformer } from "grammy";
import { OutageLog } from "../shared/outage.ts";

export interface ApiPolicyLogger {
  warn(obj: object, msg: string): void;
}

export interface ApiPolicyOptions {
  logger: ApiPolicyLogger;
  /** Whole-call and per-attempt deadlines (ms); tests may shorten them. */
  callMs?: number;
  attemptMs?: number;
  uploadCallMs?: number;
  uploadAttemptMs?: number;
  /** Retries after a 5xx or a network error. */
  retries?: number;
  /** A 429 is waited out only when Telegram asks for at most this many seconds (and the deadline allows). */
  maxRetryAfterSeconds?: number;
}

/** Methods whose payload is usually a file the bot uploads. */
export const UPLOAD_METHODS: ReadonlySet<string> = new Set([
  "sendDocument",
  "sendPhoto",
  "sendVideo",
  "sendAudio",
  "sendVoice",
  "sendAnimation",
  "sendVideoNote",
  "sendSticker",
  "sendMediaGroup",
  "editMessageMedia",
  "setChatPhoto",
]);

const UNBOUNDED = new Set(["getUpdates"]);
/** Backoff before the n-th retry: short, the chat is waiting. */
const BACKOFF_MS = [300, 1_000];

/** A call that did not get an answer from the Bot API (network, not JSON, deadline): names the method, never the payload. */
export class ApiCallFailed extends HttpError {
  constructor(
    readonly method: string,
    /** "timeout", "not_json" (an HTML error page from a proxy), or the network error's code. */
    readonly reason: string,
    error: unknown,
  ) {
    super(`Call to '${method}' failed: ${reason}`, error);
    this.name = "ApiCallFailed";
    // The client's error names the URL, and the URL holds the token: kept for debugging, hidden from log serializers.
    Object.defineProperty(this, "error", { enumerable: false });
  }
}

/**
 * What the person is told when their update failed: that the file they asked for could not be sent, when an upload
 * failed (an export, a chart, a poster), else the general "something went wrong".
 */
export function replyAfterFailure(error: unknown): "error" | "error_file_not_sent" {
  const method = error instanceof ApiCallFailed || error instanceof GrammyError ? error.method : methodInMessage(error);
  return method !== undefined && UPLOAD_METHODS.has(method) ? "error_file_not_sent" : "error";
}

/** A conversation rethrows an error of its replayed steps as a plain Error with the same message. */
function methodInMessage(error: unknown): string | undefined {
  return error instanceof Error ? /^Call to '(\w+)' failed/.exec(error.message)?.[1] : undefined;
}

class Deadline extends Error {}

export function apiPolicy(options: ApiPolicyOptions): Transformer {
  const callMs = options.callMs ?? 8_000;
  const attemptMs = options.attemptMs ?? 4_000;
  const uploadCallMs = options.uploadCallMs ?? 30_000;
  const uploadAttemptMs = options.uploadAttemptMs ?? 20_000;
  const retries = options.retries ?? 2;
  const maxRetryAfter = options.maxRetryAfterSeconds ?? 5;
  const outage = new OutageLog(options.logger, "telegram api");

  return async (prev, method, payload, signal) => {
    if (UNBOUNDED.has(method)) return prev(method, payload, signal);
    const upload = UPLOAD_METHODS.has(method);
    const started = Date.now();
    const endAt = started + (upload ? uploadCallMs : callMs);
    const perAttempt = upload ? uploadAttemptMs : attemptMs;
    let failures = 0;
    for (let attempt = 1; ; attempt++) {
      const budget = Math.min(perAttempt, endAt - Date.now());
      let outcome: { ok: true; response: Awaited<ReturnType<typeof prev>> } | { ok: false; error: unknown };
      try {
        // grammY types signals with its polyfill's type; at run time it takes the platform's.
        outcome = { ok: true, response: await withDeadline((s) => prev(method, payload, s as unknown as typeof signal), budget, signal as unknown as AbortSignal | undefined) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      const fail = (code: number | string) => {
        options.logger.warn({ method, code, attempts: attempt, ms: Date.now() - started }, "telegram api call failed");
      };
      if (outcome.ok) {
        const response = outcome.response;
        // Any answer but a 5xx (a 429, a 400) means the Bot API is there.
        if (response.ok || response.error_code < 500) outage.answered();
        if (response.ok) return response;
        const code = response.error_code;
        let waitMs: number | undefined;
        if (code === 429) {
          const seconds = response.parameters?.retry_after ?? 1;
          if (seconds <= maxRetryAfter) waitMs = seconds * 1000;
        } else if (code >= 500 && failures < retries) {
          waitMs = BACKOFF_MS[failures] ?? 1_000;
        }
        // Retry only when the wait leaves the next attempt a fair chance inside the deadline.
        if (waitMs === undefined || Date.now() + waitMs + 500 > endAt || signal?.aborted) {
          if (code >= 500) outage.failed(`HTTP ${code}`);
          fail(code);
          return response; // grammY turns it into a GrammyError carrying the method
        }
        if (code !== 429) failures++;
        await sleep(waitMs);
        continue;
      }
      const error = outcome.error;
      if (signal?.aborted) throw error; // the caller gave up (stopping): nothing to report
      const reason = reasonOf(error);
      // A timed-out call may have been carried out (a message sent): not repeated, and the deadline is spent anyway.
      const waitMs = BACKOFF_MS[failures] ?? 1_000;
      if (reason === "timeout" || failures >= retries || Date.now() + waitMs + 500 > endAt) {
        outage.failed(reason);
        fail(reason);
        throw new ApiCallFailed(method, reason, error);
      }
      failures++;
      await sleep(waitMs);
    }
  };
}

/** Runs one attempt with its own abort signal, given up after `ms` even if the client ignores the signal. */
async function withDeadline<R>(attempt: (signal: AbortSignal) => Promise<R>, ms: number, outer?: AbortSignal): Promise<R> {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  outer?.addEventListener("abort", onAbort, { once: true });
  if (outer?.aborted) controller.abort();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Deadline());
      controller.abort();
    }, Math.max(0, ms));
  });
  const running = attempt(controller.signal);
  running.catch(() => undefined); // lost the race: its late failure is not ours to report
  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onAbort);
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Deadline) return "timeout";
  const inner = error instanceof HttpError ? error.error : error;
  if (inner instanceof Deadline) return "timeout";
  if (inner instanceof SyntaxError) return "not_json";
  const name = (inner as { name?: unknown } | null)?.name;
  // node-fetch: FetchError with a system code (ECONNRESET, ECONNREFUSED…); invalid-json when the body is not JSON.
  const type = (inner as { type?: unknown } | null)?.type;
  if (type === "invalid-json") return "not_json";
  const code = (inner as { code?: unknown } | null)?.code ?? (inner as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof code === "string" && /^[A-Z_]+$/.test(code)) return code;
  if (name === "AbortError") return "timeout";
  return typeof name === "string" && /^\w+$/.test(name) ? name : "network";
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
