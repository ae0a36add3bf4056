// Pacing for one bot token: a token bucket without burst (one send every 1/rate seconds, scheduled on
// absolute times so there is no drift), a per-chat gap, and a global pause when the platform answers
// "retry after N" (Telegram's flood limit is per bot, so one 429 pauses every send).
const realSetTimeout = globalThis.setTimeout;

export const sleep = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, Math.max(0, ms)));

export class Pacer {
  private readonly intervalMs: number;
  private readonly chatGapMs: number;
  private readonly slackMs: number;
  private next = 0;
  private pausedUntil = 0;
  private readonly chatNext = new Map<string, number>();

  constructor(ratePerSecond: number, perChatPerSecond = 1) {
    this.intervalMs = 1000 / ratePerSecond;
    this.chatGapMs = 1000 / perChatPerSecond;
    this.slackMs = Math.min(10, this.intervalMs / 4);
  }

  /** No send before this instant (ms since epoch). */
  pauseUntil(at: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, at);
  }

  get pausedUntilMs(): number {
    return this.pausedUntil;
  }

  /** Waits for the next global slot and for the chat's own gap, then takes both. */
  async take(chatId: string): Promise<void> {
    for (;;) {
      const now = Date.now();
      const slot = Math.max(this.next, this.pausedUntil, this.chatNext.get(chatId) ?? 0);
      if (slot > now) {
        await sleep(slot - now);
        continue; // a pause may have come in while waiting
      }
      // The next slot is one interval after this one; a send that went out late (timers fire late under
      // load) may make up at most `slack` of it, so any 31 consecutive sends still span more than 30 intervals
      // minus the slack: with 0.97 × the limit, over a second whatever the lateness.
      this.next = Math.max(this.next + this.intervalMs, now + this.intervalMs - this.slackMs);
      this.chatNext.set(chatId, now + this.chatGapMs);
      if (this.chatNext.size > 5_000) this.prune(now);
      return;
    }
  }

  private prune(now: number) {
    for (const [chat, at] of this.chatNext) if (at <= now) this.chatNext.delete(chat);
  }
}
