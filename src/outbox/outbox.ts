// A channel-neutral outbox: one row per recipient and message, written in the same transaction as what
// it delivers. Senders claim rows in batches (UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)),
// so two senders never hold the same row; a claim is a lease: a SENDING row whose claim is older than
// the lease belongs to a sender that died, and is claimed again (the only rows that can be sent twice).
// Nothing here knows Telegram: each channel plugs in a `Sender`.
import type { PrismaClient } from "../db/database.ts";
import { Prisma, type Channel } from "../generated/prisma/client.ts";
import { rememberUnreachable } from "../people/people.ts";
import { recordBroadcastSends } from "../metrics/metrics.ts";

/** What a channel is asked to deliver: one recipient, the content, and the recipient's language. */
export interface OutgoingMessage {
  id: string;
  broadcastId: string;
  personId: string;
  chatId: string;
  channel: Channel;
  language: "vi" | "en";
  /** `own`: a text written for this recipient (it carries its own heading), not the broadcast's. */
  content: { text: string; photoFileId: string | null; own?: boolean };
}

/**
 * The outcome of one send: delivered; the platform asks to wait (`retryAfter` seconds, then send the same
 * message again); the person cannot be reached (blocked the bot, account gone: never retried); or another
 * error (retried with backoff unless `permanent`).
 */
export type SendOutcome =
  | { kind: "sent" }
  | { kind: "retry_after"; seconds: number }
  | { kind: "unreachable"; reason: string }
  | { kind: "error"; reason: string; permanent?: boolean };

export interface Sender {
  readonly channel: Channel;
  send(message: OutgoingMessage): Promise<SendOutcome>;
}

export interface ClaimedRow {
  id: string;
  broadcastId: string;
  personId: string;
  channel: Channel;
  chatId: string;
  attempts: number;
  language: "vi" | "en";
  announcementsOn: boolean;
  /** The recipient's own text, when the broadcast's differs per person. */
  text: string | null;
}

export interface ClaimOptions {
  workerId: string;
  limit: number;
  now: Date;
  /** A SENDING row claimed before now − lease is taken over. */
  leaseMs: number;
  /** Quiet hours now: only urgent broadcasts' rows are claimed. */
  quiet: boolean;
}

/** Claims up to `limit` due rows of broadcasts that are sending, oldest broadcast first. */
export async function claimBatch(prisma: PrismaClient, o: ClaimOptions): Promise<ClaimedRow[]> {
  const cutoff = new Date(o.now.getTime() - o.leaseMs);
  return prisma.$queryRaw<ClaimedRow[]>(Prisma.sql`
    WITH picked AS (
      SELECT m.id FROM "OutboxMessage" m JOIN "Broadcast" b ON b.id = m."broadcastId"
      WHERE b.status = 'SENDING' AND (b.urgent OR NOT ${o.quiet}::boolean)
        AND ((m.status = 'PENDING' AND m."notBefore" <= ${o.now}::timestamp)
          OR (m.status = 'SENDING' AND m."claimedAt" < ${cutoff}::timestamp))
      ORDER BY b."sendAt", b.id, m."notBefore", m.id
      LIMIT ${o.limit}
      FOR UPDATE OF m SKIP LOCKED
    ), claimed AS (
      UPDATE "OutboxMessage" AS m SET status = 'SENDING', "claimedAt" = ${o.now}::timestamp, "claimedBy" = ${o.workerId}, attempts = m.attempts + 1
      FROM picked WHERE m.id = picked.id
      RETURNING m.id, m."broadcastId", m."personId", m.channel, m."chatId", m.attempts, m.text
    )
    SELECT c.id, c."broadcastId", c."personId", c.channel::text AS channel, c."chatId", c.attempts, c.text,
           p.language::text AS language, p."announcementsOn"
    FROM claimed c JOIN "Person" p ON p.id = c."personId"
    ORDER BY c.id`);
}

/**
 * A sender that holds the exclusive sending lock takes over every row another (dead) sender had claimed:
 * they go back to PENDING at once instead of waiting for the lease to run out.
 */
export async function releaseForeignClaims(prisma: PrismaClient, workerId: string): Promise<number> {
  const { count } = await prisma.outboxMessage.updateMany({
    where: { status: "SENDING", NOT: { claimedBy: workerId } },
    data: { status: "PENDING", claimedBy: null, claimedAt: null },
  });
  return count;
}

export type RowResult =
  | { id: string; personId: string; kind: "sent" }
  | { id: string; personId: string; kind: "skipped" }
  | { id: string; personId: string; kind: "unreachable"; reason: string }
  /** Back to PENDING: not before `notBefore`; `countsAsAttempt` false for a 429 (not the message's fault). */
  | { id: string; personId: string; kind: "retry"; reason: string; notBefore: Date; countsAsAttempt: boolean }
  | { id: string; personId: string; kind: "failed"; reason: string };

const MAX_ERROR = 300;

/**
 * Records a batch's outcomes. Only rows still claimed by this worker change (a worker whose lease ran out
 * and whose rows were taken over cannot overwrite the new claimer's results).
 */
export async function recordResults(prisma: PrismaClient, workerId: string, results: RowResult[], now: Date): Promise<void> {
  if (results.length === 0) return;
  const mine = { status: "SENDING" as const, claimedBy: workerId };
  const ids = (kind: RowResult["kind"]) => results.filter((r) => r.kind === kind).map((r) => r.id);
  const unreachable = results.filter((r) => r.kind === "unreachable");
  await prisma.$transaction(async (tx) => {
    const sent = ids("sent");
    if (sent.length) await tx.outboxMessage.updateMany({ where: { id: { in: sent }, ...mine }, data: { status: "SENT", sentAt: now, lastError: null } });
    const skipped = ids("skipped");
    if (skipped.length) await tx.outboxMessage.updateMany({ where: { id: { in: skipped }, ...mine }, data: { status: "SKIPPED", lastError: "opted_out" } });
    for (const r of unreachable) {
      await tx.outboxMessage.updateMany({ where: { id: r.id, ...mine }, data: { status: "UNREACHABLE", lastError: r.reason.slice(0, MAX_ERROR) } });
    }
    if (unreachable.length) {
      await tx.person.updateMany({ where: { id: { in: unreachable.map((r) => r.personId) }, unreachableAt: null }, data: { unreachableAt: now } });
    }
    for (const r of results) {
      if (r.kind === "retry") {
        await tx.outboxMessage.updateMany({
          where: { id: r.id, ...mine },
          data: {
            status: "PENDING",
            notBefore: r.notBefore,
            lastError: r.reason.slice(0, MAX_ERROR),
            claimedBy: null,
            claimedAt: null,
            ...(r.countsAsAttempt ? {} : { attempts: { decrement: 1 } }),
          },
        });
      } else if (r.kind === "failed") {
        await tx.outboxMessage.updateMany({ where: { id: r.id, ...mine }, data: { status: "FAILED", lastError: r.reason.slice(0, MAX_ERROR) } });
      }
    }
  });
  rememberUnreachable(prisma, unreachable.map((r) => r.personId));
  recordBroadcastSends(results.map((r) => r.kind));
}

/** Gives claimed rows back untouched (a sender stopping before it sent them). */
export async function releaseClaims(prisma: PrismaClient, workerId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await prisma.outboxMessage.updateMany({
    where: { id: { in: ids }, status: "SENDING", claimedBy: workerId },
    data: { status: "PENDING", claimedBy: null, claimedAt: null, attempts: { decrement: 1 } },
  });
}

export interface OutboxCounts {
  pending: number;
  sending: number;
  sent: number;
  failed: number;
  unreachable: number;
  skipped: number;
}

export const EMPTY_COUNTS: OutboxCounts = { pending: 0, sending: 0, sent: 0, failed: 0, unreachable: 0, skipped: 0 };

/** Counts by status for each broadcast. */
export async function countsByBroadcast(prisma: PrismaClient, broadcastIds: string[]): Promise<Map<string, OutboxCounts>> {
  const out = new Map<string, OutboxCounts>(broadcastIds.map((id) => [id, { ...EMPTY_COUNTS }]));
  if (broadcastIds.length === 0) return out;
  const rows = await prisma.outboxMessage.groupBy({ by: ["broadcastId", "status"], where: { broadcastId: { in: broadcastIds } }, _count: { _all: true } });
  for (const row of rows) {
    const counts = out.get(row.broadcastId ?? "");
    if (counts) counts[row.status.toLowerCase() as keyof OutboxCounts] = row._count._all;
  }
  return out;
}

/** Retry delay after the n-th failed attempt: 2, 4, 8 … seconds, at most 5 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(1, attempts));
}
