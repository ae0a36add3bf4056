// One chat, one instance at a time, when several instances share the store (webhook mode: the load balancer sends a
// chat's updates to any of them). An instance handles a chat's updates only while it holds the chat's lease
// (ChatLease); one that stores an update for a chat another instance holds leaves it to the holder, who looks for
// more before letting go. Releasing is one statement that deletes the lease only if no unhandled update of the chat
// is left, so an update is never stranded between "the holder looked" and "the holder let go":
// - stored before the release looks: the release keeps the lease and returns it to the holder;
// - stored after: the release has gone, so the storing instance's own claim succeeds and it handles the update.
// A crashed holder's lease runs out after `leaseSeconds`; then any instance's sweep takes the chat over.
// Plain SQL, one or two statements per call: this runs for every update.
import type { PrismaClient } from "../db/database.ts";
import { COLUMNS, NOW, toStored, type Row, type StoredUpdate } from "./store.ts";

/**
 * Takes the leases of these chats that are free, lapsed or already ours, and returns every unhandled update of the
 * chats taken, in arrival order (including any an instance stored while another held the chat). Two statements, so
 * the second reads after the first waited out a holder letting go: what that holder handled is seen as handled.
 */
export async function claimChats(prisma: PrismaClient, owner: string, chatKeys: string[], leaseSeconds: number): Promise<StoredUpdate[]> {
  if (chatKeys.length === 0) return [];
  const taken = await prisma.$queryRawUnsafe<{ chatKey: string }[]>(
    `INSERT INTO "ChatLease" ("chatKey", owner, until)
     SELECT k, $2, ${NOW} + make_interval(secs => $3::int) FROM unnest($1::text[]) AS k
     ON CONFLICT ("chatKey") DO UPDATE SET owner = EXCLUDED.owner, until = EXCLUDED.until
       WHERE "ChatLease".owner = EXCLUDED.owner OR "ChatLease".until < ${NOW}
     RETURNING "chatKey"`,
    [...new Set(chatKeys)],
    owner,
    leaseSeconds,
  );
  if (taken.length === 0) return [];
  const rows = await prisma.$queryRawUnsafe<Row[]>(
    `SELECT ${COLUMNS} FROM "InboxUpdate" WHERE "handledAt" IS NULL AND "chatKey" = ANY($1::text[]) ORDER BY id`,
    taken.map((t) => t.chatKey),
  );
  return rows.map(toStored);
}

/** Lets go of an idle chat; when updates of it are still unhandled, keeps the lease and returns them instead. */
export async function releaseChat(prisma: PrismaClient, owner: string, chatKey: string): Promise<StoredUpdate[]> {
  const rows = await prisma.$queryRawUnsafe<Row[]>(
    `WITH gone AS (
       DELETE FROM "ChatLease" WHERE "chatKey" = $1 AND owner = $2
          AND NOT EXISTS (SELECT 1 FROM "InboxUpdate" WHERE "chatKey" = $1 AND "handledAt" IS NULL)
       RETURNING 1)
     SELECT ${COLUMNS} FROM "InboxUpdate"
      WHERE "chatKey" = $1 AND "handledAt" IS NULL AND NOT EXISTS (SELECT 1 FROM gone)
      ORDER BY id`,
    chatKey,
    owner,
  );
  return rows.map(toStored);
}

/** Keeps this instance's leases from lapsing while it works (a chat busy for longer than a lease). */
export async function renewLeases(prisma: PrismaClient, owner: string, leaseSeconds: number): Promise<void> {
  await prisma.$executeRawUnsafe(`UPDATE "ChatLease" SET until = ${NOW} + make_interval(secs => $2::int) WHERE owner = $1`, owner, leaseSeconds);
}

/**
 * On shutdown: lets go of every chat this instance holds and makes their unhandled updates free to take at once,
 * so the other instances' next sweep serves them instead of waiting for the leases to run out.
 */
export async function releaseAll(prisma: PrismaClient, owner: string): Promise<void> {
  await prisma.$executeRawUnsafe(
    `WITH gone AS (DELETE FROM "ChatLease" WHERE owner = $1 RETURNING "chatKey")
     UPDATE "InboxUpdate" SET "leaseUntil" = ${NOW}
      WHERE "handledAt" IS NULL AND "chatKey" IN (SELECT "chatKey" FROM gone)`,
    owner,
  );
}
