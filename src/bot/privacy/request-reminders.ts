// Data subjects' requests must be answered within DATA_REQUEST_DAYS (Law 91/2025). Every morning a pg-boss job sends
// the deciders of each request due within a week (or overdue) its card again, buttons and all, under a line that
// says how long is left: the deadline stays in sight, and a card that was lost when first sent reaches them anyway.
import type { Api } from "grammy";
import type { PrismaClient } from "../../db/database.ts";
import type { PgBoss } from "../../jobs/boss.ts";
import type { T } from "../../i18n/i18n.ts";
import type { Logger } from "../../logger.ts";
import { countReminderRun } from "../../metrics/metrics.ts";
import { requestsNearingDue } from "../../privacy/requests.ts";
import { formatVietnamDate, TIME_ZONE } from "../../shared/time.ts";
import { notifyCorrectionDeciders } from "./correct.ts";
import { notifyErasureDeciders } from "./erase.ts";

export const REQUEST_REMINDER_QUEUE = "privacy-request-reminders";
/** 08:05 Vietnam time, when a chair's working day starts. */
export const REQUEST_REMINDER_CRON = "5 8 * * *";
/** Reminders start this many days before the deadline. */
export const REMIND_WITHIN_DAYS = 7;

type ReminderDeps = { api: Api; prisma: PrismaClient; logger: Logger };

/** Sends every due request's card again; returns how many requests were reminded of. */
export async function remindDueRequests(deps: ReminderDeps, now: Date): Promise<number> {
  const due = await requestsNearingDue(deps.prisma, now, REMIND_WITHIN_DAYS);
  for (const request of due) {
    const date = formatVietnamDate(request.dueAt);
    const line = (t: T) => (request.daysLeft > 0 ? t("data_request.due", { count: request.daysLeft, date }) : t("data_request.overdue", { date }));
    const notify = request.kind === "CORRECTION" ? notifyCorrectionDeciders : notifyErasureDeciders;
    try {
      await notify(deps, request.id, line);
    } catch (err) {
      deps.logger.error({ err, requestId: request.id }, "could not remind the deciders of a data request");
    }
  }
  return due.length;
}

/** The queue, its daily schedule (kept by pg-boss in the database, fired once across instances) and its worker. */
export async function registerRequestReminders(boss: PgBoss, deps: ReminderDeps & { clock?: () => Date; cron?: string }): Promise<void> {
  await boss.createQueue(REQUEST_REMINDER_QUEUE);
  await boss.schedule(REQUEST_REMINDER_QUEUE, deps.cron ?? REQUEST_REMINDER_CRON, {}, { tz: TIME_ZONE });
  await boss.work(REQUEST_REMINDER_QUEUE, async () => {
    const count = await countReminderRun(REQUEST_REMINDER_QUEUE, () => remindDueRequests(deps, deps.clock?.() ?? new Date()));
    if (count > 0) deps.logger.info({ count }, "deciders reminded of data requests near their deadline");
  });
}
