// What a sender owes the store: outcomes of messages it sent and claims it gives back, kept in memory until they
// are written. A message sent while the store is away cannot be recorded then; if its outcome were dropped, the
// row would stay SENDING and be claimed again once its lease ran out (by this very sender), and sent twice. So the
// worker writes this backlog before it claims or sends anything again, and renews the lease of every row it holds.
import type { PrismaClient } from "../db/database.ts";
import { recordResults, releaseClaims, type RowResult } from "./outbox.ts";

export class OutcomeBacklog {
  private results: RowResult[] = [];
  private releases: string[] = [];
  /** Rows claimed by this sender and not yet written back: queued, in flight, or with an outcome in the backlog. */
  private readonly held = new Set<string>();
  private writing: Promise<boolean> = Promise.resolve(true);
  /** The last write failed: the store is away, and what is owed stays owed. */
  failing = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly workerId: string,
  ) {}

  get size(): number {
    return this.results.length + this.releases.length;
  }

  get outcomes(): number {
    return this.results.length;
  }

  claimed(ids: Iterable<string>): void {
    for (const id of ids) this.held.add(id);
  }

  add(result: RowResult): void {
    this.results.push(result);
  }

  /** Claims to give back untouched (claimed ahead, not sent). */
  release(ids: string[]): void {
    this.releases.push(...ids);
  }

  /** Rows whose lease this sender must keep. */
  heldIds(): string[] {
    return [...this.held];
  }

  /** Writes what is owed, one write at a time; true when nothing is left owing. Never throws. */
  write(now: () => Date): Promise<boolean> {
    this.writing = this.writing.then(async () => {
      const results = this.results;
      const releases = this.releases;
      if (results.length === 0 && releases.length === 0) return true;
      this.results = [];
      this.releases = [];
      try {
        if (results.length) {
          await recordResults(this.prisma, this.workerId, results, now());
          for (const r of results) this.held.delete(r.id);
          results.length = 0;
        }
        if (releases.length) {
          await releaseClaims(this.prisma, this.workerId, releases);
          for (const id of releases) this.held.delete(id);
          releases.length = 0;
        }
        this.failing = false;
      } catch {
        this.failing = true;
      }
      // What could not be written goes first next time, before anything added meanwhile.
      this.results = [...results, ...this.results];
      this.releases = [...releases, ...this.releases];
      return this.size === 0;
    });
    return this.writing;
  }
}

/**
 * Moves the claim time of rows this sender still holds to now, so that neither another sender nor this one takes
 * them for a dead sender's while they wait in the queue, in flight, or for their outcome to be written.
 */
export async function renewLease(prisma: PrismaClient, workerId: string, ids: string[], now: Date): Promise<void> {
  for (let i = 0; i < ids.length; i += 1_000) {
    await prisma.outboxMessage.updateMany({
      where: { id: { in: ids.slice(i, i + 1_000) }, status: "SENDING", claimedBy: workerId },
      data: { claimedAt: now },
    });
  }
}
