// Broadcast delivery on Telegram: the outbox worker with the Telegram sender, the pg-boss job that starts a
// scheduled broadcast at its time, and the author's final report.
//
// Pacing across instances: every instance runs a worker, but only the one holding the sender lock
// (src/outbox/lock.ts: a PostgreSQL session advisory lock) sends; the others stand by and take over within
// seconds if it dies. One sender per bot token gives the right aggregate rate (the pacer's ~30 msg/s, or
// 1,000 in paid mode) and, with SKIP LOCKED claims, no message sent by two instances. The worker polls for
// due broadcasts every second (so a restart resumes SENDING broadcasts by itself); the pg-boss job at
// sendAt only starts the broadcast and wakes the worker at once.
import type { Api } from "grammy";
import {
  broadcastContent,
  claimReports,
  finishBroadcasts,
  formatBroadcastRef,
  startDueBroadcasts,
  type BroadcastView,
} from "../../broadcasts/broadcasts.ts";
import type { BotConfig } from "../../config.ts";
import type { Database } from "../../db/database.ts";
import type { PgBoss } from "../../jobs/boss.ts";
import type { Logger } from "../../logger.ts";
import { inProcessLock, postgresLock } from "../../outbox/lock.ts";
import { OutboxWorker } from "../../outbox/worker.ts";
import type { Sender } from "../../outbox/outbox.ts";
import { tFor } from "../../i18n/i18n.ts";
import { recipientOf, sendToRecipient } from "../send.ts";
import { TelegramSender } from "../../channels/telegram/sender.ts";

export const BROADCAST_START_QUEUE = "broadcast-start";

/** Below the platform's limit by this factor: sends are timed on our clock, counted on Telegram's. */
const SAFETY = 0.97;

export interface BroadcastTuning {
  ratePerSecond: number;
  batchSize: number;
  concurrency: number;
  leaseMs: number;
  idleMs: number;
}

export function tuningFor(config: Pick<BotConfig, "TELEGRAM_PAID_BROADCAST" | "BROADCAST_RATE_PER_SECOND">): BroadcastTuning {
  const limit = config.BROADCAST_RATE_PER_SECOND ?? (config.TELEGRAM_PAID_BROADCAST ? 1000 : 30);
  const ratePerSecond = limit * SAFETY;
  return {
    ratePerSecond,
    // About one second of sending per claim: a crash repeats at most this many messages.
    batchSize: Math.min(200, Math.max(10, Math.round(limit))),
    // Enough requests in flight to keep the rate with ~100 ms latency (grammY: "maybe 3 or so" on the free tier).
    concurrency: Math.min(60, Math.max(3, Math.ceil(limit / 10))),
    leaseMs: 60_000,
    idleMs: 1_000,
  };
}

export interface BroadcastDelivery {
  worker: OutboxWorker;
  sender: TelegramSender;
  tuning: BroadcastTuning;
  start(): void;
  stop(): Promise<void>;
}

export function reportText(view: BroadcastView, lang: "vi" | "en"): string {
  const t = tFor(lang);
  return t("broadcasts.report", {
    ref: formatBroadcastRef(view.ref),
    total: view.recipientCount,
    sent: view.counts.sent,
    failed: view.counts.failed,
    unreachable: view.counts.unreachable,
    skipped: view.counts.skipped,
  });
}

export function createBroadcastDelivery(deps: {
  db: Database;
  api: Api;
  logger: Logger;
  config: BotConfig;
  clock?: () => Date;
  tuning?: Partial<BroadcastTuning>;
  /** Senders of the other channels (Zalo), paced together with Telegram's. */
  otherSenders?: Sender[];
}): BroadcastDelivery {
  const { prisma } = deps.db;
  const tuning = { ...tuningFor(deps.config), ...deps.tuning };
  const sender = new TelegramSender({ token: deps.config.TELEGRAM_BOT_TOKEN, apiRoot: deps.config.TELEGRAM_API_ROOT, paid: deps.config.TELEGRAM_PAID_BROADCAST });
  const lock = deps.db.engine === "postgres" && deps.db.connectionString
    ? postgresLock(deps.db.connectionString, (err) => deps.logger.warn({ err }, "sender lock connection lost"))
    : inProcessLock();
  const log = deps.logger.child({ part: "outbox" });
  const worker = new OutboxWorker({
    prisma,
    senders: [sender, ...(deps.otherSenders ?? [])],
    lock,
    logger: log,
    ...tuning,
    clock: deps.clock,
    contentOf: (id) => broadcastContent(prisma, id),
    onTick: async (now) => {
      const started = await startDueBroadcasts(prisma, now);
      if (started.length) log.info({ broadcasts: started }, "broadcasts started");
    },
    onSettled: async (now) => {
      const finished = await finishBroadcasts(prisma, now);
      if (finished.length) log.info({ broadcasts: finished }, "broadcasts finished");
      for (const view of await claimReports(prisma, now)) {
        const author = view.authorId ? await recipientOf(prisma, view.authorId) : null;
        if (!author) continue;
        await sendToRecipient({ api: deps.api, prisma, logger: deps.logger }, author, reportText(view, author.lang)).catch((err: unknown) =>
          log.warn({ err, broadcast: view.id }, "could not send the final report"),
        );
      }
    },
  });
  return { worker, sender, tuning, start: () => worker.start(), stop: () => worker.stop() };
}

/** The job at a broadcast's sendAt: start it (unless quiet hours hold it back) and wake the sender. */
export async function registerBroadcastJobs(boss: PgBoss, deps: { db: Database; delivery: BroadcastDelivery; clock?: () => Date }) {
  await boss.createQueue(BROADCAST_START_QUEUE);
  await boss.work(BROADCAST_START_QUEUE, { pollingIntervalSeconds: 1 }, async () => {
    await startDueBroadcasts(deps.db.prisma, deps.clock?.() ?? new Date());
    deps.delivery.worker.wake();
  });
}

/** Called after a broadcast is created: a job at its time (pg-boss keeps it across restarts). */
export async function scheduleBroadcastStart(boss: PgBoss, broadcastId: string, sendAt: Date): Promise<void> {
  await boss.send(BROADCAST_START_QUEUE, { broadcastId }, { startAfter: sendAt, singletonKey: broadcastId, retryLimit: 3 });
}
