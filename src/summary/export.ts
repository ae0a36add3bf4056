// Exports of a unit's drive data for the steering committee: an .xlsx with sheets for the summary, the units of the
// subtree, the weekly reports, the applications and the members; or the summary alone as a CSV (UTF-8 with BOM).
// Headers in the reader's language (Vietnamese by default), dates as dd/mm/yyyy (Vietnam calendar dates), every text
// cell neutralised against formula injection by src/shared/spreadsheet.ts. Personal data columns (names, birth dates,
// sex, phones) only when the policy allows them ("export.personal"); every export is written to the audit log.
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import { tFor, type Lang, type T } from "../i18n/i18n.ts";
import { formatApplicationRef, formatMemberNumber } from "../membership/numbers.ts";
import { rolesOf } from "../organisation/roles.ts";
import { subtreeIds } from "../organisation/units.ts";
import { authorize, can, unitTarget } from "../policy/policy.ts";
import { vietnamDate, vietnamDayStart } from "../shared/time.ts";
import { writeCsv, writeXlsx, type CellValue, type Sheet, type SheetColumn } from "../shared/spreadsheet.ts";
import { METRICS } from "../drive/targets.ts";
import { computeSummary, type ResolvedPeriod, type Summary, type SummaryCounts } from "./rollup.ts";

/** Rows per detail sheet at most; a larger subtree's export says it was cut. */
export const MAX_EXPORT_ROWS = 50_000;

export type ExportFormat = "xlsx" | "csv";

const col = (t: T, key: string, width?: number): SheetColumn => ({ key, header: t(`summary.export.columns.${key}`), width });

export function summaryColumns(t: T): SheetColumn[] {
  return [
    col(t, "rank", 8),
    col(t, "code", 14),
    col(t, "unit", 40),
    col(t, "target", 12),
    col(t, "admitted", 10),
    col(t, "reduced", 10),
    col(t, "net", 10),
    col(t, "percent", 10),
    col(t, "botAdmitted", 14),
    col(t, "botReduced", 14),
    col(t, "behind", 12),
    col(t, "award", 36),
    ...METRICS.filter((m) => m !== "NET_INCREASE").map((m) => ({ key: `target_${m}`, header: t("summary.export.columns.targetOf", { metric: t(`targets.metrics.${m}`) }), width: 16 })),
    col(t, "newGrassroots", 12),
    col(t, "partyIntroduced", 12),
    col(t, "partyAdmitted", 12),
    col(t, "joinedByBot", 12),
    col(t, "joinedByPoster", 12),
    col(t, "joinedByLink", 12),
    col(t, "pending", 12),
    col(t, "reported", 14),
  ];
}

function countsCells(c: SummaryCounts, t: T): Record<string, CellValue> {
  return {
    target: c.target,
    admitted: c.admitted,
    reduced: c.reduced,
    net: c.net,
    botAdmitted: c.botAdmitted,
    botReduced: c.botReduced,
    percent: c.percent,
    ...Object.fromEntries(METRICS.filter((m) => m !== "NET_INCREASE").map((m) => [`target_${m}`, c.targets[m] ?? null])),
    newGrassroots: c.newGrassroots,
    partyIntroduced: c.partyIntroduced,
    partyAdmitted: c.partyAdmitted,
    joinedByBot: c.joinedByBot,
    joinedByPoster: c.joinedByPoster,
    joinedByLink: c.joinedByLink,
    pending: c.pending,
    reported: t("summary.export.reportedOf", { done: c.reportedLatestWeek, total: c.grassroots }),
  };
}

export function awardText(t: T, row: Summary["rows"][number]): string {
  if (!row.award) return "";
  if (!row.award.qualifies) return t("summary.award.notYet", { group: row.award.group });
  return t("summary.award.earned", { group: row.award.group, collective: row.award.collective, individual: row.award.individual });
}

export function summaryRows(summary: Summary, t: T): Record<string, CellValue>[] {
  const rows = summary.rows.map((r) => ({
    rank: r.rank,
    code: r.unit.code,
    unit: r.unit.name,
    behind: r.behind ? t("summary.export.yes") : "",
    award: awardText(t, r),
    ...countsCells(r, t),
  }));
  rows.push({ rank: null, code: summary.unit.code, unit: t("summary.export.total", { unit: summary.unit.name }), behind: "", award: "", ...countsCells(summary.total, t) });
  return rows;
}

async function unitSheet(prisma: PrismaClient, ids: string[], t: T): Promise<Sheet> {
  const units = await prisma.unit.findMany({
    where: { id: { in: ids } },
    select: { code: true, name: true, type: true, parent: { select: { code: true } }, workerCount: true, memberCount: true, closedAt: true },
    orderBy: { code: "asc" },
    take: MAX_EXPORT_ROWS,
  });
  return {
    name: t("summary.export.sheets.units"),
    columns: [col(t, "code", 16), col(t, "unit", 48), col(t, "type", 24), col(t, "parent", 16), col(t, "workers"), col(t, "members"), col(t, "closedOn")],
    rows: units.map((u) => ({
      code: u.code,
      unit: u.name,
      type: t(`unit_types.${u.type}`, { ns: "cli" }),
      parent: u.parent?.code ?? "",
      workers: u.workerCount,
      members: u.memberCount,
      closedOn: u.closedAt ? vietnamDate(u.closedAt) : null,
    })),
  };
}

async function reportSheet(prisma: PrismaClient, ids: string[], period: ResolvedPeriod, t: T): Promise<Sheet> {
  const reports = await prisma.weeklyReport.findMany({
    where: { unitId: { in: ids }, isLatest: true, weekStart: { gte: period.from, lte: period.to } },
    select: {
      unit: { select: { code: true, name: true } },
      weekStart: true, version: true, submittedAt: true, admitted: true, reduced: true, totalMembers: true, totalWorkers: true,
      newGrassroots: true, partyIntroduced: true, partyAdmitted: true, difficulties: true,
    },
    orderBy: [{ weekStart: "asc" }, { unitId: "asc" }],
    take: MAX_EXPORT_ROWS,
  });
  return {
    name: t("summary.export.sheets.reports"),
    columns: [
      col(t, "code", 16), col(t, "unit", 40), col(t, "weekStart"), col(t, "version", 8), col(t, "submittedOn"), col(t, "admitted"), col(t, "reduced"),
      col(t, "net"), col(t, "totalMembers"), col(t, "totalWorkers"), col(t, "newGrassroots"), col(t, "partyIntroduced"), col(t, "partyAdmitted"),
      col(t, "difficulties", 40),
    ],
    rows: reports.map((r) => ({
      code: r.unit.code,
      unit: r.unit.name,
      weekStart: r.weekStart,
      version: r.version,
      submittedOn: vietnamDate(r.submittedAt),
      admitted: r.admitted,
      reduced: r.reduced,
      net: r.admitted - r.reduced,
      totalMembers: r.totalMembers,
      totalWorkers: r.totalWorkers,
      newGrassroots: r.newGrassroots,
      partyIntroduced: r.partyIntroduced,
      partyAdmitted: r.partyAdmitted,
      difficulties: r.difficulties ?? "",
    })),
  };
}

const PERSONAL = (t: T) => [col(t, "fullName", 28), col(t, "birthDate"), col(t, "sex", 8), col(t, "phone", 16)];

async function applicationSheet(prisma: PrismaClient, ids: string[], period: ResolvedPeriod, t: T, personal: boolean): Promise<Sheet> {
  // Instants of the period's first and (exclusive) last day in Vietnam; dates in the sheets are Vietnam dates too
  // (UTC midnight, which Excel shows as that day).
  const from = vietnamDayStart(period.from);
  const to = vietnamDayStart(new Date(period.to.getTime() + 86_400_000));
  const apps = await prisma.application.findMany({
    where: { routedUnitId: { in: ids }, OR: [{ createdAt: { gte: from, lt: to } }, { status: "PENDING" }] },
    select: {
      ref: true, status: true, source: true, createdAt: true, decidedAt: true, fullName: true, birthDate: true, sex: true, phone: true,
      routedUnit: { select: { code: true } }, unit: { select: { code: true } },
    },
    orderBy: { ref: "asc" },
    take: MAX_EXPORT_ROWS,
  });
  return {
    name: t("summary.export.sheets.applications"),
    columns: [
      col(t, "ref", 12), col(t, "code", 16), col(t, "status", 14), col(t, "source", 16), col(t, "createdOn"), col(t, "decidedOn"),
      ...(personal ? PERSONAL(t) : []),
    ],
    rows: apps.map((a) => ({
      ref: formatApplicationRef(a.ref),
      code: a.unit?.code ?? a.routedUnit.code,
      status: t(`summary.export.status.${a.status}`),
      source: a.source ?? "",
      createdOn: vietnamDate(a.createdAt),
      decidedOn: a.decidedAt ? vietnamDate(a.decidedAt) : null,
      ...(personal ? { fullName: a.fullName, birthDate: a.birthDate, sex: t(`summary.export.sexes.${a.sex}`), phone: a.phone } : {}),
    })),
  };
}

async function memberSheet(prisma: PrismaClient, ids: string[], t: T, personal: boolean): Promise<Sheet> {
  const members = await prisma.member.findMany({
    where: { unitId: { in: ids } },
    select: {
      number: true, source: true, joinedAt: true, leftOn: true, leaveReason: true, fullName: true, birthDate: true, sex: true, phone: true,
      unit: { select: { code: true } },
    },
    orderBy: { number: "asc" },
    take: MAX_EXPORT_ROWS,
  });
  return {
    name: t("summary.export.sheets.members"),
    columns: [
      col(t, "number", 12), col(t, "code", 16), col(t, "memberSource", 14), col(t, "joinedOn"), col(t, "leftOn"), col(t, "leaveReason", 20),
      ...(personal ? PERSONAL(t) : []),
    ],
    rows: members.map((m) => ({
      number: formatMemberNumber(m.number),
      code: m.unit.code,
      memberSource: t(`summary.export.memberSources.${m.source}`),
      joinedOn: vietnamDate(m.joinedAt),
      leftOn: m.leftOn,
      leaveReason: m.leaveReason ? t(`summary.export.leaveReasons.${m.leaveReason}`) : "",
      ...(personal ? { fullName: m.fullName, birthDate: m.birthDate, sex: m.sex ? t(`summary.export.sexes.${m.sex}`) : "", phone: m.phone ?? "" } : {}),
    })),
  };
}

export type ExportResult =
  | { ok: true; file: Buffer; fileName: string; format: ExportFormat; personal: boolean; summary: Summary; rows: number; truncated: boolean }
  | { ok: false; reason: "not_found" | "forbidden" };

/**
 * Builds the export of `unitId` for a period and writes its audit entry ("summary.export") before returning it, so
 * an export that reached anyone is never missing from the log. `actorId` null: the operator CLI (everything).
 */
export async function exportSummary(
  prisma: PrismaClient,
  input: { actorId: string | null; unitId: string; period: ResolvedPeriod; format: ExportFormat; lang: Lang; now?: Date },
): Promise<ExportResult> {
  const unit = await prisma.unit.findUnique({ where: { id: input.unitId }, select: { id: true, code: true } });
  if (!unit) return { ok: false, reason: "not_found" };
  let personal = true;
  if (input.actorId !== null) {
    if (!(await authorize(prisma, input.actorId, "export.data", unit.id))) return { ok: false, reason: "forbidden" };
    // Checked without writing a refusal: not seeing personal columns is the normal case for officers.
    personal = can(await rolesOf(prisma, input.actorId), "export.personal", await unitTarget(prisma, unit.id));
  }
  const t = tFor(input.lang);
  const summary = await computeSummary(prisma, unit.id, input.period, input.now);
  if (!summary) return { ok: false, reason: "not_found" };
  const summarySheet: Sheet = { name: t("summary.export.sheets.summary"), columns: summaryColumns(t), rows: summaryRows(summary, t) };
  const stamp = `${unit.code}-${input.period.label}`.replace(/[^A-Za-z0-9_-]/g, "_");
  let file: Buffer;
  let rows = summarySheet.rows.length;
  let truncated = false;
  if (input.format === "csv") file = writeCsv(summarySheet.columns, summarySheet.rows);
  else {
    const ids = await subtreeIds(prisma, unit.id);
    const sheets = [
      summarySheet,
      await unitSheet(prisma, ids, t),
      await reportSheet(prisma, ids, input.period, t),
      await applicationSheet(prisma, ids, input.period, t, personal),
      await memberSheet(prisma, ids, t, personal),
    ];
    rows = sheets.reduce((n, s) => n + s.rows.length, 0);
    truncated = sheets.some((s) => s.rows.length >= MAX_EXPORT_ROWS);
    file = await writeXlsx(sheets);
  }
  await writeAudit(prisma, {
    actorId: input.actorId,
    action: "summary.export",
    unitId: unit.id,
    targetType: "Unit",
    targetId: unit.id,
    after: { period: input.period.label, format: input.format, personal, rows, truncated },
  });
  return { ok: true, file, fileName: `tong-hop-${stamp}.${input.format}`, format: input.format, personal, summary, rows, truncated };
}
