// The intake every channel feeds: store first, confirm to the platform after, handle from the store. Each update is
// handled once even when the platform sends it twice, the process is killed mid-update, or the store goes away for a
// while (see ../../README.md, "What happens to an update").
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { PrismaClient } from "../db/database.ts";
import type { Logger } from "../logger.ts";
import { OutageLog } from "../shared/outage.ts";
import { Dispatcher } from "./dispatcher.ts";
import { claimChats, releaseAll, releaseChat, renewLeases } from "./chat-lease.ts";
import { claimUnhandled, markHandled, purgeHandled, storeUpdates, type IncomingUpdate, type StoredUpdate } from "./store.ts";

export interface InboxOptions {
  prisma: PrismaClient;
  logger: Logger;
  /** Chats handled at once (bounded by the store's connections). */
  concurrency: number;
  handle(update: StoredUpdate): Promise<void>;
  /** Whether `handle` failed because the store is away for a moment (see Dispatcher). */
  isRetryable(error: unknown): boolean;
  /** How long the storing instance alone may handle an update (default 60 s). */
  leaseSeconds?: number;
  /** How often unhandled updates whose lease ran out are looked for (default 15 s). */
  sweepSeconds?: number;
  /** Updates in hand before the intake stops taking more from the platform (default 2,000). */
  highWater?: number;
  /**
   * Several instances may share the store (webhook mode): each chat is then handled by one instance at a time,
   * the one holding its lease (./chat-lease.ts). Off for the single long-polling instance, where it would only cost.
   */
  exclusiveChats?: boolean;
}

const KEEP_HANDLED_HOURS = 48;
const STORE_RETRY_MS = [200, 500, 1_000, 2_000, 5_000];

export class Inbox {
  private readonly dispatcher: Dispatcher;
  private readonly leaseSeconds: number;
  private sweeper?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private lastPurge = 0;
  private closed = false;

  private readonly storeOutage: OutageLog;
  /** This instance, as chat leases name it. */
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

  constructor(private readonly options: InboxOptions) {
    this.leaseSeconds = options.leaseSeconds ?? 60;
    this.storeOutage = new OutageLog(options.logger, "store");
    this.dispatcher = new Dispatcher({
      concurrency: options.concurrency,
      handle: options.handle,
      markHandled: (id) => markHandled(options.prisma, id),
      isRetryable: options.isRetryable,
      storeOutage: this.storeOutage,
      ...(options.exclusiveChats ? { onIdle: (chatKey: string) => releaseChat(options.prisma, this.owner, chatKey) } : {}),
      logger: options.logger,
    });
  }

  /** What of these stored updates this instance may handle: all of them, or (several instances) those of chats it holds. */
  private async ours(updates: StoredUpdate[]): Promise<StoredUpdate[]> {
    if (!this.options.exclusiveChats || updates.length === 0) return updates;
    return claimChats(this.options.prisma, this.owner, updates.map((u) => u.chatKey), this.leaseSeconds);
  }

  /**
   * Takes up what an earlier run left unhandled and starts the periodic sweep. `takeAll` is for the single
   * long-polling instance: nobody else can hold an update, so there is no lease to wait out after a crash.
   */
  async start(takeAll: boolean): Promise<void> {
    await this.claim(takeAll);
    const every = (this.options.sweepSeconds ?? 15) * 1000;
    this.sweeper = setInterval(() => void (this.sweeping ??= this.sweep().finally(() => (this.sweeping = undefined))), every);
    this.sweeper.unref();
  }

  /**
   * Stores updates durably (retrying while the store is away) and queues the new ones; resolves once they are
   * stored, which is when the platform may be told they arrived. Re-sent updates are dropped here.
   */
  async accept(updates: IncomingUpdate[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const stored = await storeUpdates(this.options.prisma, updates, this.leaseSeconds);
        this.storeOutage.answered();
        // Stored is what counts (the platform may be told now); a failed claim leaves them to the sweep.
        this.dispatcher.enqueue(await this.ours(stored).catch((err: unknown) => {
          this.options.logger.warn({ err }, "could not take up the chats of stored updates; the sweep will");
          return [];
        }));
        return;
      } catch (err) {
        this.storeOutage.failed(err);
        if (this.closed || attempt >= STORE_RETRY_MS.length) throw err;
        this.options.logger.warn({ err, attempt }, "could not store updates; retrying");
        await new Promise((resolve) => setTimeout(resolve, STORE_RETRY_MS[attempt]));
      }
    }
  }

  /** Waits until the updates in hand are few enough to take more (back-pressure on the platform). */
  room(): Promise<void> {
    return this.dispatcher.room(this.options.highWater ?? 2_000);
  }

  /** Stops taking updates, waits up to `deadlineMs` for those being handled; the rest stay stored for the next run. */
  async stop(deadlineMs: number): Promise<boolean> {
    this.closed = true;
    clearInterval(this.sweeper);
    await this.sweeping;
    const finished = await this.dispatcher.stop(deadlineMs);
    // Best effort: what stays unmarked is handled again after a restart.
    await this.dispatcher.retryMarks().catch(() => undefined);
    if (this.options.exclusiveChats) await releaseAll(this.options.prisma, this.owner).catch(() => undefined);
    return finished;
  }

  private async sweep(): Promise<void> {
    try {
      await this.dispatcher.retryMarks();
      if (this.options.exclusiveChats) await renewLeases(this.options.prisma, this.owner, this.leaseSeconds);
      await this.claim(false);
      if (Date.now() - this.lastPurge > 3_600_000) {
        this.lastPurge = Date.now();
        await purgeHandled(this.options.prisma, KEEP_HANDLED_HOURS);
      }
    } catch (err) {
      this.options.logger.warn({ err }, "inbox sweep failed");
    }
  }

  private async claim(all: boolean): Promise<void> {
    for (let afterId = "0"; ; ) {
      const rows = await claimUnhandled(this.options.prisma, { all, leaseSeconds: this.leaseSeconds, limit: 500, afterId });
      const fresh = (await this.ours(rows)).filter((r) => !this.dispatcher.has(r.id));
      if (fresh.length > 0) this.options.logger.info({ count: fresh.length }, "taking up unhandled updates");
      this.dispatcher.enqueue(fresh);
      if (rows.length < 500 || this.closed) return;
      afterId = rows.at(-1)!.id;
    }
  }
}
