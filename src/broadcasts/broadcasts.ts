// Broadcasts: an officer or admin announces something to an audience within their scope (members,
// chairs and deputies, pending applicants, or all of them, in a unit's subtree), narrowed by language and
// channel. Creating one writes the broadcast and one outbox row per recipient in ONE transaction (the
// recipients are inserted with INSERT … SELECT, so 50,000 of them never pass through JavaScript). It waits
// (SCHEDULED, editable and cancellable) until its time, then SENDING while the outbox drains, then DONE;
// the author gets one final report. Opted-out people are left out when the outbox is written and skipped
// if they opt out before their message goes. Nothing here knows Telegram.
import { z } from "zod";
import { writeAudit } from "../audit/audit.ts";
import type { PrismaClient } from "../db/database.ts";
import { Prisma, type BroadcastAudience, type BroadcastStatus, type Channel, type Language } from "../generated/prisma/client.ts";
import { findUnit } from "../organisation/units.ts";
import { countsByBroadcast, EMPTY_COUNTS, type OutboxCounts } from "../outbox/outbox.ts";
import { authorize, unitsWhere } from "../policy/policy.ts";
import { isQuietHours } from "../shared/time.ts";

export const AUDIENCES = ["MEMBERS", "CHAIRS", "APPLICANTS", "EVERYONE"] as const satisfies readonly BroadcastAudience[];
/** Text of a message without a photo (Telegram allows 4096 characters; room is left for the heading). */
export const TEXT_MAX = 3500;
/** Text under a photo (Telegram captions hold 1024 characters). */
export const CAPTION_MAX = 900;
/** How far ahead a broadcast may be scheduled. */
export const MAX_SCHEDULE_DAYS = 60;

export function formatBroadcastRef(ref: number): string {
  return `TB-${String(ref).padStart(6, "0")}`;
}

export interface AudienceFilter {
  audience: BroadcastAudience;
  /** Null: everywhere (admins only). */
  scopeUnitId: string | null;
  language: Language | null;
  channel: Channel | null;
}

export const textSchema = (withPhoto: boolean) =>
  z
    .string()
    .transform((s) => s.replace(/\r\n?/g, "\n").trim())
    .pipe(
      z
        .string()
        .min(1, { message: "broadcasts.errors.text_empty" })
        .max(withPhoto ? CAPTION_MAX : TEXT_MAX, { message: withPhoto ? "broadcasts.errors.caption_too_long" : "broadcasts.errors.text_too_long" }),
    );

export const BroadcastInputSchema = z
  .object({
    audience: z.enum(AUDIENCES),
    scopeUnitId: z.string().min(1).max(40).nullable(),
    language: z.enum(["vi", "en"]).nullable(),
    channel: z.enum(["TELEGRAM", "ZALO", "WEB"]).nullable(),
    text: z.string(),
    photoFileId: z.string().min(1).max(256).nullable(),
    urgent: z.boolean(),
    sendAt: z.date(),
  })
  .superRefine((input, ctx) => {
    const text = textSchema(input.photoFileId !== null).safeParse(input.text);
    if (!text.success) ctx.addIssue({ code: "custom", path: ["text"], message: text.error.issues[0]?.message ?? "broadcasts.errors.text_empty" });
  });
export type BroadcastInput = z.infer<typeof BroadcastInputSchema>;

/**
 * The audience's people, one row per person with the identity to reach them on (Telegram first when a
 * person has several and no channel was asked for). Opted-out and unreachable people are left out.
 */
function audienceSql(f: AudienceFilter): Prisma.Sql {
  const scope = f.scopeUnitId;
  const everywhere = scope === null;
  const inScope = (column: Prisma.Sql) => (everywhere ? Prisma.sql`TRUE` : Prisma.sql`${column} IN (SELECT id FROM scope)`);
  const parts: Prisma.Sql[] = [];
  if (f.audience === "MEMBERS" || f.audience === "EVERYONE") {
    parts.push(Prisma.sql`SELECT m."personId" AS pid FROM "Member" m WHERE m."personId" IS NOT NULL AND m."leftOn" IS NULL AND ${inScope(Prisma.sql`m."unitId"`)}`);
  }
  if (f.audience === "CHAIRS" || f.audience === "EVERYONE") {
    parts.push(Prisma.sql`SELECT g."personId" AS pid FROM "RoleGrant" g WHERE g.role IN ('CHAIR', 'DEPUTY_CHAIR') AND ${inScope(Prisma.sql`g."unitId"`)}`);
  }
  if (f.audience === "APPLICANTS" || f.audience === "EVERYONE") {
    parts.push(
      Prisma.sql`SELECT a."personId" AS pid FROM "Application" a WHERE a.status = 'PENDING' AND (${inScope(Prisma.sql`a."routedUnitId"`)} OR ${inScope(Prisma.sql`a."unitId"`)})`,
    );
  }
  const scopeCte = everywhere
    ? Prisma.sql`scope AS (SELECT id FROM "Unit" WHERE FALSE)`
    : Prisma.sql`scope AS (
        SELECT id, 0 AS depth FROM "Unit" WHERE id = ${scope}
        UNION ALL
        SELECT u.id, s.depth + 1 FROM "Unit" u JOIN scope s ON u."parentId" = s.id WHERE s.depth < 32)`;
  return Prisma.sql`
    WITH RECURSIVE ${scopeCte},
    people AS (${Prisma.join(parts, " UNION ")})
    SELECT DISTINCT ON (p.id) p.id AS "personId", ci.channel AS channel, ci."chatId" AS "chatId"
    FROM people JOIN "Person" p ON p.id = people.pid JOIN "ChatIdentity" ci ON ci."personId" = p.id
    WHERE p."announcementsOn" AND p."unreachableAt" IS NULL
      AND (${f.language}::text IS NULL OR p.language::text = ${f.language}::text)
      AND (${f.channel}::text IS NULL OR ci.channel::text = ${f.channel}::text)
    ORDER BY p.id, COALESCE(ci.channel = p."lastChannel", false) DESC, (ci.channel = 'TELEGRAM') DESC, ci."createdAt"`;
}

export async function countRecipients(prisma: PrismaClient, filter: AudienceFilter): Promise<number> {
  const rows = await prisma.$queryRaw<{ n: bigint | number }[]>(Prisma.sql`SELECT count(*) AS n FROM (${audienceSql(filter)}) audience`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * The scope a person broadcasts to when they name no unit: admins everywhere (null), an officer their
 * (first) officer unit. "none" for people who may not broadcast at all.
 */
export async function defaultScope(prisma: PrismaClient, personId: string): Promise<{ unitId: string | null } | "none"> {
  const scope = await unitsWhere(prisma, personId, "broadcast.create");
  if (scope === "everywhere") return { unitId: null };
  if (scope.length === 0) return "none";
  const officer = await prisma.roleGrant.findFirst({ where: { personId, role: "OFFICER", unitId: { not: null } }, orderBy: { createdAt: "asc" } });
  return officer?.unitId ? { unitId: officer.unitId } : "none";
}

export type CreateResult =
  | { ok: true; id: string; ref: number; recipientCount: number; startsNow: boolean }
  | { ok: false; reason: "forbidden" | "invalid" | "empty" | "unit_not_found"; error?: string };

/** Creates a broadcast and its outbox in one transaction; authorized and audited. */
export async function createBroadcast(prisma: PrismaClient, authorId: string, raw: BroadcastInput, now = new Date()): Promise<CreateResult> {
  const parsed = BroadcastInputSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: "invalid", error: parsed.error.issues[0]?.message };
  const input = { ...parsed.data, text: textSchema(parsed.data.photoFileId !== null).parse(parsed.data.text) };
  if (input.scopeUnitId && !(await findUnit(prisma, input.scopeUnitId))) return { ok: false, reason: "unit_not_found" };
  if (!(await authorize(prisma, authorId, "broadcast.create", input.scopeUnitId))) return { ok: false, reason: "forbidden" };
  const sendAt = input.sendAt.getTime() < now.getTime() ? now : input.sendAt;
  const filter: AudienceFilter = { audience: input.audience, scopeUnitId: input.scopeUnitId, language: input.language, channel: input.channel };

  const result = await prisma.$transaction(
    async (tx) => {
      const broadcast = await tx.broadcast.create({
        data: {
          authorId,
          scopeUnitId: input.scopeUnitId,
          audience: input.audience,
          language: input.language,
          channel: input.channel,
          text: input.text,
          photoFileId: input.photoFileId,
          urgent: input.urgent,
          sendAt,
        },
        select: { id: true, ref: true },
      });
      const inserted = await tx.$executeRaw(Prisma.sql`
        INSERT INTO "OutboxMessage" (id, "broadcastId", "personId", channel, "chatId", status, attempts, "notBefore", "createdAt")
        SELECT 'ob' || md5(${broadcast.id} || audience."personId"), ${broadcast.id}, audience."personId", audience.channel, audience."chatId",
               'PENDING', 0, ${now}::timestamp, ${now}::timestamp
        FROM (${audienceSql(filter)}) audience`);
      if (inserted === 0) return { empty: true as const };
      await tx.broadcast.update({ where: { id: broadcast.id }, data: { recipientCount: inserted } });
      await writeAudit(tx, {
        actorId: authorId,
        action: "broadcast.create",
        unitId: input.scopeUnitId,
        targetType: "Broadcast",
        targetId: broadcast.id,
        after: { audience: input.audience, language: input.language, channel: input.channel, urgent: input.urgent, sendAt: sendAt.toISOString(), recipients: inserted, photo: input.photoFileId !== null },
      });
      return { empty: false as const, id: broadcast.id, ref: broadcast.ref, recipientCount: inserted };
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
  if (result.empty) return { ok: false, reason: "empty" };
  return { ok: true, id: result.id, ref: result.ref, recipientCount: result.recipientCount, startsNow: sendAt.getTime() <= now.getTime() };
}

export interface BroadcastView {
  id: string;
  ref: number;
  /** Null for what the bot announces by itself. */
  authorId: string | null;
  scopeUnitId: string | null;
  audience: BroadcastAudience;
  language: Language | null;
  channel: Channel | null;
  text: string;
  photoFileId: string | null;
  urgent: boolean;
  sendAt: Date;
  status: BroadcastStatus;
  recipientCount: number;
  counts: OutboxCounts;
  /** Final (sent, failed, unreachable, skipped) as a share of all rows, 0–100. */
  percent: number;
}

function percentOf(counts: OutboxCounts): number {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total === 0) return 100;
  return Math.floor((100 * (counts.sent + counts.failed + counts.unreachable + counts.skipped)) / total);
}

const viewSelect = {
  id: true, ref: true, authorId: true, scopeUnitId: true, audience: true, language: true, channel: true, text: true,
  photoFileId: true, urgent: true, sendAt: true, status: true, recipientCount: true,
} as const;

/** The broadcasts a person may see, newest first: admins all, officers those within their scope and their own. */
export async function listBroadcasts(prisma: PrismaClient, personId: string, limit = 10): Promise<BroadcastView[] | "forbidden"> {
  const scope = await unitsWhere(prisma, personId, "broadcast.view");
  if (scope !== "everywhere" && scope.length === 0) return "forbidden";
  const where: Prisma.BroadcastWhereInput = scope === "everywhere" ? {} : { OR: [{ authorId: personId }, { scopeUnitId: { in: scope } }] };
  const rows = await prisma.broadcast.findMany({ where, select: viewSelect, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit });
  const counts = await countsByBroadcast(prisma, rows.map((r) => r.id));
  return rows.map((r) => {
    const c = counts.get(r.id) ?? { ...EMPTY_COUNTS };
    return { ...r, counts: c, percent: percentOf(c) };
  });
}

export async function getBroadcast(prisma: PrismaClient, id: string): Promise<BroadcastView | null> {
  const row = await prisma.broadcast.findUnique({ where: { id }, select: viewSelect });
  if (!row) return null;
  const c = (await countsByBroadcast(prisma, [id])).get(id) ?? { ...EMPTY_COUNTS };
  return { ...row, counts: c, percent: percentOf(c) };
}

type ChangeResult<T = object> = ({ ok: true } & T) | { ok: false; reason: "not_found" | "forbidden" | "not_scheduled" | "invalid"; error?: string };

/** A SCHEDULED broadcast's new text (re-authorized; audited; refused once it has started). */
export async function editBroadcastText(prisma: PrismaClient, actorId: string, broadcastId: string, text: string): Promise<ChangeResult> {
  const b = await prisma.broadcast.findUnique({ where: { id: broadcastId }, select: { scopeUnitId: true, status: true, photoFileId: true, text: true } });
  if (!b) return { ok: false, reason: "not_found" };
  if (!(await authorize(prisma, actorId, "broadcast.edit", b.scopeUnitId))) return { ok: false, reason: "forbidden" };
  const parsed = textSchema(b.photoFileId !== null).safeParse(text);
  if (!parsed.success) return { ok: false, reason: "invalid", error: parsed.error.issues[0]?.message };
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.broadcast.updateMany({ where: { id: broadcastId, status: "SCHEDULED" }, data: { text: parsed.data } });
    if (count === 0) return { ok: false as const, reason: "not_scheduled" as const };
    await writeAudit(tx, { actorId, action: "broadcast.edit", unitId: b.scopeUnitId, targetType: "Broadcast", targetId: broadcastId, before: { length: b.text.length }, after: { length: parsed.data.length } });
    return { ok: true as const };
  });
}

/** Cancels a SCHEDULED broadcast: nothing of it is ever sent (its outbox rows become SKIPPED). */
export async function cancelBroadcast(prisma: PrismaClient, actorId: string, broadcastId: string, now = new Date()): Promise<ChangeResult<{ ref: number }>> {
  const b = await prisma.broadcast.findUnique({ where: { id: broadcastId }, select: { scopeUnitId: true, ref: true } });
  if (!b) return { ok: false, reason: "not_found" };
  if (!(await authorize(prisma, actorId, "broadcast.cancel", b.scopeUnitId))) return { ok: false, reason: "forbidden" };
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.broadcast.updateMany({ where: { id: broadcastId, status: "SCHEDULED" }, data: { status: "CANCELLED", cancelledAt: now } });
    if (count === 0) return { ok: false as const, reason: "not_scheduled" as const };
    await tx.outboxMessage.updateMany({ where: { broadcastId, status: "PENDING" }, data: { status: "SKIPPED", lastError: "cancelled" } });
    await writeAudit(tx, { actorId, action: "broadcast.cancel", unitId: b.scopeUnitId, targetType: "Broadcast", targetId: broadcastId });
    return { ok: true as const, ref: b.ref };
  });
}

/** Whether `actorId` may look at this broadcast (its failures, its progress). */
export async function mayView(prisma: PrismaClient, actorId: string, broadcast: { authorId: string | null; scopeUnitId: string | null }): Promise<boolean> {
  if (broadcast.authorId === actorId) return true;
  return authorize(prisma, actorId, "broadcast.view", broadcast.scopeUnitId);
}

export interface FailureRow {
  status: "FAILED" | "UNREACHABLE";
  reason: string;
  name: string | null;
  externalId: string | null;
}

/** The failed and unreachable recipients of a broadcast (at most `limit`), with the count of all of them. */
export async function listFailures(prisma: PrismaClient, actorId: string, broadcastId: string, limit = 20): Promise<{ ok: true; ref: number; rows: FailureRow[]; total: number } | { ok: false; reason: "not_found" | "forbidden" }> {
  const b = await prisma.broadcast.findUnique({ where: { id: broadcastId }, select: { ref: true, authorId: true, scopeUnitId: true } });
  if (!b) return { ok: false, reason: "not_found" };
  if (!(await mayView(prisma, actorId, b))) return { ok: false, reason: "forbidden" };
  const where = { broadcastId, status: { in: ["FAILED", "UNREACHABLE"] as ("FAILED" | "UNREACHABLE")[] } };
  const [rows, total] = await Promise.all([
    prisma.outboxMessage.findMany({ where, orderBy: { id: "asc" }, take: limit, select: { status: true, lastError: true, personId: true, channel: true } }),
    prisma.outboxMessage.count({ where }),
  ]);
  const people = await prisma.person.findMany({
    where: { id: { in: rows.map((r) => r.personId) } },
    select: { id: true, member: { select: { fullName: true } }, identities: { select: { channel: true, externalId: true } } },
  });
  const byId = new Map(people.map((p) => [p.id, p]));
  // Names of people are personal data: who looked at them is recorded.
  await writeAudit(prisma, { actorId, action: "broadcast.view", unitId: b.scopeUnitId, targetType: "Broadcast", targetId: broadcastId, after: { failures: total } });
  return {
    ok: true,
    ref: b.ref,
    total,
    rows: rows.map((r) => {
      const p = byId.get(r.personId);
      return {
        status: r.status as "FAILED" | "UNREACHABLE",
        reason: r.lastError ?? "",
        name: p?.member?.fullName ?? null,
        externalId: p?.identities.find((i) => i.channel === r.channel)?.externalId ?? null,
      };
    }),
  };
}

// --- Delivery lifecycle (called by the sender loop and the pg-boss jobs) ---

/** Starts every SCHEDULED broadcast that is due; non-urgent ones wait out quiet hours. Returns their ids. */
export async function startDueBroadcasts(prisma: PrismaClient, now: Date): Promise<string[]> {
  const quiet = isQuietHours(now);
  const due = await prisma.broadcast.findMany({
    where: { status: "SCHEDULED", sendAt: { lte: now }, ...(quiet ? { urgent: true } : {}) },
    select: { id: true },
    take: 100,
  });
  const started: string[] = [];
  for (const { id } of due) {
    const { count } = await prisma.broadcast.updateMany({ where: { id, status: "SCHEDULED" }, data: { status: "SENDING", startedAt: now } });
    if (count === 1) started.push(id);
  }
  return started;
}

/** SENDING broadcasts with no PENDING or SENDING row left become DONE. Returns their ids. */
export async function finishBroadcasts(prisma: PrismaClient, now: Date): Promise<string[]> {
  const sending = await prisma.broadcast.findMany({ where: { status: "SENDING" }, select: { id: true } });
  const finished: string[] = [];
  for (const { id } of sending) {
    const open = await prisma.outboxMessage.count({ where: { broadcastId: id, status: { in: ["PENDING", "SENDING"] } } });
    if (open > 0) continue;
    const { count } = await prisma.broadcast.updateMany({ where: { id, status: "SENDING" }, data: { status: "DONE", finishedAt: now } });
    if (count === 1) finished.push(id);
  }
  return finished;
}

/** Finished broadcasts whose author has not been told yet (the bot's own have no author); each claimed once (reportedAt compare-and-set). */
export async function claimReports(prisma: PrismaClient, now: Date): Promise<BroadcastView[]> {
  const done = await prisma.broadcast.findMany({ where: { status: "DONE", reportedAt: null, authorId: { not: null } }, select: { id: true }, take: 20 });
  const out: BroadcastView[] = [];
  for (const { id } of done) {
    const { count } = await prisma.broadcast.updateMany({ where: { id, reportedAt: null }, data: { reportedAt: now } });
    if (count !== 1) continue;
    const view = await getBroadcast(prisma, id);
    if (view) out.push(view);
  }
  return out;
}

// --- What the bot announces by itself ---

/** One recipient of a bot-made announcement, with the text written for them. */
export interface AnnouncementRow {
  personId: string;
  channel: Channel;
  chatId: string;
  text: string;
}

/** Rows written per statement. */
const ROW_BATCH = 5_000;

/**
 * Queues texts the bot sends by itself (a campaign wave's texts to members) through the outbox, so they go out at
 * the platform's pace together with officers' broadcasts, after quiet hours, once each: the broadcast is found by
 * `sourceKey` (every run and instance adds to the same one) and a person already in it is not added again. Returns
 * how many rows were added. Not urgent; no author, so no final report.
 */
export async function queueAnnouncement(
  prisma: PrismaClient,
  input: { sourceKey: string; scopeUnitId: string | null; label: string; rows: AnnouncementRow[] },
  now = new Date(),
): Promise<number> {
  if (input.rows.length === 0) return 0;
  return prisma.$transaction(
    async (tx) => {
      const broadcast = await tx.broadcast.upsert({
        where: { sourceKey: input.sourceKey },
        create: { sourceKey: input.sourceKey, authorId: null, scopeUnitId: input.scopeUnitId, audience: "MEMBERS", text: input.label, sendAt: now, status: "SENDING", startedAt: now },
        update: {},
        select: { id: true, status: true },
      });
      let added = 0;
      // Four array parameters per statement, not eight parameters per row: tens of thousands of rows in a few seconds.
      for (let i = 0; i < input.rows.length; i += ROW_BATCH) {
        const rows = input.rows.slice(i, i + ROW_BATCH);
        added += await tx.$executeRaw(Prisma.sql`
          INSERT INTO "OutboxMessage" (id, "broadcastId", "personId", channel, "chatId", text, status, attempts, "notBefore", "createdAt")
          SELECT 'ob' || md5(${broadcast.id} || x.pid), ${broadcast.id}, x.pid, x.channel::"Channel", x.chat, x.text, 'PENDING', 0, ${now}::timestamp, ${now}::timestamp
          FROM unnest(${rows.map((r) => r.personId)}::text[], ${rows.map((r) => r.channel)}::text[], ${rows.map((r) => r.chatId)}::text[], ${rows.map((r) => r.text)}::text[])
            AS x(pid, channel, chat, text)
          ON CONFLICT ("broadcastId", "personId") DO NOTHING`);
      }
      if (added > 0) {
        // A finished one sends again for the people added since (members who joined later in the day).
        await tx.broadcast.update({
          where: { id: broadcast.id },
          data: { recipientCount: { increment: added }, ...(broadcast.status === "DONE" ? { status: "SENDING", finishedAt: null } : {}) },
        });
      }
      return added;
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
}

/** The people already in a bot-made announcement (so a later run does not write their texts again). */
export async function announcedTo(prisma: PrismaClient, sourceKey: string): Promise<Set<string>> {
  const broadcast = await prisma.broadcast.findUnique({ where: { sourceKey }, select: { id: true } });
  if (!broadcast) return new Set();
  const rows = await prisma.outboxMessage.findMany({ where: { broadcastId: broadcast.id }, select: { personId: true } });
  return new Set(rows.map((r) => r.personId));
}

/** What the outbox sends for a broadcast. */
export async function broadcastContent(prisma: PrismaClient, id: string) {
  return prisma.broadcast.findUnique({ where: { id }, select: { text: true, photoFileId: true } });
}

// --- Opt-out (/stop, the button under each announcement) ---

export async function announcementsOn(prisma: PrismaClient, personId: string): Promise<boolean> {
  const p = await prisma.person.findUnique({ where: { id: personId }, select: { announcementsOn: true } });
  return p?.announcementsOn ?? true;
}

export async function setAnnouncementsOn(prisma: PrismaClient, personId: string, on: boolean): Promise<void> {
  await prisma.person.update({ where: { id: personId }, data: { announcementsOn: on } });
}
