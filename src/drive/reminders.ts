// Reminders of the membership drive, decided from a clock (`now`, injected: tests drive a fake one):
// the weekly report is due (default Friday 15:00), an overdue nudge (default Monday 08:00, only to unions
// without a report for the week before), and a campaign wave's start, half-time and last three days.
// Nothing is sent in quiet hours (21:00–07:00 Vietnam time): a reminder due then goes out at 07:00.
// A wave's milestones also reach the members (a Member row, not left, reachable, reminders on) of the grassroots
// unions under the issuing unit: the wave's announcement at its start, a short text at half-time and near its end
// (each switchable per campaign with `members: false`); once per person and wave, never twice for a chair. Members who
// turned announcements off (Person.announcementsOn) are skipped too. Members' texts can be tens of thousands at once:
// they go through the broadcast outbox (`announce`), paced with officers' broadcasts, one bot-made broadcast per wave
// milestone (src/broadcasts: queueAnnouncement), where a person is never added twice.
// Each chair's (reminder, person, period) is claimed in ReminderDelivery (a unique key) before it is sent, so
// several bot instances running the same schedule never send it twice. No Telegram here: the channel
// passes `deliver` and `announce` functions.
// Applications that wait: their deciders are reminded once an application has waited `applicationReminderDays`
// (default 3), the level above them (officers, admins last) once it has waited twice that; one message per person
// saying how many wait, each application claimed once per person and stage (src/membership/pending.ts).
import { z } from "zod";
import { announcedTo } from "../broadcasts/broadcasts.ts";
import type { PrismaClient } from "../db/database.ts";
import type { Role } from "../generated/prisma/client.ts";
import { DEFAULT_APPLICATION_REMINDER_DAYS, waitingNotices } from "../membership/pending.ts";
import { GRASSROOTS_TYPES } from "../organisation/units.ts";
import { isQuietHours, vietnamDate, vietnamDayStart } from "../shared/time.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Quiet hours live in src/shared/time.ts (broadcasts respect them too).
export { QUIET_FROM_HOUR, QUIET_UNTIL_HOUR, isQuietHours } from "../shared/time.ts";

export type ReminderKind = "report_due" | "overdue" | "wave_start" | "wave_half" | "wave_ending" | "applications_waiting" | "applications_late";

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
const weekly = z.strictObject({ enabled: z.boolean().optional(), weekday: z.number().int().min(1).max(7).optional(), time: time.optional() });
const once = z.strictObject({ enabled: z.boolean().optional(), time: time.optional(), members: z.boolean().optional() });

/** Campaign.reminders: per-campaign overrides. Weekdays are ISO (1 = Monday … 7 = Sunday). */
export const CampaignRemindersSchema = z.strictObject({
  reportDue: weekly.optional(),
  overdue: weekly.optional(),
  waveStart: once.optional(),
  waveHalf: once.optional(),
  waveEnding: once.extend({ daysBefore: z.number().int().min(1).max(14).optional() }).optional(),
});
export type CampaignReminders = z.infer<typeof CampaignRemindersSchema>;

interface Weekly {
  enabled: boolean;
  weekday: number;
  time: string;
}
interface Once {
  enabled: boolean;
  time: string;
  /** Members of the covered unions get a member-facing text too. */
  members: boolean;
}
export interface ReminderSettings {
  reportDue: Weekly;
  overdue: Weekly;
  waveStart: Once;
  waveHalf: Once;
  waveEnding: Once & { daysBefore: number };
}

export const DEFAULT_REMINDERS: ReminderSettings = {
  reportDue: { enabled: true, weekday: 5, time: "15:00" },
  overdue: { enabled: true, weekday: 1, time: "08:00" },
  waveStart: { enabled: true, time: "08:00", members: true },
  waveHalf: { enabled: true, time: "08:00", members: true },
  waveEnding: { enabled: true, time: "08:00", daysBefore: 3, members: true },
};

/** The campaign's settings over the defaults; invalid JSON is reported and ignored. */
export function settingsOf(raw: unknown, base: ReminderSettings = DEFAULT_REMINDERS): { settings: ReminderSettings; error?: string } {
  if (raw === null || raw === undefined) return { settings: base };
  const parsed = CampaignRemindersSchema.safeParse(raw);
  if (!parsed.success) return { settings: base, error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  const o = parsed.data;
  return {
    settings: {
      reportDue: { ...base.reportDue, ...o.reportDue },
      overdue: { ...base.overdue, ...o.overdue },
      waveStart: { ...base.waveStart, ...o.waveStart },
      waveHalf: { ...base.waveHalf, ...o.waveHalf },
      waveEnding: { ...base.waveEnding, ...o.waveEnding },
    },
  };
}

// --- Vietnam calendar arithmetic on calendar dates stored as UTC midnight (@db.Date) ---

/** The Monday of the week (Monday–Sunday, Vietnam time) containing `now`, as UTC midnight. */
export function vietnamWeekStart(now: Date): Date {
  const day = vietnamDate(now);
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * DAY);
}

/** The instant of `HH:mm` Vietnam time on a calendar date. */
export function atVietnamTime(date: Date, hhmm: string): Date {
  const [h, m] = hhmm.split(":").map(Number);
  return new Date(vietnamDayStart(date).getTime() + ((h ?? 0) * 60 + (m ?? 0)) * 60_000);
}

const isoDate = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (d: Date, days: number) => new Date(d.getTime() + days * DAY);

/** The three dates of a wave's reminders: its first day, its middle day, and `daysBefore` its last. */
export function waveDates(wave: { startsOn: Date; endsOn: Date }, daysBefore = 3) {
  const length = Math.round((wave.endsOn.getTime() - wave.startsOn.getTime()) / DAY);
  return {
    start: wave.startsOn,
    half: addDays(wave.startsOn, Math.floor(length / 2)),
    ending: addDays(wave.endsOn, -daysBefore),
  };
}

// --- What is due ---

export interface ReminderUnit {
  id: string;
  code: string;
  name: string;
}

export interface DueReminder {
  kind: ReminderKind;
  /** Chairs (and deputies) of the unit, a member of it (wave reminders only), or who decides applications there. */
  audience: "chair" | "member" | "decider";
  /** ReminderDelivery.key: kind, period, unit and person. */
  key: string;
  /** Keys claimed instead of `key` (applications: one per application); sent when at least one is new. */
  claims?: string[];
  personId: string;
  unit: ReminderUnit;
  /** Report reminders: the Monday of the week to report. */
  weekStart?: Date;
  /** Wave reminders. */
  wave?: { id: string; name: string; campaignName: string; startsOn: Date; endsOn: Date; announcement: string | null };
  /** wave_ending: how many days before the wave's last day. */
  daysBefore?: number;
  /** Members' texts: the bot-made broadcast they join (one per wave milestone) and its scope, the issuing unit. */
  announcement?: { sourceKey: string; scopeUnitId: string };
  /** Applications that wait: at which level the person decides or oversees, how many wait, for more than how many days. */
  applications?: { level: "chair" | "officer" | "admin"; count: number; days: number };
}

/** A reminder for one unit, before its recipients are known. */
type Candidate = Omit<DueReminder, "key" | "personId" | "audience"> & { period: string; roles: Role[] };
/** A wave milestone for the members of the covered unions. */
type MemberCandidate = { kind: ReminderKind; wave: NonNullable<DueReminder["wave"]>; daysBefore?: number; units: ReminderUnit[]; issuerId: string };

const REPORT_ROLES: Role[] = ["CHAIR", "DEPUTY_CHAIR"];
const WAVE_ROLES: Role[] = ["CHAIR"];

/** Wave reminders stay sendable this long after they fall due (a bot that was down still sends them). */
const WAVE_WINDOW = DAY;

export async function dueReminders(prisma: PrismaClient, now: Date, onWarning?: (msg: string, campaignCode: string) => void): Promise<DueReminder[]> {
  if (isQuietHours(now)) return [];
  const today = vietnamDate(now);
  const weekStart = vietnamWeekStart(now);
  const nextWeek = addDays(weekStart, 7);
  const previousWeek = addDays(weekStart, -7);
  const weekEnds = atVietnamTime(nextWeek, "00:00");

  const [allUnits, campaigns] = await Promise.all([
    prisma.unit.findMany({ select: { id: true, code: true, name: true, type: true, parentId: true, closedAt: true } }),
    prisma.campaign.findMany({
      where: { endsOn: { gte: addDays(today, -1) }, startsOn: { lte: addDays(today, 1) } },
      select: { id: true, code: true, name: true, issuingUnitId: true, startsOn: true, endsOn: true, reminders: true, waves: true },
      orderBy: { startsOn: "asc" },
    }),
  ]);
  const parent = new Map(allUnits.map((u) => [u.id, u.parentId]));
  const ancestors = (id: string) => {
    const out: string[] = [];
    for (let at: string | null | undefined = id; at && out.length < 32; at = parent.get(at)) out.push(at);
    return out;
  };
  const grassroots = allUnits.filter((u) => GRASSROOTS_TYPES.includes(u.type) && !u.closedAt);

  const campaignSettings = new Map(
    campaigns.map((c) => {
      const { settings, error } = settingsOf(c.reminders);
      if (error) onWarning?.(error, c.code);
      return [c.id, settings];
    }),
  );
  /** The nearest running campaign issued above (or by) the unit decides its report reminders. */
  const settingsFor = (unitId: string): ReminderSettings => {
    const up = ancestors(unitId);
    let best: { depth: number; settings: ReminderSettings } | undefined;
    for (const c of campaigns) {
      if (c.startsOn > today || c.endsOn < today) continue;
      const depth = up.indexOf(c.issuingUnitId);
      if (depth >= 0 && (!best || depth < best.depth)) best = { depth, settings: campaignSettings.get(c.id)! };
    }
    return best?.settings ?? DEFAULT_REMINDERS;
  };

  const reported = await prisma.weeklyReport.findMany({
    where: { isLatest: true, weekStart: { in: [weekStart, previousWeek] } },
    select: { unitId: true, weekStart: true },
  });
  const hasReport = new Set(reported.map((r) => `${r.unitId}:${isoDate(r.weekStart)}`));

  const candidates: Candidate[] = [];
  const memberCandidates: MemberCandidate[] = [];
  for (const u of grassroots) {
    const unit = { id: u.id, code: u.code, name: u.name };
    const s = settingsFor(u.id);
    const due = atVietnamTime(addDays(weekStart, s.reportDue.weekday - 1), s.reportDue.time);
    if (s.reportDue.enabled && now >= due && now < weekEnds && !hasReport.has(`${u.id}:${isoDate(weekStart)}`)) {
      candidates.push({ kind: "report_due", unit, weekStart, period: isoDate(weekStart), roles: REPORT_ROLES });
    }
    const overdue = atVietnamTime(addDays(weekStart, s.overdue.weekday - 1), s.overdue.time);
    if (s.overdue.enabled && now >= overdue && now < weekEnds && !hasReport.has(`${u.id}:${isoDate(previousWeek)}`)) {
      candidates.push({ kind: "overdue", unit, weekStart: previousWeek, period: isoDate(previousWeek), roles: REPORT_ROLES });
    }
  }

  for (const c of campaigns) {
    const s = campaignSettings.get(c.id)!;
    const covered = grassroots.filter((u) => ancestors(u.id).includes(c.issuingUnitId));
    for (const w of c.waves) {
      const dates = waveDates(w, s.waveEnding.daysBefore);
      const kinds: [ReminderKind, Once, Date][] = [
        ["wave_start", s.waveStart, dates.start],
        ["wave_half", s.waveHalf, dates.half],
        ["wave_ending", s.waveEnding, dates.ending],
      ];
      for (const [kind, setting, date] of kinds) {
        const dueAt = atVietnamTime(date, setting.time);
        if (!setting.enabled || now < dueAt || now.getTime() >= dueAt.getTime() + WAVE_WINDOW) continue;
        const wave = { id: w.id, name: w.name, campaignName: c.name, startsOn: w.startsOn, endsOn: w.endsOn, announcement: w.announcement };
        const daysBefore = kind === "wave_ending" ? s.waveEnding.daysBefore : undefined;
        if (setting.members) memberCandidates.push({ kind, wave, daysBefore, issuerId: c.issuingUnitId, units: covered.map((u) => ({ id: u.id, code: u.code, name: u.name })) });
        for (const u of covered) {
          candidates.push({ kind, unit: { id: u.id, code: u.code, name: u.name }, wave, daysBefore, period: w.id, roles: WAVE_ROLES });
        }
      }
    }
  }
  if (candidates.length === 0 && memberCandidates.length === 0) return [];

  const grants = await prisma.roleGrant.findMany({
    where: {
      unitId: { in: [...new Set(candidates.map((c) => c.unit.id))] },
      role: { in: REPORT_ROLES },
      person: { remindersOn: true, unreachableAt: null },
    },
    select: { personId: true, unitId: true, role: true },
  });
  const due: DueReminder[] = [];
  for (const { period, roles, ...candidate } of candidates) {
    const people = new Set(grants.filter((g) => g.unitId === candidate.unit.id && roles.includes(g.role)).map((g) => g.personId));
    for (const personId of people) {
      due.push({ ...candidate, audience: "chair", personId, key: `${candidate.kind}:${period}:${candidate.unit.id}:${personId}` });
    }
  }
  return [...due, ...(await dueForMembers(prisma, memberCandidates, due))];
}

/** The member-facing wave texts: one per member and wave milestone, skipping people who got the chairs' text for it. */
async function dueForMembers(prisma: PrismaClient, candidates: MemberCandidate[], chairs: DueReminder[]): Promise<DueReminder[]> {
  if (candidates.length === 0) return [];
  const unitIds = [...new Set(candidates.flatMap((c) => c.units.map((u) => u.id)))];
  const members = await prisma.member.findMany({
    where: { unitId: { in: unitIds }, leftOn: null, personId: { not: null }, person: { remindersOn: true, announcementsOn: true, unreachableAt: null } },
    select: { personId: true, unitId: true },
  });
  const toldAsChair = new Set(chairs.filter((r) => r.wave).map((r) => `${r.kind}:${r.wave!.id}:${r.personId}`));
  const due: DueReminder[] = [];
  for (const c of candidates) {
    const units = new Map(c.units.map((u) => [u.id, u]));
    const sourceKey = `${c.kind}:${c.wave.id}`;
    // The schedule runs every 15 minutes through a day-long window: the people already queued are left out at once.
    const queued = await announcedTo(prisma, sourceKey);
    for (const m of members) {
      const unit = units.get(m.unitId);
      if (!unit || !m.personId || queued.has(m.personId) || toldAsChair.has(`${c.kind}:${c.wave.id}:${m.personId}`)) continue;
      due.push({
        kind: c.kind, audience: "member", unit, wave: c.wave, daysBefore: c.daysBefore, personId: m.personId,
        key: `${sourceKey}:${m.personId}`, announcement: { sourceKey, scopeUnitId: c.issuerId },
      });
    }
  }
  return due;
}

/**
 * Reminders about applications waiting for a decision (none in quiet hours): to their deciders after `days`, to the
 * level above after twice that. `unit` is the level's unit (the union, the officers' unit; for admins the union of the
 * oldest application).
 */
export async function dueApplicationReminders(prisma: PrismaClient, now: Date, days = DEFAULT_APPLICATION_REMINDER_DAYS): Promise<DueReminder[]> {
  if (isQuietHours(now)) return [];
  const notices = await waitingNotices(prisma, now, days);
  if (notices.length === 0) return [];
  const oldest = await prisma.application.findMany({
    where: { id: { in: [...new Set(notices.map((n) => n.applicationIds[0]!))] } },
    select: { id: true, routedUnitId: true },
  });
  const routedOf = new Map(oldest.map((a) => [a.id, a.routedUnitId]));
  const unitIds = [...new Set(notices.map((n) => n.unitId ?? routedOf.get(n.applicationIds[0]!) ?? ""))];
  const units = new Map((await prisma.unit.findMany({ where: { id: { in: unitIds } }, select: { id: true, code: true, name: true } })).map((u) => [u.id, u]));
  return notices.map((n) => {
    const unitId = n.unitId ?? routedOf.get(n.applicationIds[0]!) ?? "";
    return {
      kind: n.stage === "deciders" ? "applications_waiting" : "applications_late",
      audience: "decider",
      key: n.newKeys[0]!,
      claims: n.newKeys,
      personId: n.personId,
      unit: units.get(unitId) ?? { id: unitId, code: "", name: "" },
      applications: { level: n.level, count: n.applicationIds.length, days: n.stage === "deciders" ? days : 2 * days },
    };
  });
}

// --- Sending, at most once ---

/** Claims a delivery: true for exactly one caller per key, whatever the number of bot instances. */
export async function claimDelivery(prisma: PrismaClient, key: string, personId: string, at = new Date()): Promise<boolean> {
  const { count } = await prisma.reminderDelivery.createMany({ data: [{ key, personId, sentAt: at }], skipDuplicates: true });
  return count === 1;
}

/** Gives a claim back (the message could not be sent for a reason that may pass), so a later run retries. */
export async function releaseDelivery(prisma: PrismaClient, key: string): Promise<void> {
  await prisma.reminderDelivery.deleteMany({ where: { key } });
}

/** "sent", "unreachable" (the person blocked the bot; they are marked and skipped from now on). Throws on other failures. */
export type Deliver = (reminder: DueReminder) => Promise<"sent" | "unreachable">;
/** Queues members' texts of one wave milestone in the outbox; returns how many were added. */
export type Announce = (reminders: DueReminder[], now: Date) => Promise<number>;

export interface ReminderDeps {
  prisma: PrismaClient;
  deliver: Deliver;
  announce: Announce;
  logger?: { warn: (obj: object, msg: string) => void };
  /** Days an application waits before its deciders are reminded (APPLICATION_REMINDER_DAYS, default 3). */
  applicationReminderDays?: number;
}

export interface RunResult {
  sent: number;
  unreachable: number;
  failed: number;
  /** Due, but already claimed by an earlier run or another instance. */
  skipped: number;
  /** Members' texts put in the outbox (sent from there, at the platform's pace). */
  queued: number;
}

/** Sends every reminder due at `now` that nobody has sent yet. Called by the schedule every 15 minutes and by tests. */
export async function runDueReminders(deps: ReminderDeps, now: Date): Promise<RunResult> {
  const result: RunResult = { sent: 0, unreachable: 0, failed: 0, skipped: 0, queued: 0 };
  const due = [
    ...(await dueReminders(deps.prisma, now, (error, campaign) => deps.logger?.warn({ campaign, error }, "invalid campaign reminder settings; defaults used"))),
    ...(await dueApplicationReminders(deps.prisma, now, deps.applicationReminderDays)),
  ];
  const forMembers = new Map<string, DueReminder[]>();
  for (const reminder of due) {
    if (reminder.announcement) {
      const group = forMembers.get(reminder.announcement.sourceKey) ?? [];
      group.push(reminder);
      forMembers.set(reminder.announcement.sourceKey, group);
      continue;
    }
    const claimed: string[] = [];
    for (const key of reminder.claims ?? [reminder.key]) if (await claimDelivery(deps.prisma, key, reminder.personId, now)) claimed.push(key);
    if (claimed.length === 0) {
      result.skipped++;
      continue;
    }
    try {
      const outcome = await deps.deliver(reminder);
      result[outcome === "sent" ? "sent" : "unreachable"]++;
    } catch (err) {
      result.failed++;
      deps.logger?.warn({ err, kind: reminder.kind, personId: reminder.personId }, "reminder not sent; will retry");
      for (const key of claimed) await releaseDelivery(deps.prisma, key);
    }
  }
  for (const group of forMembers.values()) {
    try {
      result.queued += await deps.announce(group, now);
    } catch (err) {
      result.failed += group.length;
      deps.logger?.warn({ err, kind: group[0]!.kind }, "members' texts not queued; the next run tries again");
    }
  }
  return result;
}

// --- /reminders ---

export async function remindersOn(prisma: PrismaClient, personId: string): Promise<boolean> {
  const person = await prisma.person.findUnique({ where: { id: personId }, select: { remindersOn: true } });
  return person?.remindersOn ?? false;
}

export async function setRemindersOn(prisma: PrismaClient, personId: string, on: boolean): Promise<void> {
  await prisma.person.update({ where: { id: personId }, data: { remindersOn: on } });
}
