// Hands stored updates to the bot: one chat's updates one at a time and in order, different chats in parallel up to
// a bound the store can serve (back-pressure instead of failure: with more updates in hand than connections, the
// extra ones wait here rather than time out waiting for a connection).
import type { Logger } from "../logger.ts";
import { currentHandling, type Handling } from "./handling.ts";
import type { StoredUpdate } from "./store.ts";
import type { OutageLog } from "../shared/outage.ts";

export interface DispatcherOptions {
  /** Chats handled at once. */
  concurrency: number;
  /** Handles one update (the bot's middleware); errors the bot answers itself do not come back here. */
  handle(update: StoredUpdate): Promise<void>;
  /** Marks an update handled when handling it did not already (see conversation-storage.ts). */
  markHandled(id: string): Promise<void>;
  /** Whether `handle` failed because the store is away for a moment (then the update is handled again). */
  isRetryable(error: unknown): boolean;
  /**
   * Called when a chat has nothing more in hand here (several instances: its lease is let go, see chat-lease.ts);
   * returns the chat's updates other instances stored meanwhile, which are then handled here, in order.
   */
  onIdle?(chatKey: string): Promise<StoredUpdate[]>;
  /** Said once when the store stops answering and once when it is back (instead of per update). */
  storeOutage?: OutageLog;
  logger: Logger;
}

/**
 * Pauses before handling an update again after the store failed: about half a minute in all, the time a database
 * restart or a failover takes. Meanwhile the chat's later updates wait, so they stay in order.
 */
const STORE_RETRY_MS = [500, 1_000, 2_000, 4_000, 8_000, 15_000];
/** Handled update ids remembered (see `done`): far more than can be in flight between a read and its use. */
const DONE_KEPT = 20_000;

export class Dispatcher {
  private readonly queues = new Map<string, StoredUpdate[]>();
  private readonly waiting: string[] = [];
  private readonly running = new Map<string, Promise<void>>();
  /** Rows queued or in hand here, so a sweep that finds them unhandled does not queue them twice. */
  private readonly known = new Set<string>();
  /**
   * Handled (the person was answered, possibly told to try again) but not yet marked, because the store was away.
   * Kept in `known` so a sweep does not hand them out again: answered once is answered.
   */
  private readonly unmarked = new Set<string>();
  /**
   * Recently handled here. A claim may read an update as unhandled just before this process finished it (the read
   * and the handling race): such a copy must not be handled again. Bounded: older ids cannot come back that late.
   */
  private readonly done = new Set<string>();
  private roomWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {}

  has(id: string): boolean {
    return this.known.has(id);
  }

  enqueue(updates: StoredUpdate[]): void {
    if (this.stopped) return;
    for (const update of updates) {
      if (this.known.has(update.id) || this.done.has(update.id)) continue;
      this.known.add(update.id);
      const queue = this.queues.get(update.chatKey);
      if (queue) {
        queue.push(update);
      } else {
        this.queues.set(update.chatKey, [update]);
        if (!this.running.has(update.chatKey)) this.waiting.push(update.chatKey);
      }
    }
    this.pump();
  }

  /** Resolves when fewer than `limit` updates are in hand: the intake waits here before taking more. */
  async room(limit: number): Promise<void> {
    while (!this.stopped && this.known.size >= limit) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Stops taking updates and waits (up to `deadlineMs`) for those being handled; queued ones stay in the inbox. */
  async stop(deadlineMs: number): Promise<boolean> {
    this.stopped = true;
    this.waiting.length = 0;
    this.queues.clear();
    this.wakeRoomWaiters();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), deadlineMs)));
    const finished = await Promise.race([Promise.allSettled([...this.running.values()]).then(() => true as const), deadline]);
    clearTimeout(timer);
    return finished;
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.options.concurrency && this.waiting.length > 0) {
      const chatKey = this.waiting.shift()!;
      const run = this.runChat(chatKey).finally(() => {
        this.running.delete(chatKey);
        // Updates that came for this chat while it ran: back in line behind the others.
        if (!this.stopped && this.queues.has(chatKey)) this.waiting.push(chatKey);
        this.pump();
      });
      this.running.set(chatKey, run);
    }
  }

  private async runChat(chatKey: string): Promise<void> {
    const queue = this.queues.get(chatKey);
    this.queues.delete(chatKey);
    for (const update of queue ?? []) {
      if (this.stopped) break;
      if (await this.handleOne(update)) this.finished(update.id);
      this.wakeRoomWaiters();
    }
    if (this.stopped) for (const update of queue ?? []) this.known.delete(update.id);
    else if (this.options.onIdle && !this.queues.has(chatKey)) {
      try {
        this.enqueue(await this.options.onIdle(chatKey));
      } catch (err) {
        // The lease stays and runs out; the chat's later updates are then taken up by a sweep.
        this.options.logger.warn({ err, chatKey }, "could not let go of an idle chat");
      }
    }
  }

  /** Handles an update; false when it could not be marked handled (it then waits in `unmarked`). */
  private async handleOne(update: StoredUpdate): Promise<boolean> {
    let handling: Handling;
    for (let attempt = 0; ; attempt++) {
      handling = { id: update.id, channel: update.channel, marked: false, retryable: !this.stopped && attempt < STORE_RETRY_MS.length };
      try {
        await currentHandling.run(handling, () => this.options.handle(update));
        this.options.storeOutage?.answered();
        break;
      } catch (err) {
        if (this.options.isRetryable(err)) this.options.storeOutage?.failed(err);
        if (handling.retryable && this.options.isRetryable(err)) {
          // Replaying the chat's form from its saved state is safe: at worst a question is sent twice.
          if (attempt === 0) this.options.logger.warn({ err, inboxId: update.id }, "the store failed; handling the update again shortly");
          await new Promise((resolve) => setTimeout(resolve, STORE_RETRY_MS[attempt]));
          continue;
        }
        this.options.logger.error({ err, inboxId: update.id, channel: update.channel }, "update failed outside the bot");
        break;
      }
    }
    if (handling.marked) return true;
    try {
      await this.options.markHandled(update.id);
      return true;
    } catch (err) {
      this.options.logger.warn({ err, inboxId: update.id }, "could not mark an update handled; will retry");
      this.unmarked.add(update.id);
      return false;
    }
  }

  /** Marks what was handled while the store was away; called before looking for lapsed updates. */
  async retryMarks(): Promise<void> {
    for (const id of [...this.unmarked]) {
      await this.options.markHandled(id);
      this.unmarked.delete(id);
      this.finished(id);
      this.wakeRoomWaiters();
    }
  }

  private finished(id: string): void {
    this.known.delete(id);
    this.done.add(id);
    if (this.done.size > DONE_KEPT) this.done.delete(this.done.values().next().value!);
  }

  private wakeRoomWaiters(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }
}
