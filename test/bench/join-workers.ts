// Simulated workers for the join bench: each one a Telegram user of the fake Bot API who sends the next answer as
// soon as the bot's reply to the previous one arrives. One watcher reads the fake's calls once each (per-worker
// waits would rescan them for every worker), and one sweep fails the workers whose reply is overdue.
import { performance } from "node:perf_hooks";
import type { Message } from "grammy/types";
import type { FakeTelegram, RecordedCall, TestUser } from "../fake-telegram/server.ts";
import type { Step } from "./join-steps.ts";

export interface SwarmResult {
  workers: number;
  /** Replies received, i.e. updates the bot answered. */
  updates: number;
  /** Update → awaited reply, ms, one per answered update. */
  latencies: number[];
  /** Workers who sent the submitting step. */
  submitted: number;
  /** Workers who got the reply to it. */
  completed: number;
  /** "Try again" replies received (each followed by the same answer again). */
  retried: number;
  /** First update sent → last reply, ms. */
  durationMs: number;
  /** One line per worker that got stuck. */
  failures: string[];
  /** The first stuck worker's chat: what it sent (→) and got (←), oldest first. */
  firstStuckChat?: string;
}

interface WorkerState {
  user: TestUser;
  steps: Step[];
  /** Index of the step whose reply is awaited; steps.length when done. */
  at: number;
  sentAt: number;
  waiting: boolean;
  failed: boolean;
  seen: string[];
  /** The last awaited reply: the message whose buttons the next step presses. */
  lastMessage?: Message;
  submitted: boolean;
  /** What the worker sent (→) and every reply it got (←), for the report of a stuck worker. */
  history: string[];
}

const REPLIES = new Set(["sendMessage", "editMessageText"]);
/** How long a worker told "try again" waits before answering again. */
const RETRY_AFTER_MS = 2_000;

export interface SwarmOptions {
  fake: FakeTelegram;
  /** Telegram ids firstId … firstId + workers − 1. */
  firstId: number;
  workers: number;
  steps(n: number): Step[];
  /** A worker whose reply takes longer than this fails (ms). */
  stepTimeoutMs: number;
  /** Rejects to abort the run (e.g. the bot process exited). */
  abort: Promise<never>;
  /** The bot's "something went wrong, try again" text: a worker who gets it answers again 2 s later unless the awaited reply came meanwhile. */
  retryReply?: string;
  /** Called after every awaited reply with the number so far (the restart run cuts the database mid-way). */
  progress?(updates: number): void;
}

export async function runSwarm(options: SwarmOptions): Promise<SwarmResult> {
  const { fake } = options;
  const byChat = new Map<string, WorkerState>();
  const latencies: number[] = [];
  const failures: string[] = [];
  let submitted = 0;
  let completed = 0;
  let retried = 0;
  let firstStuckChat: string | undefined;
  let remaining = options.workers;
  let lastReply = 0;
  let finish: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => (finish = resolve));

  const settle = () => {
    if (--remaining === 0) finish();
  };
  const fail = (worker: WorkerState, why: string) => {
    if (worker.failed || !worker.waiting) return;
    worker.failed = true;
    worker.waiting = false;
    const step = worker.steps[worker.at]!;
    failures.push(
      `worker ${worker.user.id}: ${why} at step ${worker.at + 1} (${describe(step)}), awaiting ${String(step.reply).slice(0, 60)}; last seen: ${worker.seen.slice(-2).join(" | ") || "nothing"}`,
    );
    firstStuckChat ??= worker.history.join("\n");
    settle();
  };
  const act = (worker: WorkerState) => {
    const step = worker.steps[worker.at]!;
    try {
      worker.history.push(`→ ${describe(step)}`);
      if ("text" in step.action) fake.sendText(worker.user, step.action.text);
      else press(fake, worker, step.action.press);
    } catch (error) {
      worker.waiting = true;
      fail(worker, (error as Error).message);
      return;
    }
    if (step.submits && !worker.submitted) {
      worker.submitted = true;
      submitted++;
    }
    worker.sentAt = performance.now();
    worker.waiting = true;
  };
  const onReply = (call: RecordedCall) => {
    if (!REPLIES.has(call.method) || call.status !== 200 || !call.message) return;
    const worker = byChat.get(String(call.message.chat.id));
    if (!worker || !worker.waiting) return;
    const text = call.message.text ?? call.message.caption ?? "";
    worker.history.push(`← ${call.method === "editMessageText" ? "(edit) " : ""}${text.slice(0, 70).replace(/\n/g, " ")}`);
    if (worker.history.length > 40) worker.history.shift();
    const step = worker.steps[worker.at]!;
    const matches = typeof step.reply === "string" ? text.includes(step.reply) : step.reply.test(text);
    if (!matches && options.retryReply && text.includes(options.retryReply)) {
      // As a person would: wait a little, and answer again only if the question has not come after all.
      retried++;
      const at = worker.at;
      const sentAt = worker.sentAt;
      setTimeout(() => {
        if (!worker.failed && worker.waiting && worker.at === at && worker.sentAt === sentAt) act(worker);
      }, RETRY_AFTER_MS);
      return;
    }
    if (!matches) {
      worker.seen.push(text.slice(0, 80).replace(/\n/g, " "));
      if (worker.seen.length > 4) worker.seen.shift();
      return;
    }
    const now = performance.now();
    latencies.push(now - worker.sentAt);
    lastReply = now;
    worker.waiting = false;
    worker.lastMessage = call.message;
    if (step.submits) completed++;
    options.progress?.(latencies.length);
    worker.at++;
    if (worker.at === worker.steps.length) return settle();
    // Not from inside the fake's notification: the next update is sent on a clean stack.
    setImmediate(() => act(worker));
  };

  let cursor = fake.mark();
  let watching = true;
  const watcher = fake
    .waitForCall(
      (call) => {
        if (call.index >= cursor) {
          cursor = call.index + 1;
          onReply(call);
        }
        return !watching;
      },
      24 * 3600_000,
      fake.mark(),
    )
    .catch(() => undefined);

  const sweep = setInterval(() => {
    const now = performance.now();
    for (const worker of byChat.values()) {
      if (worker.waiting && now - worker.sentAt > options.stepTimeoutMs) fail(worker, `no reply within ${options.stepTimeoutMs / 1000} s`);
    }
  }, 500);

  const started = performance.now();
  for (let i = 0; i < options.workers; i++) {
    const id = options.firstId + i;
    const worker: WorkerState = { user: { id, first_name: `CN${id}`, language_code: "vi" }, steps: options.steps(id), at: 0, sentAt: 0, waiting: false, failed: false, seen: [], submitted: false, history: [] };
    byChat.set(String(id), worker);
  }
  // All at once, as a poster campaign's crowd: the whole first step lands in the same tick.
  for (const worker of byChat.values()) act(worker);
  try {
    await Promise.race([allDone, options.abort]);
  } finally {
    clearInterval(sweep);
    watching = false;
  }
  void watcher;
  return {
    workers: options.workers,
    updates: latencies.length,
    latencies,
    submitted,
    completed,
    retried,
    firstStuckChat,
    durationMs: (lastReply || performance.now()) - started,
    failures,
  };
}

/** Presses the labelled button on the reply that asked for it (the awaited reply of the step before). */
function press(fake: FakeTelegram, worker: WorkerState, label: string): void {
  const candidates = worker.lastMessage ? [worker.lastMessage] : [];
  candidates.push(...fake.messagesTo(worker.user).reverse());
  for (const message of candidates) {
    const button = (message.reply_markup?.inline_keyboard ?? []).flat().find((b) => b.text === label);
    if (button && "callback_data" in button) {
      fake.pressButton(worker.user, message, button.callback_data);
      return;
    }
  }
  throw new Error(`no button "${label}" in the chat`);
}

function describe(step: Step): string {
  return "text" in step.action ? `typed "${step.action.text}"` : `pressed "${step.action.press}"`;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
