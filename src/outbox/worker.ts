// The outbox sender of one instance. It stands by until it holds the sender lock (one sender per bot token
// across instances: the aggregate rate is the pacer's rate, and no row is sent by two instances), then
// loops: claim a batch, send each message through its channel's Sender at the pacer's rate with a few in
// flight, record the outcomes in one transaction, repeat. A crash leaves at most one claimed batch in
// SENDING; whoever takes the lock next sends those again (the only possible duplicates). A database outage
// leaves none: outcomes that cannot be written are kept (backlog.ts) and written before anything else.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "../db/database.ts";
import { isQuietHours } from "../shared/time.ts";
import { OutcomeBacklog, renewLease } from "./backlog.ts";
import {
  backoffMs,
  claimBatch,
  releaseForeignClaims,
  type ClaimedRow,
  type OutgoingMessage,
  type RowResult,
  type Sender,
  type SendOutcome,
} from "./outbox.ts";
import type { SenderLock } from "./lock.ts";
import { Pacer, sleep } from "./pacer.ts";

/** Outcomes are written to the store in chunks of this many. */
const FLUSH_EVERY = 10;

export interface WorkerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface OutboxWorkerOptions {
  prisma: PrismaClient;
  senders: Sender[];
  lock: SenderLock;
  logger: WorkerLogger;
  /** Messages per second for the bot token (all broadcasts together). */
  ratePerSecond: number;
  perChatPerSecond?: number;
  /** Sends in flight at once. */
  concurrency: number;
  /** Rows claimed at a time: also the most messages a crash can repeat. */
  batchSize: number;
  /** A claim older than this is taken over (a sender that died without the lock being noticed). */
  leaseMs?: number;
  /** Attempts before a message is FAILED (429s do not count). */
  maxAttempts?: number;
  /** Wall clock for quiet hours, due times and backoff (tests move it). */
  clock?: () => Date;
  /** How long to sleep when there is nothing to send (a wake() cuts it short). */
  idleMs?: number;
  /** Content of a broadcast's message. */
  contentOf(broadcastId: string): Promise<OutgoingMessage["content"] | null>;
  /** Before each claim while idle: start due broadcasts. Returns nothing. */
  onTick?(now: Date): Promise<void>;
  /** After a batch or while idle: finish broadcasts whose rows are all final (and report them). */
  onSettled?(now: Date): Promise<void>;
}

export class OutboxWorker {
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  private readonly pacer: Pacer;
  private readonly clock: () => Date;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly content = new Map<string, OutgoingMessage["content"] | null>();
  /** For tests and the bench: what this worker did. */
  readonly stats = { claimed: 0, sent: 0, retryAfter: 0, unreachable: 0, failed: 0, skipped: 0, retried: 0 };
  private readonly backlog: OutcomeBacklog;
  private readonly leaseMs: number;
  private renewer: NodeJS.Timeout | undefined;
  private renewing = false;

  constructor(private readonly o: OutboxWorkerOptions) {
    this.pacer = new Pacer(o.ratePerSecond, o.perChatPerSecond ?? 1);
    this.clock = o.clock ?? (() => new Date());
    this.backlog = new OutcomeBacklog(o.prisma, this.workerId);
    this.leaseMs = o.leaseMs ?? 60_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // Three renewals per lease: one may fail (a busy store) without the lease running out.
    this.renewer = setInterval(() => void this.renewLease(), this.leaseMs / 3);
    this.renewer.unref();
    this.loop = this.run().catch((err: unknown) => this.o.logger.error({ err }, "outbox worker stopped on an error"));
  }

  /** Something may be due (a broadcast was created or started): look now instead of after the idle sleep. */
  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    clearInterval(this.renewer);
    if (!(await this.backlog.write(this.clock))) {
      this.o.logger.error({ outcomes: this.backlog.outcomes }, "outbox outcomes could not be recorded before stopping; those messages may be sent again");
    }
    await this.o.lock.release();
  }

  private async renewLease() {
    const ids = this.backlog.heldIds();
    if (this.renewing || ids.length === 0) return;
    this.renewing = true;
    await renewLease(this.o.prisma, this.workerId, ids, this.clock())
      .catch(() => undefined) // the store is away: the backlog is written before any claim, so nothing is lost
      .finally(() => (this.renewing = false));
  }

  /** Writes what is owed to the store; logs once when it starts owing and once when it is paid. */
  private async writeBacklog(): Promise<boolean> {
    const wasFailing = this.backlog.failing;
    const owed = this.backlog.outcomes;
    const ok = await this.backlog.write(this.clock);
    if (this.backlog.failing && !wasFailing) {
      this.o.logger.warn({ outcomes: this.backlog.outcomes }, "could not record outcomes yet; outcomes kept until the store returns");
    } else if (ok && wasFailing) {
      this.o.logger.info({ outcomes: owed }, "outcomes kept during a store outage recorded");
    }
    return ok;
  }

  private async idle(ms: number) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
  }

  private async run(): Promise<void> {
    const idleMs = this.o.idleMs ?? 1000;
    let holding = false;
    while (this.running) {
      // Outcomes kept through an outage are written before anything is claimed or sent: rows sent but not yet
      // recorded would otherwise be claimed again once their lease ran out, and sent twice.
      if (this.backlog.size > 0 && !(await this.writeBacklog())) {
        await this.idle(idleMs);
        continue;
      }
      if (!(await this.o.lock.tryAcquire())) {
        holding = false;
        await this.idle(2_000);
        continue;
      }
      if (!holding) {
        holding = true;
        const taken = await releaseForeignClaims(this.o.prisma, this.workerId);
        this.o.logger.info({ worker: this.workerId, taken }, "outbox sender active");
      }
      try {
        await this.o.onTick?.(this.clock());
        const sentSome = await this.drain();
        await this.o.onSettled?.(this.clock());
        if (!sentSome) await this.idle(idleMs);
      } catch (err) {
        this.o.logger.error({ err }, "outbox batch failed; retrying");
        await this.idle(idleMs);
      }
    }
  }

  /** Start due broadcasts and finish done ones now and then while a long drain goes on (never blocking sends). */
  private housekeeping: Promise<void> | undefined;
  private lastHousekeeping = 0;
  private houseKeep() {
    if (this.housekeeping || Date.now() - this.lastHousekeeping < 5_000) return;
    this.lastHousekeeping = Date.now();
    this.housekeeping = (async () => {
      await this.o.onTick?.(this.clock());
      await this.o.onSettled?.(this.clock());
    })()
      .catch((err: unknown) => this.o.logger.warn({ err }, "outbox housekeeping failed"))
      .finally(() => (this.housekeeping = undefined));
  }

  /**
   * Sends until nothing is due. Rows are claimed ahead (a new batch when the queue is half empty), so the
   * pacer never waits for the store; outcomes are written every few messages. Returns whether it claimed anything.
   */
  private async drain(): Promise<boolean> {
    const queue: ClaimedRow[] = [];
    let claiming: Promise<void> | undefined;
    let claimError: unknown;
    let exhausted = false;
    let any = false;
    const claimMore = () => {
      claiming ??= claimBatch(this.o.prisma, {
        workerId: this.workerId,
        limit: this.o.batchSize,
        now: this.clock(),
        leaseMs: this.leaseMs,
        quiet: isQuietHours(this.clock()),
      })
        .then((rows) => {
          this.stats.claimed += rows.length;
          this.backlog.claimed(rows.map((r) => r.id));
          queue.push(...rows);
          if (rows.length < this.o.batchSize) exhausted = true;
        })
        .catch((err: unknown) => {
          claimError = err;
          exhausted = true;
        })
        .finally(() => (claiming = undefined));
    };

    let unflushed = 0;
    const inFlight = new Set<Promise<void>>();

    try {
      for (;;) {
        if (!this.running || !this.o.lock.held()) break;
        // No new claims while outcomes are owed: the store may hand back rows of ours whose lease ran out.
        if (queue.length < this.o.batchSize / 2 && !exhausted && !this.backlog.failing) claimMore();
        if (queue.length === 0) {
          if (claiming) {
            await claiming;
            continue;
          }
          break;
        }
        any = true;
        const row = queue.shift()!;
        try {
          await this.sendOne(row, inFlight, (result) => {
            if (result.kind === "skipped") this.stats.skipped++;
            this.backlog.add(result);
            if (++unflushed >= FLUSH_EVERY) {
              unflushed = 0;
              void this.writeBacklog();
            }
          });
        } catch (err) {
          queue.unshift(row); // not sent (its content could not be read): given back below
          throw err;
        }
        this.houseKeep();
      }
    } finally {
      await Promise.all(inFlight);
      if (claiming) await claiming;
      this.backlog.release(queue.map((r) => r.id)); // claimed ahead, not sent (stopping, or the lock lost)
      await this.writeBacklog(); // what cannot be written now is written by the loop before anything else
    }
    if (claimError) throw claimError;
    // After a 429 the row went back to PENDING; wait out the pause before claiming again.
    const pause = this.pacer.pausedUntilMs - Date.now();
    if (pause > 0 && this.running) await sleep(Math.min(pause, 60_000));
    return any;
  }

  private async contentFor(broadcastId: string) {
    if (!this.content.has(broadcastId)) {
      if (this.content.size > 100) this.content.clear();
      this.content.set(broadcastId, await this.o.contentOf(broadcastId));
    }
    return this.content.get(broadcastId) ?? null;
  }

  /** Sends one row when the pacer allows (at most `concurrency` in flight); the outcome goes to `done`. */
  private async sendOne(row: ClaimedRow, inFlight: Set<Promise<void>>, done: (result: RowResult) => void): Promise<void> {
    const base = { id: row.id, personId: row.personId };
    if (!row.announcementsOn) return done({ ...base, kind: "skipped" });
    const sender = this.o.senders.find((s) => s.channel === row.channel);
    const content = await this.contentFor(row.broadcastId);
    if (!sender || !content) return done({ ...base, kind: "failed", reason: sender ? "broadcast_missing" : `no_sender:${row.channel}` });
    while (inFlight.size >= this.o.concurrency) await Promise.race(inFlight);
    await this.pacer.take(row.chatId);
    const message: OutgoingMessage = {
      id: row.id,
      broadcastId: row.broadcastId,
      personId: row.personId,
      chatId: row.chatId,
      channel: row.channel,
      language: row.language === "en" ? "en" : "vi",
      content: row.text === null ? content : { text: row.text, photoFileId: null, own: true },
    };
    const maxAttempts = this.o.maxAttempts ?? 5;
    const task = sender
      .send(message)
      .catch((err: unknown): SendOutcome => ({ kind: "error", reason: err instanceof Error ? err.message : String(err) }))
      .then((outcome) => {
        const now = this.clock();
        switch (outcome.kind) {
          case "sent":
            this.stats.sent++;
            return done({ ...base, kind: "sent" });
          case "retry_after":
            this.stats.retryAfter++;
            this.pacer.pauseUntil(Date.now() + outcome.seconds * 1000);
            this.o.logger.warn({ retryAfter: outcome.seconds }, "flood limit: pausing every send");
            return done({ ...base, kind: "retry", reason: `retry_after:${outcome.seconds}`, notBefore: new Date(now.getTime() + outcome.seconds * 1000), countsAsAttempt: false });
          case "unreachable":
            this.stats.unreachable++;
            return done({ ...base, kind: "unreachable", reason: outcome.reason });
          case "error":
            if (outcome.permanent || row.attempts >= maxAttempts) {
              this.stats.failed++;
              return done({ ...base, kind: "failed", reason: outcome.reason });
            }
            this.stats.retried++;
            return done({ ...base, kind: "retry", reason: outcome.reason, notBefore: new Date(now.getTime() + backoffMs(row.attempts)), countsAsAttempt: true });
        }
      });
    const tracked: Promise<void> = task.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }
}
