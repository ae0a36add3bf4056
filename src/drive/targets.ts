// Targets (chỉ tiêu) of a unit for a year or for a campaign: new members, net increase (thực tăng), new grassroots
// unions, members introduced to the Party. One value per unit, period and metric (periodKey "Y2025" / "C<campaign id>").
//
// Who sets them: targets are assigned by the level above (cấp trên giao chỉ tiêu). An officer sets targets for the
// units BELOW their own unit, never their own unit's (policy "target.set", scope "below"); the top unit's targets, and
// any target, can be set by admins and by the operator CLI. Every change is audited with before and after.
//
// Cascade: the children's targets for a metric should add up to no more than the parent's target for the same period.
// Going over is allowed (a province may hand out more than it was given) but never silently: setTarget and the
// import return a warning that the caller shows.
import type { Prisma, TargetMetric } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import { LANGUAGES, tFor, type T } from "../i18n/i18n.ts";
import { authorize, unitsWhere } from "../policy/policy.ts";
import { readSheetOffThread } from "../shared/spreadsheet.ts";
import { cleanText, toSearchText } from "../shared/text.ts";
import type { Actor } from "./campaigns.ts";

export const METRICS: readonly TargetMetric[] = ["NEW_MEMBERS", "NET_INCREASE", "NEW_GRASSROOTS", "PARTY_INTRODUCTIONS"];
export const MAX_TARGET = 10_000_000;
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;

export type Period = { year: number } | { campaignId: string };

export function periodKey(period: Period): string {
  return "year" in period ? `Y${period.year}` : `C${period.campaignId}`;
}

type Db = PrismaClient | Prisma.TransactionClient;

// ---------------------------------------------------------------------------------------------------------------
// Metric labels (for the import and for showing targets)

/** Other accepted spellings of the metrics, in search form, besides the enum names and the locales' labels. */
const METRIC_ALIASES: Record<TargetMetric, string[]> = {
  NEW_MEMBERS: ["ket nap", "ket nap doan vien", "ket nap doan vien moi", "phat trien doan vien", "doan vien moi", "new members"],
  NET_INCREASE: ["thuc tang", "thuc tang doan vien", "net increase"],
  NEW_GRASSROOTS: ["thanh lap cdcs", "thanh lap cdcs moi", "cdcs moi", "thanh lap cong doan co so", "thanh lap cong doan co so moi", "new grassroots unions"],
  PARTY_INTRODUCTIONS: ["gioi thieu cho dang", "gioi thieu dang", "gioi thieu doan vien uu tu cho dang", "party introductions"],
};

function labelForm(s: string): string {
  return toSearchText(s).replace(/[.:()]/g, " ").replace(/\s+/g, " ").trim();
}

const METRIC_INDEX: Map<string, TargetMetric> = (() => {
  const index = new Map<string, TargetMetric>();
  for (const metric of METRICS) {
    const names = [metric, metric.replace(/_/g, " "), ...METRIC_ALIASES[metric], ...LANGUAGES.map((l) => tFor(l)(`targets.metrics.${metric}`))];
    for (const n of names) index.set(labelForm(n), metric);
  }
  return index;
})();

export function parseMetric(raw: string): TargetMetric | undefined {
  return METRIC_INDEX.get(labelForm(raw));
}

// ---------------------------------------------------------------------------------------------------------------
// Setting one target

export interface CascadeWarning {
  exceedsParent: { parentUnitId: string; parentValue: number; childrenSum: number };
}

export type SetTargetResult =
  | { ok: true; changed: boolean; before: number | null; after: number; warning?: CascadeWarning }
  | { ok: false; reason: "denied" | "unitNotFound" | "campaignNotFound" | "campaignNotForUnit" | "invalidValue" | "invalidYear" };

export interface SetTargetInput {
  /** Null: the operator CLI. */
  actorId: string | null;
  unitId: string;
  period: Period;
  metric: TargetMetric;
  value: number;
}

/** The period checked against the store: a campaign must exist and be issued by the unit or a unit above it. */
async function checkPeriod(db: Db, unitId: string, period: Period): Promise<"ok" | "campaignNotFound" | "campaignNotForUnit" | "invalidYear"> {
  if ("year" in period) return Number.isInteger(period.year) && period.year >= MIN_YEAR && period.year <= MAX_YEAR ? "ok" : "invalidYear";
  const campaign = await db.campaign.findUnique({ where: { id: period.campaignId }, select: { issuingUnitId: true } });
  if (!campaign) return "campaignNotFound";
  return (await ancestorsOf(db, unitId)).includes(campaign.issuingUnitId) ? "ok" : "campaignNotForUnit";
}

async function ancestorsOf(db: Db, unitId: string): Promise<string[]> {
  const out: string[] = [];
  let at: string | null = unitId;
  while (at && out.length < 64) {
    out.push(at);
    const unit: { parentId: string | null } | null = await db.unit.findUnique({ where: { id: at }, select: { parentId: true } });
    at = unit?.parentId ?? null;
  }
  return out;
}

function validValue(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_TARGET;
}

/** Writes one target (in `tx`) with its audit entry; returns the value before, null when there was none. */
async function writeTarget(tx: Prisma.TransactionClient, actorId: string | null, input: Omit<SetTargetInput, "actorId">, via?: string) {
  const key = periodKey(input.period);
  const existing = await tx.target.findUnique({ where: { unitId_periodKey_metric: { unitId: input.unitId, periodKey: key, metric: input.metric } } });
  const before = existing?.value ?? null;
  if (before === input.value) return { before, changed: false };
  const period = "year" in input.period ? { year: input.period.year, campaignId: null } : { year: null, campaignId: input.period.campaignId };
  const saved = await tx.target.upsert({
    where: { unitId_periodKey_metric: { unitId: input.unitId, periodKey: key, metric: input.metric } },
    update: { value: input.value, setById: actorId },
    create: { unitId: input.unitId, periodKey: key, metric: input.metric, value: input.value, setById: actorId, ...period },
    select: { id: true },
  });
  await writeAudit(tx, {
    actorId,
    action: "target.set",
    unitId: input.unitId,
    targetType: "Target",
    targetId: saved.id,
    before: before === null ? undefined : { periodKey: key, metric: input.metric, value: before },
    after: { periodKey: key, metric: input.metric, value: input.value, ...(via ? { via } : {}) },
  });
  return { before, changed: true };
}

/**
 * The cascade check for the parent of `unitId`: the children's sum against the parent's target, when it has one.
 * With `proposed`, the sum counts that value for `unitId` instead of its stored one (a preview before writing).
 */
export async function cascadeCheck(db: Db, unitId: string, period: Period, metric: TargetMetric, proposed?: number): Promise<CascadeWarning | undefined> {
  const unit = await db.unit.findUnique({ where: { id: unitId }, select: { parentId: true } });
  if (!unit?.parentId) return undefined;
  const key = periodKey(period);
  const parent = await db.target.findUnique({ where: { unitId_periodKey_metric: { unitId: unit.parentId, periodKey: key, metric } }, select: { value: true } });
  if (!parent) return undefined;
  const others = proposed === undefined ? {} : { unitId: { not: unitId } };
  const sum = await db.target.aggregate({ where: { periodKey: key, metric, unit: { parentId: unit.parentId }, ...others }, _sum: { value: true } });
  const childrenSum = (sum._sum.value ?? 0) + (proposed ?? 0);
  return childrenSum > parent.value ? { exceedsParent: { parentUnitId: unit.parentId, parentValue: parent.value, childrenSum } } : undefined;
}

/** The other direction: the targets already given to the unit's children add up to more than `value`. */
export async function childrenCheck(db: Db, unitId: string, period: Period, metric: TargetMetric, value: number): Promise<number | undefined> {
  const sum = await db.target.aggregate({ where: { periodKey: periodKey(period), metric, unit: { parentId: unitId } }, _sum: { value: true } });
  const childrenSum = sum._sum.value ?? 0;
  return childrenSum > value ? childrenSum : undefined;
}

export type TargetPreview =
  | { ok: true; before: number | null; warning?: CascadeWarning; childrenSum?: number }
  | { ok: false; reason: "unitNotFound" | "campaignNotFound" | "campaignNotForUnit" | "invalidValue" | "invalidYear" };

/** Why a target's value or period cannot be set for the unit, or null when they can. */
async function inputProblem(db: Db, input: Omit<SetTargetInput, "actorId">): Promise<"invalidValue" | "campaignNotFound" | "campaignNotForUnit" | "invalidYear" | null> {
  if (!validValue(input.value)) return "invalidValue";
  const period = await checkPeriod(db, input.unitId, input.period);
  return period === "ok" ? null : period;
}

/** What setting the target would do, without writing: the value before and the cascade warnings either way. */
export async function previewTarget(prisma: PrismaClient, input: Omit<SetTargetInput, "actorId">): Promise<TargetPreview> {
  const unit = await prisma.unit.findUnique({ where: { id: input.unitId }, select: { id: true } });
  if (!unit) return { ok: false, reason: "unitNotFound" };
  const problem = await inputProblem(prisma, input);
  if (problem) return { ok: false, reason: problem };
  const key = periodKey(input.period);
  const existing = await prisma.target.findUnique({ where: { unitId_periodKey_metric: { unitId: input.unitId, periodKey: key, metric: input.metric } }, select: { value: true } });
  const warning = await cascadeCheck(prisma, input.unitId, input.period, input.metric, input.value);
  const childrenSum = await childrenCheck(prisma, input.unitId, input.period, input.metric, input.value);
  return { ok: true, before: existing?.value ?? null, ...(warning ? { warning } : {}), ...(childrenSum !== undefined ? { childrenSum } : {}) };
}

export async function setTarget(prisma: PrismaClient, input: SetTargetInput): Promise<SetTargetResult> {
  const unit = await prisma.unit.findUnique({ where: { id: input.unitId }, select: { id: true } });
  if (!unit) return { ok: false, reason: "unitNotFound" };
  if (input.actorId !== null && !(await authorize(prisma, input.actorId, "target.set", input.unitId))) return { ok: false, reason: "denied" };
  const problem = await inputProblem(prisma, input);
  if (problem) return { ok: false, reason: problem };
  const { before, changed } = await prisma.$transaction((tx) => writeTarget(tx, input.actorId, input));
  const warning = await cascadeCheck(prisma, input.unitId, input.period, input.metric);
  return { ok: true, changed, before, after: input.value, ...(warning ? { warning } : {}) };
}

export interface TargetView {
  metric: TargetMetric;
  value: number;
}

/** A unit's targets for a period, in the order of METRICS. */
export async function targetsFor(prisma: Db, unitId: string, period: Period): Promise<TargetView[]> {
  const rows = await prisma.target.findMany({ where: { unitId, periodKey: periodKey(period) }, select: { metric: true, value: true } });
  return rows.sort((a, b) => METRICS.indexOf(a.metric) - METRICS.indexOf(b.metric));
}

// ---------------------------------------------------------------------------------------------------------------
// Import from a spreadsheet: Mã đơn vị | Chỉ tiêu | Năm or Mã chiến dịch | Giá trị

export const TARGET_COLUMNS = ["code", "metric", "year", "campaign", "value"] as const;
export type TargetColumn = (typeof TARGET_COLUMNS)[number];

const HEADER_ALIASES: Record<TargetColumn, string[]> = {
  code: ["ma", "ma don vi", "code", "unit code"],
  metric: ["chi tieu", "loai chi tieu", "metric", "target"],
  year: ["nam", "year"],
  campaign: ["ma chien dich", "chien dich", "ma dot", "campaign", "campaign code"],
  value: ["gia tri", "so luong", "value"],
};

function acceptedHeaders(): Record<TargetColumn, string[]> {
  const out = {} as Record<TargetColumn, string[]>;
  for (const c of TARGET_COLUMNS) out[c] = [...LANGUAGES.map((l) => tFor(l)(`targets.columns.${c}`)), ...HEADER_ALIASES[c]];
  return out;
}

export interface TargetImportError {
  /** Spreadsheet line; null for the whole file. */
  line: number | null;
  key: string;
  params?: Record<string, string | number>;
}

export interface TargetChange {
  line: number;
  code: string;
  metric: TargetMetric;
  period: string;
  before: number | null;
  after: number;
}

export interface TargetImportResult {
  errors: TargetImportError[];
  /** The lines that create or change a target (for a preview). */
  changes: TargetChange[];
  created: number;
  updated: number;
  unchanged: number;
  written: boolean;
  warnings: (CascadeWarning & { metric: TargetMetric; parentCode: string; period: string })[];
}

interface TargetRow {
  line: number;
  unitId: string;
  code: string;
  metric: TargetMetric;
  period: Period;
  /** The period as written: "2025" or the campaign code. */
  periodLabel: string;
  value: number;
}

export function formatTargetImportErrors(t: T, errors: TargetImportError[], max = 20): string[] {
  const lines = errors.slice(0, max).map((e) => {
    const params: Record<string, string | number> = { ...e.params };
    if (e.key === "targets.import.errors.metricUnknown") params.accepted = METRICS.map((m) => t(`targets.metrics.${m}`)).join(", ");
    const message = t(e.key, params);
    return e.line === null ? message : t("targets.import.line", { line: e.line, message });
  });
  if (errors.length > max) lines.push(t("targets.import.more", { count: errors.length - max }));
  return lines;
}

/** Thrown to roll a dry run's transaction back, carrying what it would have done. */
class DryRun extends Error {
  constructor(readonly result: TargetImportResult) {
    super("dry run");
  }
}

/**
 * Imports targets: every line is checked (format, unit, metric, period, value, duplicates, the importer's scope)
 * before anything is written; then all are written in one transaction, or none. A line equal to the stored target
 * changes nothing, so importing the same file twice is harmless. With `dryRun` the same writes run and are rolled
 * back, so the preview (counts, changes, cascade warnings) is exactly what the real import will do.
 */
export async function importTargets(
  prisma: PrismaClient,
  importer: Actor,
  file: { bytes: Buffer; name: string },
  options: { dryRun?: boolean } = {},
): Promise<TargetImportResult> {
  const fail = (errors: TargetImportError[]): TargetImportResult => ({ errors, changes: [], created: 0, updated: 0, unchanged: 0, written: false, warnings: [] });
  const sheet = await readSheetOffThread(file.bytes, file.name, acceptedHeaders());
  const missing = (["code", "metric", "value"] as TargetColumn[]).filter((c) => sheet.missingColumns.includes(c));
  if (sheet.missingColumns.includes("year") && sheet.missingColumns.includes("campaign")) missing.push("year");
  if (missing.length > 0) return fail([{ line: null, key: "targets.import.errors.missingColumns", params: { columns: missing.join(", ") } }]);
  if (sheet.rows.length === 0) return fail([{ line: null, key: "targets.import.errors.noRows" }]);

  const actorId = "personId" in importer ? importer.personId : null;
  const scopeIds = actorId === null ? "everywhere" : await unitsWhere(prisma, actorId, "target.set");
  const scope = scopeIds === "everywhere" ? scopeIds : new Set(scopeIds);
  const units = new Map((await prisma.unit.findMany({ select: { id: true, code: true } })).map((u) => [u.code, u.id]));
  const campaigns = new Map((await prisma.campaign.findMany({ select: { id: true, code: true } })).map((c) => [c.code, c.id]));

  const errors: TargetImportError[] = [];
  const rows: TargetRow[] = [];
  const seen = new Map<string, number>();
  let outside = 0;
  for (const { line, cells } of sheet.rows) {
    const before = errors.length;
    const err = (key: string, params?: Record<string, string | number>) => errors.push({ line, key: `targets.import.errors.${key}`, params });
    const code = cleanText(cells.code ?? "").toUpperCase();
    const unitId = code ? units.get(code) : undefined;
    if (!code) err("codeMissing");
    else if (!unitId) err("unitNotFound", { code });
    else if (scope !== "everywhere" && !scope.has(unitId)) {
      err("outsideScope", { code });
      outside++;
    }
    const metric = parseMetric(cells.metric ?? "");
    if (!cells.metric) err("metricMissing");
    else if (!metric) err("metricUnknown", { value: cells.metric });
    const yearText = cells.year ?? "";
    const campaignText = cleanText(cells.campaign ?? "").toUpperCase();
    let period: Period | undefined;
    if (yearText && campaignText) err("periodBoth");
    else if (!yearText && !campaignText) err("periodMissing");
    else if (yearText) {
      const year = Number(yearText);
      if (!/^\d{4}$/.test(yearText) || year < MIN_YEAR || year > MAX_YEAR) err("yearInvalid", { value: yearText });
      else period = { year };
    } else {
      const campaignId = campaigns.get(campaignText);
      if (!campaignId) err("campaignNotFound", { code: campaignText });
      else period = { campaignId };
    }
    const rawValue = (cells.value ?? "").replace(/[\s.,](?=\d{3}\b)/g, "");
    const value = Number(rawValue);
    if (!cells.value) err("valueMissing");
    else if (!/^\d+$/.test(rawValue) || !validValue(value)) err("valueInvalid", { value: cells.value ?? "" });
    if (errors.length > before || !unitId || !metric || !period) continue;

    const periodCheck = await checkPeriod(prisma, unitId, period);
    if (periodCheck === "campaignNotForUnit") {
      err("campaignNotForUnit", { code, campaign: campaignText });
      continue;
    }
    const key = `${unitId}|${periodKey(period)}|${metric}`;
    const first = seen.get(key);
    if (first !== undefined) {
      err("duplicate", { firstLine: first });
      continue;
    }
    seen.set(key, line);
    rows.push({ line, unitId, code, metric, period, periodLabel: yearText || campaignText, value });
  }
  if (errors.length > 0) {
    if (actorId !== null && outside > 0) {
      await writeAudit(prisma, { actorId, action: "denied:target.set", targetType: "TargetFile", after: { fileName: file.name, linesOutsideScope: outside } });
    }
    return fail(errors);
  }

  const codeOf = new Map([...units].map(([code, id]) => [id, code]));
  const write = async (tx: Prisma.TransactionClient): Promise<TargetImportResult> => {
    let created = 0;
    let updated = 0;
    let unchanged = 0;
    const changes: TargetChange[] = [];
    for (const row of rows) {
      const { before, changed } = await writeTarget(tx, actorId, row, "import");
      if (!changed) unchanged++;
      else {
        if (before === null) created++;
        else updated++;
        changes.push({ line: row.line, code: row.code, metric: row.metric, period: row.periodLabel, before, after: row.value });
      }
    }
    await writeAudit(tx, { actorId, action: "target.import", targetType: "TargetFile", after: { fileName: file.name, created, updated, unchanged } });
    const warnings: TargetImportResult["warnings"] = [];
    const checked = new Set<string>();
    for (const row of rows) {
      const warning = await cascadeCheck(tx, row.unitId, row.period, row.metric);
      if (!warning) continue;
      const key = `${warning.exceedsParent.parentUnitId}|${periodKey(row.period)}|${row.metric}`;
      if (checked.has(key)) continue;
      checked.add(key);
      warnings.push({ ...warning, metric: row.metric, parentCode: codeOf.get(warning.exceedsParent.parentUnitId) ?? "", period: row.periodLabel });
    }
    const result = { errors: [], changes, created, updated, unchanged, written: !options.dryRun, warnings };
    if (options.dryRun) throw new DryRun(result);
    return result;
  };
  try {
    return await prisma.$transaction(write, { timeout: 60_000 });
  } catch (error) {
    if (error instanceof DryRun) return error.result;
    throw error;
  }
}
