// The weekly report (báo cáo tuần) of a union to the steering committee: what the bot already knows for a week
// (members admitted through the bot, leavers recorded), the sanity checks that say which number is wrong and why,
// and submitting a version. Every submission of a week is kept; the newest version is the one that counts
// (isLatest). Net increase (thực tăng) is always admitted − reduced: derived, never typed, never stored.
//
// Weeks run Monday–Sunday in Vietnam time; a week is named by its Monday, a calendar date (UTC midnight, as the
// @db.Date column stores it). For an upper-level union the bot's counts cover its whole subtree.
import type { LeaveReason, UnitType } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import { retryTransient } from "../db/transient.ts";
import { authorize } from "../policy/policy.ts";
import { isGrassroots, subtreeIds } from "../organisation/units.ts";
import { vietnamDate, vietnamDayStart } from "../shared/time.ts";

export const LEAVE_REASONS: LeaveReason[] = ["CHANGED_JOB", "LEFT_COMPANY", "RESIGNED", "DECEASED", "OTHER"];
export const DIFFICULTIES_MAX = 1000;
/** Workers reported above this many times the unit's baseline worker count are "far above the unit's size". */
export const SIZE_FACTOR = 3;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The Monday (Vietnam time) of the week that contains `at`, as a calendar date (UTC midnight). */
export function weekOf(at: Date | number): Date {
  const day = vietnamDate(at);
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * DAY_MS);
}

/** The week before (or after, with a positive count) the given Monday. */
export function addWeeks(weekStart: Date, weeks: number): Date {
  return new Date(weekStart.getTime() + weeks * 7 * DAY_MS);
}

/** Instants [from, to) of a week: Monday 00:00 to next Monday 00:00, Vietnam time. */
export function weekInstants(weekStart: Date): { from: Date; to: Date } {
  const from = vietnamDayStart(weekStart);
  return { from, to: new Date(from.getTime() + 7 * DAY_MS) };
}

/** The numbers of a report, as the chair gives them. */
export interface ReportDraft {
  admitted: number;
  reduced: number;
  /** Reductions by reason; their sum must be `reduced`. */
  reductions: Partial<Record<LeaveReason, number>>;
  totalMembers: number;
  totalWorkers: number;
  newGrassroots: number;
  newGrassrootsWorkers: number;
  newGrassrootsMembers: number;
  partyIntroduced: number;
  partyAdmitted: number;
  propagandaSessions: number;
  propagandaParticipants: number;
  difficulties: string | null;
}

export type NumberField = Exclude<keyof ReportDraft, "reductions" | "difficulties">;
export const NUMBER_FIELDS: NumberField[] = [
  "admitted", "reduced", "totalMembers", "totalWorkers", "newGrassroots", "newGrassrootsWorkers", "newGrassrootsMembers",
  "partyIntroduced", "partyAdmitted", "propagandaSessions", "propagandaParticipants",
];

/** What the bot knows about a unit and a week before the chair says anything. Plain JSON (dates as ISO strings). */
export interface ReportContext {
  unit: { id: string; code: string; name: string; type: UnitType; grassroots: boolean; workerCount: number | null; memberCount: number | null };
  /** The Monday, yyyy-mm-dd. */
  weekStart: string;
  /** Members admitted through the bot in the week (source BOT, joinedAt within the week). */
  admittedByBot: number;
  /** Leavers recorded in the week (leftOn within the week), by reason. */
  leavers: Partial<Record<LeaveReason, number>>;
  leaversTotal: number;
  /** Members on the bot's roll now (not left). */
  currentMembers: number;
  /** The latest version of the most recent report for an earlier week. */
  previous: { weekStart: string; totalMembers: number; totalWorkers: number } | null;
  /**
   * Members at the start of the week: the previous report's total, else the unit's baseline member count
   * (from the unit import), else unknown.
   */
  membersAtStart: number | null;
  /** The newest version already submitted for this week, 0 when none. */
  latestVersion: number;
}

const isoDay = (date: Date) => date.toISOString().slice(0, 10);
export const dayFromIso = (iso: string) => new Date(`${iso}T00:00:00.000Z`);

export async function prefill(prisma: PrismaClient, unitId: string, weekStart: Date): Promise<ReportContext | null> {
  const unit = await prisma.unit.findUnique({
    where: { id: unitId },
    select: { id: true, code: true, name: true, type: true, workerCount: true, memberCount: true },
  });
  if (!unit) return null;
  const units = await subtreeIds(prisma, unitId);
  const { from, to } = weekInstants(weekStart);
  const weekEnd = addWeeks(weekStart, 1);
  const [admittedByBot, leaverGroups, currentMembers, previous, latest] = await Promise.all([
    prisma.member.count({ where: { unitId: { in: units }, source: "BOT", joinedAt: { gte: from, lt: to } } }),
    prisma.member.groupBy({
      by: ["leaveReason"],
      where: { unitId: { in: units }, leftOn: { gte: weekStart, lt: weekEnd } },
      _count: { _all: true },
    }),
    prisma.member.count({ where: { unitId: { in: units }, leftOn: null } }),
    prisma.weeklyReport.findFirst({
      where: { unitId, isLatest: true, weekStart: { lt: weekStart } },
      orderBy: { weekStart: "desc" },
      select: { weekStart: true, totalMembers: true, totalWorkers: true },
    }),
    prisma.weeklyReport.aggregate({ where: { unitId, weekStart }, _max: { version: true } }),
  ]);
  const leavers: Partial<Record<LeaveReason, number>> = {};
  let leaversTotal = 0;
  for (const group of leaverGroups) {
    const reason = group.leaveReason ?? "OTHER";
    leavers[reason] = (leavers[reason] ?? 0) + group._count._all;
    leaversTotal += group._count._all;
  }
  return {
    unit: { ...unit, grassroots: isGrassroots(unit) },
    weekStart: isoDay(weekStart),
    admittedByBot,
    leavers,
    leaversTotal,
    currentMembers,
    previous: previous
      ? { weekStart: isoDay(previous.weekStart), totalMembers: previous.totalMembers, totalWorkers: previous.totalWorkers }
      : null,
    membersAtStart: previous?.totalMembers ?? unit.memberCount ?? null,
    latestVersion: latest._max.version ?? 0,
  };
}

/** The answers offered as "keep" before the chair types anything. Null: the bot has no suggestion. */
export function suggestedDraft(context: ReportContext): Partial<Record<NumberField, number>> {
  const admitted = context.admittedByBot;
  const reduced = context.leaversTotal;
  const start = context.membersAtStart;
  return {
    admitted,
    reduced,
    ...(start !== null ? { totalMembers: Math.max(0, start + admitted - reduced) } : {}),
    ...(context.previous ? { totalWorkers: context.previous.totalWorkers } : context.unit.workerCount !== null ? { totalWorkers: context.unit.workerCount } : {}),
    newGrassroots: 0,
    newGrassrootsWorkers: 0,
    newGrassrootsMembers: 0,
    partyIntroduced: 0,
    partyAdmitted: 0,
    propagandaSessions: 0,
    propagandaParticipants: 0,
  };
}

export function netIncrease(draft: Pick<ReportDraft, "admitted" | "reduced">): number {
  return draft.admitted - draft.reduced;
}

/** An answer of the report: a number, the reductions by reason, or the free text. */
export type ReportField = NumberField | "reductions" | "difficulties";

export interface ReportProblem {
  /** The answer the problem is first about (the first of `fields`). */
  field: ReportField;
  /**
   * Every answer in conflict: changing any one of them can fix the problem (e.g. total members and total workers
   * when there are more members than workers). A form offers to change each.
   */
  fields: ReportField[];
  /** i18n key under reports.check.*, with its params. */
  key: string;
  params: Record<string, string | number>;
  /** A warning may be confirmed as it is; anything else must be fixed before the report is saved. */
  warning: boolean;
}

/** An answer's value as a number, to show next to its name: the reductions by their sum; null for the free text. */
export function answerValue(draft: ReportDraft, field: ReportField): number | null {
  if (field === "difficulties") return null;
  if (field === "reductions") return LEAVE_REASONS.reduce((sum, reason) => sum + (draft.reductions[reason] ?? 0), 0);
  return draft[field];
}

/**
 * The sanity checks, in the order a person would fix them, each naming every answer in conflict:
 * - negative: any number below zero;
 * - reductions_sum (reduced, reductions): the reductions by reason do not add up to the number reduced;
 * - reduced_over_start (reduced): more reduced than members at the start of the week (membersAtStart, when known);
 * - members_dropped (totalMembers, admitted, reduced): total members now < members at the start + admitted − reduced,
 *   i.e. members disappeared without being reported as reduced (a higher total is allowed: transfers in are not
 *   admissions);
 * - members_over_workers (totalMembers, totalWorkers): more members than workers;
 * - workers_far_above (warning): workers above SIZE_FACTOR × the unit's baseline worker count;
 * - admitted_below_bot / reduced_below_bot (warnings): fewer than the bot itself recorded for the week;
 * - new_grassroots_members_over_workers, new_grassroots_without_unit: the new unions' numbers;
 * - party_admitted_over_introduced (partyAdmitted, partyIntroduced): more admitted to the Party than introduced;
 * - difficulties_too_long.
 * Every blocking problem can be fixed by changing one of its answers alone, or by changing one and then one of the
 * answers a further check names: none leaves a person with no way out.
 */
export function checkReport(draft: ReportDraft, context: ReportContext): ReportProblem[] {
  const problems: ReportProblem[] = [];
  const add = (fields: [ReportField, ...ReportField[]], key: string, params: Record<string, string | number> = {}, warning = false) =>
    problems.push({ field: fields[0], fields, key: `reports.check.${key}`, params, warning });
  for (const field of NUMBER_FIELDS) {
    if (!Number.isInteger(draft[field]) || draft[field] < 0) add([field], "negative", { value: draft[field] });
  }
  for (const reason of LEAVE_REASONS) {
    const n = draft.reductions[reason] ?? 0;
    if (!Number.isInteger(n) || n < 0) add(["reductions"], "negative", { value: n });
  }
  if (problems.length > 0) return problems;

  const reasonsSum = answerValue(draft, "reductions")!;
  if (draft.reduced > 0 && reasonsSum !== draft.reduced) add(["reductions", "reduced"], "reductions_sum", { sum: reasonsSum, reduced: draft.reduced });
  const start = context.membersAtStart;
  if (start !== null && draft.reduced > start) add(["reduced"], "reduced_over_start", { reduced: draft.reduced, start });
  if (start !== null && draft.totalMembers < start + draft.admitted - draft.reduced) {
    add(["totalMembers", "admitted", "reduced"], "members_dropped", {
      total: draft.totalMembers,
      expected: start + draft.admitted - draft.reduced,
      start,
      admitted: draft.admitted,
      reduced: draft.reduced,
    });
  }
  if (draft.totalMembers > draft.totalWorkers) {
    add(["totalMembers", "totalWorkers"], "members_over_workers", { members: draft.totalMembers, workers: draft.totalWorkers });
  }
  const baseline = context.unit.workerCount;
  if (baseline !== null && baseline > 0 && draft.totalWorkers > SIZE_FACTOR * baseline) {
    add(["totalWorkers"], "workers_far_above", { workers: draft.totalWorkers, baseline, factor: SIZE_FACTOR }, true);
  }
  if (draft.admitted < context.admittedByBot) add(["admitted"], "admitted_below_bot", { admitted: draft.admitted, bot: context.admittedByBot }, true);
  if (draft.reduced < context.leaversTotal) add(["reduced"], "reduced_below_bot", { reduced: draft.reduced, bot: context.leaversTotal }, true);
  if (draft.newGrassrootsMembers > draft.newGrassrootsWorkers) {
    add(["newGrassrootsMembers", "newGrassrootsWorkers"], "new_grassroots_members_over_workers", {
      members: draft.newGrassrootsMembers,
      workers: draft.newGrassrootsWorkers,
    });
  }
  if (draft.newGrassroots === 0 && (draft.newGrassrootsWorkers > 0 || draft.newGrassrootsMembers > 0)) {
    add(["newGrassroots", "newGrassrootsWorkers", "newGrassrootsMembers"], "new_grassroots_without_unit", {
      workers: draft.newGrassrootsWorkers,
      members: draft.newGrassrootsMembers,
    });
  }
  if (draft.partyAdmitted > draft.partyIntroduced) {
    add(["partyAdmitted", "partyIntroduced"], "party_admitted_over_introduced", { admitted: draft.partyAdmitted, introduced: draft.partyIntroduced });
  }
  if (draft.difficulties !== null && [...draft.difficulties].length > DIFFICULTIES_MAX) add(["difficulties"], "difficulties_too_long", { max: DIFFICULTIES_MAX });
  return problems;
}

export type SubmitResult =
  | { kind: "saved"; version: number; reportId: string }
  | { kind: "forbidden" }
  | { kind: "not_found" }
  | { kind: "invalid"; problems: ReportProblem[] };

/**
 * Saves a new version of a unit's report for a week (policy "report.submit"), in one transaction with the audit
 * entry: version = the week's newest + 1, earlier versions stop being the latest. Problems that are not warnings
 * refuse the report. New CĐCS numbers are kept only for upper-level unions.
 */
export async function submitReport(
  prisma: PrismaClient,
  input: { actorId: string; unitId: string; weekStart: Date; draft: ReportDraft },
): Promise<SubmitResult> {
  const unit = await prisma.unit.findUnique({ where: { id: input.unitId }, select: { id: true, type: true } });
  if (!unit) return { kind: "not_found" };
  if (!(await authorize(prisma, input.actorId, "report.submit", unit.id))) return { kind: "forbidden" };
  // A calendar date at UTC midnight is 07:00 that day in Vietnam, so this is the Monday of its week.
  const weekStart = weekOf(input.weekStart);
  const draft: ReportDraft = isGrassroots(unit)
    ? { ...input.draft, newGrassroots: 0, newGrassrootsWorkers: 0, newGrassrootsMembers: 0 }
    : input.draft;
  const context = await prefill(prisma, unit.id, weekStart);
  if (!context) return { kind: "not_found" };
  const blocking = checkReport(draft, context).filter((p) => !p.warning);
  if (blocking.length > 0) return { kind: "invalid", problems: blocking };

  const reductions = Object.fromEntries(LEAVE_REASONS.filter((r) => (draft.reductions[r] ?? 0) > 0).map((r) => [r, draft.reductions[r]!]));
  // Safe to run again: the version is read inside the same transaction.
  return retryTransient(() => prisma.$transaction(async (tx) => {
    const latest = await tx.weeklyReport.aggregate({ where: { unitId: unit.id, weekStart }, _max: { version: true } });
    const version = (latest._max.version ?? 0) + 1;
    await tx.weeklyReport.updateMany({ where: { unitId: unit.id, weekStart, isLatest: true }, data: { isLatest: false } });
    const report = await tx.weeklyReport.create({
      data: {
        unitId: unit.id,
        weekStart,
        version,
        isLatest: true,
        submittedById: input.actorId,
        admitted: draft.admitted,
        reduced: draft.reduced,
        reductions,
        totalMembers: draft.totalMembers,
        totalWorkers: draft.totalWorkers,
        newGrassroots: draft.newGrassroots,
        newGrassrootsWorkers: draft.newGrassrootsWorkers,
        newGrassrootsMembers: draft.newGrassrootsMembers,
        partyIntroduced: draft.partyIntroduced,
        partyAdmitted: draft.partyAdmitted,
        propagandaSessions: draft.propagandaSessions,
        propagandaParticipants: draft.propagandaParticipants,
        difficulties: draft.difficulties,
      },
    });
    await writeAudit(tx, {
      actorId: input.actorId,
      action: "report.submit",
      unitId: unit.id,
      targetType: "WeeklyReport",
      targetId: report.id,
      after: { weekStart: isoDay(weekStart), version, admitted: draft.admitted, reduced: draft.reduced, totalMembers: draft.totalMembers, totalWorkers: draft.totalWorkers },
    });
    return { kind: "saved" as const, version, reportId: report.id };
  }));
}

/** The report that counts for a unit and week: the latest version, or null. */
export async function latestReport(prisma: PrismaClient, unitId: string, weekStart: Date) {
  return prisma.weeklyReport.findFirst({ where: { unitId, weekStart, isLatest: true } });
}
