// Reminders on Telegram: the text of each kind in the person's language, the "report now" button on
// report reminders (data `rep:<unitId>`, opening /report for that union), the "waiting applications" button on
// reminders of applications that wait (opening /applications), and the pg-boss schedule that
// runs them every 15 minutes from whichever bot instance picks the job up.
import { CHANNELS } from "../../channels/capabilities.ts";
import { InlineKeyboard, type Api } from "grammy";
import type { PrismaClient } from "../../db/database.ts";
import { queueAnnouncement } from "../../broadcasts/broadcasts.ts";
import { runDueReminders, type Announce, type Deliver, type DueReminder, type RunResult } from "../../drive/reminders.ts";
import { tFor } from "../../i18n/i18n.ts";
import type { PgBoss } from "../../jobs/boss.ts";
import type { Logger } from "../../logger.ts";
import { formatCalendarDate, TIME_ZONE } from "../../shared/time.ts";
import { joinLink } from "../../organisation/posters.ts";
import { applicationsButton } from "../applications/view.ts";
import { recipientOf, recipientsOf, sendToRecipient } from "../send.ts";
import { countReminderRun } from "../../metrics/metrics.ts";

export const REMINDERS_QUEUE = "reminders-due";
export const REMINDERS_CRON = "*/15 * * * *";

type SendDeps = {
  api: Api;
  prisma: PrismaClient;
  logger: Logger;
  /** The bot's username once known: members' wave texts end with their union's join link, for forwarding. */
  botUsername?: () => string | undefined;
  /** Days an application waits before its deciders are reminded (config APPLICATION_REMINDER_DAYS; default 3). */
  applicationReminderDays?: number;
};

const DAY = 86_400_000;

export function reminderMessage(reminder: DueReminder, lang: "vi" | "en", joinUrl?: string): { text: string; keyboard?: InlineKeyboard } {
  const t = tFor(lang);
  const unit = reminder.unit.name;
  if (reminder.kind === "report_due" || reminder.kind === "overdue") {
    const week = reminder.weekStart!;
    const params = { unit, from: formatCalendarDate(week), to: formatCalendarDate(new Date(week.getTime() + 6 * DAY)) };
    return {
      text: t(`reminders.message.${reminder.kind}`, params),
      keyboard: new InlineKeyboard().text(t("reminders.report_now"), `rep:${reminder.unit.id}`),
    };
  }
  if (reminder.kind === "applications_waiting" || reminder.kind === "applications_late") {
    const { level, count, days } = reminder.applications!;
    const params = { count, days, unit };
    const text =
      reminder.kind === "applications_waiting"
        ? level === "chair" ? t("applications.reminder.wait_chair", params) : level === "officer" ? t("applications.reminder.wait_officer", params) : t("applications.reminder.wait_admin", params)
        : level === "admin" ? t("applications.reminder.late_admin", params) : t("applications.reminder.late_officer", params);
    return { text, keyboard: applicationsButton(t) };
  }
  const wave = reminder.wave!;
  const params = {
    unit,
    wave: wave.name,
    campaign: wave.campaignName,
    from: formatCalendarDate(wave.startsOn),
    to: formatCalendarDate(wave.endsOn),
    days: reminder.daysBefore ?? 3,
  };
  if (reminder.audience === "member") {
    // The wave's own announcement (written by the issuing union, as it wrote it) under a heading in the member's language.
    const body = reminder.kind === "wave_start" && wave.announcement ? `${t("reminders.member.heading", params)}\n\n${wave.announcement}` : t(`reminders.member.${reminder.kind}`, params);
    return { text: joinUrl ? `${body}\n\n${t("reminders.member.join_link", { unit, link: joinUrl })}` : body };
  }
  return { text: t(`reminders.message.${reminder.kind}`, params) };
}

/** Delivers one chair's reminder to their chat; a person who blocked the bot is marked unreachable. */
export function telegramDeliver(deps: SendDeps): Deliver {
  return async (reminder) => {
    const recipient = await recipientOf(deps.prisma, reminder.personId);
    if (!recipient) return "unreachable";
    const { text, keyboard } = reminderMessage(reminder, recipient.lang);
    const sent = await sendToRecipient(deps, recipient, text, keyboard ? { reply_markup: keyboard } : undefined);
    return sent ? "sent" : "unreachable";
  };
}

/**
 * Members' texts of one wave milestone, each in the member's language with their union's join link (Telegram readers),
 * queued in the outbox: the broadcast sender delivers them at the platform's pace, after quiet hours, with the stop
 * button, on Telegram or Zalo.
 */
export function queueMemberTexts(deps: SendDeps): Announce {
  return async (reminders, now) => {
    const first = reminders[0];
    if (!first?.announcement) return 0;
    const people = await recipientsOf(deps.prisma, reminders.map((r) => r.personId));
    const username = deps.botUsername?.();
    const rows = reminders.flatMap((r) => {
      const p = people.get(r.personId);
      if (!p) return [];
      // The link opens the Telegram bot: of no use to a reader on another channel, who gets the text alone.
      const link = username && CHANNELS[p.channel].telegramLinks ? joinLink(username, r.unit.code) : undefined;
      return [{ personId: p.personId, channel: p.channel, chatId: p.chatId, text: reminderMessage(r, p.lang, link).text }];
    });
    // What /broadcasts shows for it: the Vietnamese heading of the milestone's text.
    const label = reminderMessage(first, "vi").text.split("\n")[0]!;
    return queueAnnouncement(deps.prisma, { sourceKey: first.announcement.sourceKey, scopeUnitId: first.announcement.scopeUnitId, label, rows }, now);
  };
}

/** Sends what is due at `now` through Telegram. The schedule's worker calls it; so do the tests, with a fixed `now`. */
export function sendDueReminders(deps: SendDeps, now: Date): Promise<RunResult> {
  return runDueReminders(
    { prisma: deps.prisma, logger: deps.logger, deliver: telegramDeliver(deps), announce: queueMemberTexts(deps), applicationReminderDays: deps.applicationReminderDays },
    now,
  );
}

export async function registerReminderWorker(boss: PgBoss, deps: SendDeps & { clock?: () => Date }): Promise<void> {
  await boss.createQueue(REMINDERS_QUEUE);
  await boss.work(REMINDERS_QUEUE, async () => {
    const result = await countReminderRun(REMINDERS_QUEUE, () => sendDueReminders(deps, deps.clock?.() ?? new Date()));
    if (result.sent + result.failed + result.unreachable + result.queued > 0) deps.logger.info({ ...result }, "reminders run");
  });
}

/** The schedule lives in the database (pg-boss), so it survives restarts and fires once across instances. */
export async function scheduleReminders(boss: PgBoss, cron = REMINDERS_CRON): Promise<void> {
  await boss.createQueue(REMINDERS_QUEUE);
  await boss.schedule(REMINDERS_QUEUE, cron, {}, { tz: TIME_ZONE });
}
