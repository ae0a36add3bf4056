// Retention: rejected applications, and applications abandoned while pending, keep their personal data only
// RETENTION_MONTHS (default 12); then a daily pg-boss job erases them (eraseApplication: the same tombstone as a
// person's erasure, application by application). Applicants who became members are left alone.
import type { PrismaClient } from "../db/database.ts";
import type { PgBoss } from "../jobs/boss.ts";
import type { Logger } from "../logger.ts";
import { TIME_ZONE } from "../shared/time.ts";
import { eraseApplication } from "./erasure.ts";

export const RETENTION_QUEUE = "privacy-retention";
/** Every night at 03:10, Vietnam time: the quietest hour. */
export const RETENTION_CRON = "10 3 * * *";

/** `now` minus whole calendar months (the 31st of a short month goes to its last day). */
export function monthsBefore(now: Date, months: number): Date {
  const d = new Date(now);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

export interface PurgeResult {
  rejected: number;
  abandoned: number;
}

/**
 * Erases the personal fields of applications rejected more than `months` ago and of pending applications untouched
 * (updatedAt) for as long. Already erased ones (empty name) and those of people who became members are skipped.
 */
export async function purgeExpiredApplications(prisma: PrismaClient, now: Date, months: number): Promise<PurgeResult> {
  const before = monthsBefore(now, months);
  const candidates = await prisma.application.findMany({
    where: {
      fullName: { not: "" },
      person: { member: null },
      OR: [
        { status: "REJECTED", decidedAt: { lt: before } },
        { status: "PENDING", updatedAt: { lt: before } },
      ],
    },
    select: { id: true, status: true },
    orderBy: { createdAt: "asc" },
  });
  const result: PurgeResult = { rejected: 0, abandoned: 0 };
  for (const c of candidates) {
    const erased = await eraseApplication(prisma, c.id, { now, reason: c.status === "PENDING" ? "abandoned" : "retention" });
    if (erased) result[c.status === "PENDING" ? "abandoned" : "rejected"]++;
  }
  return result;
}

/** Creates the queue, its daily schedule (kept by pg-boss in the database, fired once across instances) and the worker. */
export async function registerRetentionJob(
  boss: PgBoss,
  deps: { prisma: PrismaClient; logger: Logger; months: number; clock?: () => Date; cron?: string },
): Promise<void> {
  await boss.createQueue(RETENTION_QUEUE);
  await boss.schedule(RETENTION_QUEUE, deps.cron ?? RETENTION_CRON, {}, { tz: TIME_ZONE });
  await boss.work(RETENTION_QUEUE, async () => {
    const result = await purgeExpiredApplications(deps.prisma, deps.clock?.() ?? new Date(), deps.months);
    if (result.rejected + result.abandoned > 0) deps.logger.info({ ...result }, "expired applications erased");
  });
}
