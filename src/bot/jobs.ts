// Background jobs that talk to Telegram, worked by pg-boss (at least once, from any bot instance).
import type { Api } from "grammy";
import type { PrismaClient } from "../db/database.ts";
import type { PgBoss } from "../jobs/boss.ts";
import type { Logger } from "../logger.ts";
import type { CardSettings } from "../cards/card.ts";
import { NOTIFY_APPLICANT, notifyApplicant } from "./decision/notify-applicant.ts";
import { NOTIFY_DECIDERS, notifyDeciders } from "./decision/notify-deciders.ts";
import { registerReminderWorker } from "./reminders/send.ts";
import { registerRequestReminders } from "./privacy/request-reminders.ts";

export async function registerTelegramJobs(
  boss: PgBoss,
  deps: { api: Api; prisma: PrismaClient; logger: Logger; cards: CardSettings; clock?: () => Date; botUsername?: () => string | undefined; applicationReminderDays?: number },
) {
  const handlers = { [NOTIFY_DECIDERS]: notifyDeciders, [NOTIFY_APPLICANT]: notifyApplicant };
  for (const [queue, handle] of Object.entries(handlers)) {
    await boss.createQueue(queue);
    await boss.work<{ applicationId: string }>(queue, { pollingIntervalSeconds: 0.5 }, async (jobs) => {
      for (const job of jobs) await handle(deps, job.data.applicationId);
    });
  }
  await registerReminderWorker(boss, deps);
  await registerRequestReminders(boss, deps);
}
