// The inbox table (InboxUpdate): updates are written here before the platform is told they arrived, and marked
// when handled. Plain SQL, one statement per call: this runs for every update under peak load.
import type { Channel } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";

export interface IncomingUpdate {
  channel: Channel;
  /** The platform's id of the update: a re-sent update has the same one. */
  externalId: string;
  chatKey: string;
  payload: unknown;
}

export interface StoredUpdate extends IncomingUpdate {
  /** Row id, as text (a BIGSERIAL): ascending in the order the updates arrived. */
  id: string;
}

/** Timestamps are stored as UTC without a zone, as Prisma stores DateTime. */
export const NOW = `(now() AT TIME ZONE 'UTC')`;
export const COLUMNS = `id::text AS id, channel::text AS channel, "externalId", "chatKey", payload`;

export interface Row {
  id: string;
  channel: Channel;
  externalId: string;
  chatKey: string;
  payload: unknown;
}

export const toStored = (row: Row): StoredUpdate => ({
  ...row,
  // Depending on the driver, JSONB comes back parsed or as text.
  payload: typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload,
});

/**
 * Stores a batch, skipping updates already stored (a re-send), and returns the new ones in arrival order.
 * The storing instance holds them for `leaseSeconds`; after that another instance may take them over.
 */
export async function storeUpdates(prisma: PrismaClient, updates: IncomingUpdate[], leaseSeconds: number): Promise<StoredUpdate[]> {
  if (updates.length === 0) return [];
  const batch = JSON.stringify(updates);
  const rows = await prisma.$queryRawUnsafe<Row[]>(
    `INSERT INTO "InboxUpdate" (channel, "externalId", "chatKey", payload, "leaseUntil")
     SELECT (r->>'channel')::"Channel", r->>'externalId', r->>'chatKey', r->'payload', ${NOW} + make_interval(secs => $2::int)
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(r, n) ORDER BY n
     ON CONFLICT (channel, "externalId") DO NOTHING
     RETURNING ${COLUMNS}`,
    batch,
    leaseSeconds,
  );
  return rows.map(toStored).sort(byId);
}

export async function markHandled(prisma: PrismaClient, id: string): Promise<void> {
  await prisma.$executeRawUnsafe(`UPDATE "InboxUpdate" SET "handledAt" = ${NOW} WHERE id = $1::bigint AND "handledAt" IS NULL`, id);
}

/**
 * Takes over unhandled updates: those whose lease ran out (their instance died or is stuck), or every unhandled
 * one (`all`, for the single long-polling instance at start, which knows nobody else holds any).
 */
export async function claimUnhandled(
  prisma: PrismaClient,
  options: { all: boolean; leaseSeconds: number; limit: number; afterId?: string },
): Promise<StoredUpdate[]> {
  const rows = await prisma.$queryRawUnsafe<Row[]>(
    `UPDATE "InboxUpdate" SET "leaseUntil" = ${NOW} + make_interval(secs => $1::int)
      WHERE id IN (SELECT id FROM "InboxUpdate" WHERE "handledAt" IS NULL AND id > $3::bigint ${options.all ? "" : `AND "leaseUntil" < ${NOW}`}
                   ORDER BY id LIMIT $2::int FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS}`,
    options.leaseSeconds,
    options.limit,
    options.afterId ?? "0",
  );
  return rows.map(toStored).sort(byId);
}

/** Handled updates are kept long enough to recognise a platform's re-send (Telegram keeps updates 24 hours). */
export async function purgeHandled(prisma: PrismaClient, olderThanHours: number): Promise<number> {
  return prisma.$executeRawUnsafe(`DELETE FROM "InboxUpdate" WHERE "handledAt" < ${NOW} - make_interval(hours => $1::int)`, olderThanHours);
}

/** Saves a chat's conversation state and marks the update that produced it handled, atomically. */
export async function saveStateAndMark(prisma: PrismaClient, key: string, value: string, updateId: string): Promise<void> {
  await prisma.$executeRawUnsafe(
    `WITH saved AS (INSERT INTO "ConversationState" (key, value) VALUES ($1, $2)
                    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value RETURNING 1)
     UPDATE "InboxUpdate" SET "handledAt" = ${NOW} WHERE id = $3::bigint AND "handledAt" IS NULL`,
    key,
    value,
    updateId,
  );
}

/** Deletes a chat's conversation state (its forms all ended) and marks the update handled, atomically. */
export async function deleteStateAndMark(prisma: PrismaClient, key: string, updateId: string): Promise<void> {
  await prisma.$executeRawUnsafe(
    `WITH gone AS (DELETE FROM "ConversationState" WHERE key = $1 RETURNING 1)
     UPDATE "InboxUpdate" SET "handledAt" = ${NOW} WHERE id = $2::bigint AND "handledAt" IS NULL`,
    key,
    updateId,
  );
}

function byId(a: StoredUpdate, b: StoredUpdate): number {
  return a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
