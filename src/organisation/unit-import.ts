// Importing and exporting the union tree as a spreadsheet (the format an officer fills in Excel). Every row is
// validated — against the file and against the store — before anything is written; then all rows are written in one
// transaction, or none. Rows are matched to units by code, and a row equal to its unit changes nothing, so importing
// the same file twice is harmless. An officer may only touch units inside their subtree.
import type { Prisma, UnitType } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import { tFor, type Lang, type T, LANGUAGES } from "../i18n/i18n.ts";
import { unitsWhere } from "../policy/policy.ts";
import { readSheetOffThread, writeCsv, writeXlsx, type CellValue, type Sheet, type SheetColumn } from "../shared/spreadsheet.ts";
import { cleanText, toSearchText } from "../shared/text.ts";
import { formatCalendarDate, vietnamDay } from "../shared/time.ts";
import { GRASSROOTS_TYPES, subtreeIds } from "./units.ts";

export const UNIT_TYPES: readonly UnitType[] = [
  "PROVINCE_FEDERATION",
  "COMMUNE_UNION",
  "INDUSTRIAL_PARK_UNION",
  "SECTORAL_UNION",
  "GRASSROOTS",
  "FREELANCE_GRASSROOTS",
];

export const UNIT_COLUMNS = ["code", "name", "type", "parentCode", "workerCount", "memberCount", "baselineDate", "foundedOn", "closedAt"] as const;
export type UnitColumn = (typeof UNIT_COLUMNS)[number];
const REQUIRED_COLUMNS: UnitColumn[] = ["code", "name", "type"];
type NumberColumn = "workerCount" | "memberCount";
type DateColumn = "baselineDate" | "foundedOn" | "closedAt";

export const CODE_PATTERN = /^[A-Z0-9][A-Z0-9_-]{0,39}$/;
export const UNIT_NAME_MAX = 200;
const MAX_COUNT = 10_000_000;
const MAX_DEPTH = 32;

/** Other accepted headers, in search form (see toSearchText), besides the headers of every language's locale. */
const HEADER_ALIASES: Record<UnitColumn, string[]> = {
  code: ["ma", "ma don vi", "code"],
  name: ["ten", "ten don vi", "name"],
  type: ["loai don vi", "loai", "type", "unit type"],
  parentCode: ["ma cap tren", "ma don vi cap tren", "don vi cap tren", "parent", "parent code"],
  workerCount: ["so lao dong", "so nguoi lao dong", "lao dong", "workers", "worker count"],
  memberCount: ["so doan vien", "doan vien", "members", "member count"],
  baselineDate: ["ngay so lieu", "ngay chot so lieu", "baseline", "baseline date"],
  foundedOn: ["ngay thanh lap", "founded", "founded on"],
  closedAt: ["ngay giai the", "giai the", "closed", "closed on"],
};

/** Other accepted spellings of the unit types, in search form, besides the enum names and the locales' labels. */
const TYPE_ALIASES: Record<UnitType, string[]> = {
  PROVINCE_FEDERATION: ["ldld", "ldld tinh", "ldld thanh pho", "ldld tinh/thanh pho", "lien doan lao dong", "lien doan lao dong tinh", "lien doan lao dong thanh pho", "province"],
  COMMUNE_UNION: ["cong doan xa/phuong", "cong doan xa", "cong doan phuong", "cong doan dac khu", "cong doan xa/phuong/dac khu", "cd xa", "cd phuong", "cd xa/phuong", "commune union", "ward union", "commune", "ward"],
  INDUSTRIAL_PARK_UNION: ["cong doan kcn", "cd kcn", "cong doan khu cong nghiep", "cong doan cac khu cong nghiep", "cd khu cong nghiep", "industrial park", "industrial park union"],
  SECTORAL_UNION: ["cong doan nganh", "cd nganh", "sectoral union", "sector"],
  GRASSROOTS: ["cdcs", "cong doan co so", "cd co so", "grassroots", "grassroots union"],
  FREELANCE_GRASSROOTS: ["nghiep doan co so", "nghiep doan", "ndcs", "freelance union", "union of freelance workers"],
};

function typeForm(s: string): string {
  return toSearchText(s).replace(/\s*\/\s*/g, "/").replace(/[.]/g, "");
}

const TYPE_INDEX: Map<string, UnitType> = (() => {
  const index = new Map<string, UnitType>();
  for (const type of UNIT_TYPES) {
    const names = [type, type.replace(/_/g, " "), ...TYPE_ALIASES[type], ...LANGUAGES.map((l) => tFor(l)(`units.types.${type}`))];
    for (const n of names) index.set(typeForm(n), type);
  }
  return index;
})();

export function parseUnitType(raw: string): UnitType | undefined {
  return TYPE_INDEX.get(typeForm(raw));
}

function acceptedHeaders(): Record<UnitColumn, string[]> {
  const out = {} as Record<UnitColumn, string[]>;
  for (const c of UNIT_COLUMNS) out[c] = [...LANGUAGES.map((l) => tFor(l)(`units.columns.${c}`)), ...HEADER_ALIASES[c]];
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

export interface ImportError {
  /** Spreadsheet line; null for an error about the whole file. */
  line: number | null;
  key: string;
  params?: Record<string, string | number>;
  /** Column keys named in the message; translated to the header of the reader's language. */
  column?: UnitColumn;
  columns?: UnitColumn[];
}

/** An error as one line of text in the reader's language ("Dòng 5: thiếu tên đơn vị."). */
export function formatImportError(t: T, e: ImportError): string {
  const params: Record<string, string | number> = { ...e.params };
  if (e.column) params.column = t(`units.columns.${e.column}`);
  if (e.columns) params.columns = e.columns.map((c) => t(`units.columns.${c}`)).join(", ");
  if (e.key === "units.import.errors.typeUnknown") params.accepted = UNIT_TYPES.map((type) => t(`units.types.${type}`)).join(", ");
  const message = t(e.key, params);
  return e.line === null ? message : t("units.import.line", { line: e.line, message });
}

/** At most `max` errors as text, then "… and N more". */
export function formatImportErrors(t: T, errors: ImportError[], max = 20): string[] {
  const lines = errors.slice(0, max).map((e) => formatImportError(t, e));
  if (errors.length > max) lines.push(t("units.import.more", { count: errors.length - max }));
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing rows

/** A row of the file, checked on its own. Fields are undefined when their column is absent from the file. */
export interface UnitRow {
  line: number;
  code: string;
  name: string;
  type: UnitType;
  parentCode?: string | null;
  workerCount?: number | null;
  memberCount?: number | null;
  /** Calendar dates as "yyyy-mm-dd". */
  baselineDate?: string | null;
  foundedOn?: string | null;
  closedAt?: string | null;
}

export interface ParsedFile {
  rows: UnitRow[];
  errors: ImportError[];
  /** Codes of the rows that failed their own checks. */
  failedCodes: string[];
}

function isoDay(y: number, m: number, d: number): string {
  return `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

function todayIso(now: Date): string {
  const { y, m, d } = vietnamDay(now);
  return isoDay(y, m, d);
}

/** dd/mm/yyyy (also d/m/yyyy, with - or .) or yyyy-mm-dd → "yyyy-mm-dd"; undefined when not a real date. */
export function parseDay(raw: string): string | undefined {
  const s = raw.trim();
  let y: number, m: number, d: number;
  const dmy = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s);
  const ymd = dmy ? null : /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  if (dmy) [d, m, y] = [Number(dmy[1]), Number(dmy[2]), Number(dmy[3])];
  else if (ymd) [y, m, d] = [Number(ymd[1]), Number(ymd[2]), Number(ymd[3])];
  else return undefined;
  if (y < 1900 || m < 1 || m > 12 || d < 1) return undefined;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d > last ? undefined : isoDay(y, m, d);
}

function dmy(iso: string): string {
  const [y, m, d] = iso.split("-");
  return `${d}/${m}/${y}`;
}

export function normaliseCode(raw: string): string {
  return cleanText(raw).toUpperCase();
}

/** Reads and checks each row on its own (formats, required cells, duplicates); the store is not consulted. */
export async function parseUnitFile(file: Buffer, fileName: string, now = new Date()): Promise<ParsedFile> {
  const sheet = await readSheetOffThread(file, fileName, acceptedHeaders());
  const missing = REQUIRED_COLUMNS.filter((c) => sheet.missingColumns.includes(c));
  if (missing.length > 0) return { rows: [], failedCodes: [], errors: [{ line: null, key: "units.import.errors.missingColumns", columns: missing }] };
  if (sheet.rows.length === 0) return { rows: [], failedCodes: [], errors: [{ line: null, key: "units.import.errors.noRows" }] };
  const present = new Set(UNIT_COLUMNS.filter((c) => !sheet.missingColumns.includes(c)));
  const today = todayIso(now);
  const rows: UnitRow[] = [];
  const errors: ImportError[] = [];
  const failedCodes: string[] = [];
  const firstLine = new Map<string, number>();

  for (const { line, cells } of sheet.rows) {
    const rowErrors: ImportError[] = [];
    const err = (key: string, extra: Omit<ImportError, "line" | "key"> = {}) => rowErrors.push({ line, key: `units.import.errors.${key}`, ...extra });

    const code = normaliseCode(cells.code ?? "");
    if (!code) err("codeMissing");
    else if (!CODE_PATTERN.test(code)) err("codeInvalid", { params: { value: code } });
    else if (firstLine.has(code)) err("duplicateCode", { params: { code, firstLine: firstLine.get(code)! } });
    else firstLine.set(code, line);

    const name = cleanText(cells.name ?? "");
    if (!name) err("nameMissing");
    else if (name.length > UNIT_NAME_MAX) err("nameTooLong", { params: { max: UNIT_NAME_MAX } });

    const typeText = cells.type ?? "";
    const type = typeText ? parseUnitType(typeText) : undefined;
    if (!typeText) err("typeMissing");
    else if (!type) err("typeUnknown", { params: { value: typeText } });

    const row: UnitRow = { line, code, name, type: type ?? "GRASSROOTS" };
    if (present.has("parentCode")) {
      const parent = normaliseCode(cells.parentCode ?? "");
      if (parent && !CODE_PATTERN.test(parent)) err("codeInvalid", { params: { value: parent } });
      else if (parent && parent === code) err("parentSelf");
      row.parentCode = parent || null;
    }
    for (const column of ["workerCount", "memberCount"] as NumberColumn[]) {
      if (!present.has(column)) continue;
      const raw = (cells[column] ?? "").replace(/[\s.,](?=\d{3}\b)/g, "");
      if (raw === "") row[column] = null;
      else if (/^-\d+$/.test(raw)) err("numberNegative", { column });
      else if (!/^\d+$/.test(raw)) err("numberInvalid", { column, params: { value: cells[column] ?? "" } });
      else if (Number(raw) > MAX_COUNT) err("numberTooLarge", { column });
      else row[column] = Number(raw);
    }
    if (row.workerCount != null && row.memberCount != null && row.memberCount > row.workerCount) {
      err("membersExceedWorkers", { params: { members: row.memberCount, workers: row.workerCount } });
    }
    for (const column of ["baselineDate", "foundedOn", "closedAt"] as DateColumn[]) {
      if (!present.has(column)) continue;
      const raw = cells[column] ?? "";
      if (raw === "") {
        row[column] = null;
        continue;
      }
      const day = parseDay(raw);
      if (!day) err("dateInvalid", { column, params: { value: raw } });
      else if (day > today) err("dateFuture", { column, params: { value: dmy(day) } });
      else row[column] = day;
    }
    if (row.foundedOn && row.closedAt && row.closedAt < row.foundedOn) err("closedBeforeFounded");

    if (rowErrors.length > 0) {
      errors.push(...rowErrors);
      if (code) failedCodes.push(code);
    } else rows.push(row);
  }
  return { rows, errors, failedCodes };
}

// ---------------------------------------------------------------------------------------------------------------
// Planning against the store

type Db = PrismaClient | Prisma.TransactionClient;

interface StoredUnit {
  id: string;
  code: string;
  name: string;
  type: UnitType;
  parentId: string | null;
  workerCount: number | null;
  memberCount: number | null;
  baselineDate: Date | null;
  foundedOn: Date | null;
  closedAt: Date | null;
}

/** Who imports: a person (scope from the policy module) or the operator CLI (everything). */
export type Importer = { personId: string } | { operator: true };

export interface ImportPlan {
  errors: ImportError[];
  created: UnitRow[];
  updated: UnitRow[];
  unchanged: UnitRow[];
}

function dayOfDate(date: Date | null): string | null {
  return date ? date.toISOString().slice(0, 10) : null;
}

function dayOfInstant(at: Date | null): string | null {
  if (!at) return null;
  const { y, m, d } = vietnamDay(at);
  return isoDay(y, m, d);
}

function dateOfDay(day: string | null): Date | null {
  return day ? new Date(`${day}T00:00:00Z`) : null;
}

/** The start of the day in Vietnam (UTC+7, no daylight saving): closedAt is an instant. */
function instantOfDay(day: string | null): Date | null {
  return day ? new Date(`${day}T00:00:00+07:00`) : null;
}

/** The person's import scope: every unit, or the ids of the units inside their subtrees. */
export async function importScope(prisma: PrismaClient, importer: Importer, action: "unit.import" | "unit.export" = "unit.import"): Promise<"everywhere" | Set<string>> {
  if ("operator" in importer) return "everywhere";
  const where = await unitsWhere(prisma, importer.personId, action);
  return where === "everywhere" ? where : new Set(where);
}

/** Checks the rows against the store and the importer's scope, and sorts them into created / updated / unchanged. */
export async function planImport(db: Db, rows: UnitRow[], scope: "everywhere" | Set<string>): Promise<ImportPlan> {
  const stored: StoredUnit[] = await db.unit.findMany({
    select: { id: true, code: true, name: true, type: true, parentId: true, workerCount: true, memberCount: true, baselineDate: true, foundedOn: true, closedAt: true },
  });
  const byCode = new Map(stored.map((u) => [u.code, u]));
  const codeOfId = new Map(stored.map((u) => [u.id, u.code]));
  const rowByCode = new Map(rows.map((r) => [r.code, r]));
  const errors: ImportError[] = [];
  const err = (line: number, key: string, params?: Record<string, string | number>) => errors.push({ line, key: `units.import.errors.${key}`, params });

  // The tree after the import: stored units with the file's rows laid over them.
  const finalParent = (code: string): string | null => {
    const row = rowByCode.get(code);
    if (row && row.parentCode !== undefined) return row.parentCode;
    const unit = byCode.get(code);
    return unit?.parentId ? (codeOfId.get(unit.parentId) ?? null) : null;
  };
  const finalType = (code: string): UnitType | undefined => rowByCode.get(code)?.type ?? byCode.get(code)?.type;
  const finalClosed = (code: string): boolean => {
    const row = rowByCode.get(code);
    if (row && row.closedAt !== undefined) return row.closedAt !== null;
    return Boolean(byCode.get(code)?.closedAt);
  };
  const exists = (code: string) => rowByCode.has(code) || byCode.has(code);

  const scopeMemo = new Map<string, boolean>();
  const inScope = (code: string, depth = 0): boolean => {
    if (scope === "everywhere") return true;
    const known = scopeMemo.get(code);
    if (known !== undefined) return known;
    const unit = byCode.get(code);
    let ok: boolean;
    if (unit) ok = scope.has(unit.id);
    else {
      const parent = finalParent(code);
      ok = parent !== null && depth < MAX_DEPTH && inScope(parent, depth + 1);
    }
    scopeMemo.set(code, ok);
    return ok;
  };

  const children = new Map<string, string[]>();
  for (const code of new Set([...byCode.keys(), ...rowByCode.keys()])) {
    const parent = finalParent(code);
    if (parent) children.set(parent, [...(children.get(parent) ?? []), code]);
  }

  const plan: ImportPlan = { errors, created: [], updated: [], unchanged: [] };
  for (const row of rows) {
    const before = errors.length;
    const unit = byCode.get(row.code);
    const parent = finalParent(row.code);
    const storedParent = unit?.parentId ? (codeOfId.get(unit.parentId) ?? null) : null;
    // Where the unit hangs is checked when it changes: a new unit, a move, or a closed unit reopened.
    const placed = !unit || parent !== storedParent || (Boolean(unit.closedAt) && !finalClosed(row.code));

    if (scope !== "everywhere") {
      if (unit && !scope.has(unit.id)) err(row.line, "outsideScope", { code: row.code });
      else if (unit && parent === storedParent) {
        // staying where it is, inside the scope
      } else if (parent === null) err(row.line, "newRootNotAllowed");
      else if (exists(parent) && !inScope(parent)) err(row.line, "outsideScope", { code: parent });
    }
    if (parent !== null && errors.length === before) {
      if (!exists(parent)) err(row.line, "parentNotFound", { code: parent });
      else {
        const parentType = finalType(parent);
        if (placed && parentType && GRASSROOTS_TYPES.includes(parentType)) err(row.line, "parentGrassroots", { code: parent });
        // a loop through the new parents: walk up until the top or back here
        const path = [row.code];
        let at: string | null = parent;
        while (at !== null && path.length <= MAX_DEPTH) {
          if (at === row.code) {
            err(row.line, "cycle", { codes: [...path, at].join(" → ") });
            break;
          }
          path.push(at);
          at = finalParent(at);
        }
        if (placed && !finalClosed(row.code) && finalClosed(parent)) err(row.line, "parentClosed", { code: parent });
      }
    }
    if (finalClosed(row.code) && !unit?.closedAt) {
      const open = (children.get(row.code) ?? []).filter((c) => !finalClosed(c));
      if (open.length > 0) {
        err(row.line, "closedWithOpenChildren", { code: row.code, count: open.length, children: open.slice(0, 3).join(", ") + (open.length > 3 ? ", …" : "") });
      }
    }
    if (errors.length > before) continue;

    if (!unit) plan.created.push(row);
    else if (changes(unit, row, codeOfId)) plan.updated.push(row);
    else plan.unchanged.push(row);
  }
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return plan;
}

/** The fields of a stored unit the row would change (only the columns the file has). */
function changes(unit: StoredUnit, row: UnitRow, codeOfId: Map<string, string>): boolean {
  if (unit.name !== row.name || unit.type !== row.type) return true;
  if (row.parentCode !== undefined && (unit.parentId ? codeOfId.get(unit.parentId) : null) !== row.parentCode) return true;
  if (row.workerCount !== undefined && unit.workerCount !== row.workerCount) return true;
  if (row.memberCount !== undefined && unit.memberCount !== row.memberCount) return true;
  if (row.baselineDate !== undefined && dayOfDate(unit.baselineDate) !== row.baselineDate) return true;
  if (row.foundedOn !== undefined && dayOfDate(unit.foundedOn) !== row.foundedOn) return true;
  if (row.closedAt !== undefined && dayOfInstant(unit.closedAt) !== row.closedAt) return true;
  return false;
}

function dataOf(row: UnitRow): Omit<Prisma.UnitUncheckedCreateInput, "code" | "parentId"> {
  const data: Omit<Prisma.UnitUncheckedCreateInput, "code" | "parentId"> = { name: row.name, searchName: toSearchText(row.name), type: row.type };
  if (row.workerCount !== undefined) data.workerCount = row.workerCount;
  if (row.memberCount !== undefined) data.memberCount = row.memberCount;
  if (row.baselineDate !== undefined) data.baselineDate = dateOfDay(row.baselineDate);
  if (row.foundedOn !== undefined) data.foundedOn = dateOfDay(row.foundedOn);
  return data;
}

export interface ImportResult {
  errors: ImportError[];
  created: number;
  updated: number;
  unchanged: number;
  /** False when nothing was written (errors, or a dry run). */
  written: boolean;
}

/**
 * Reads, checks and (unless `dryRun`) writes a units file, all or nothing. The plan is made again inside the
 * transaction, so what is written is what was checked.
 */
export async function importUnits(
  prisma: PrismaClient,
  importer: Importer,
  file: { bytes: Buffer; name: string },
  options: { dryRun?: boolean; now?: Date } = {},
): Promise<ImportResult> {
  const parsed = await parseUnitFile(file.bytes, file.name, options.now);
  const scope = await importScope(prisma, importer);
  const fail = (errors: ImportError[]): ImportResult => ({ errors, created: 0, updated: 0, unchanged: 0, written: false });
  if (parsed.errors.length > 0) {
    // report the store-level errors of the good rows too, so one round of fixes is enough
    // (except those about a row that already failed: its parent may only be missing because its line was wrong)
    const plan = parsed.rows.length > 0 ? await planImport(prisma, parsed.rows, scope) : { errors: [] };
    const failed = new Set(parsed.failedCodes);
    const related = plan.errors.filter((e) => !failed.has(String(e.params?.code ?? "")));
    return fail([...parsed.errors, ...related].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  }
  if (options.dryRun) {
    const plan = await planImport(prisma, parsed.rows, scope);
    if (plan.errors.length > 0) return fail(plan.errors);
    return { errors: [], created: plan.created.length, updated: plan.updated.length, unchanged: plan.unchanged.length, written: false };
  }
  return prisma.$transaction(
    async (tx) => {
      const plan = await planImport(tx, parsed.rows, scope);
      if (plan.errors.length > 0) return fail(plan.errors);
      await applyPlan(tx, plan);
      const actorId = "personId" in importer ? importer.personId : null;
      await writeAudit(tx, {
        actorId,
        action: "unit.import",
        targetType: "UnitFile",
        after: {
          fileName: file.name,
          created: plan.created.length,
          updated: plan.updated.length,
          unchanged: plan.unchanged.length,
          createdCodes: plan.created.slice(0, 200).map((r) => r.code),
          updatedCodes: plan.updated.slice(0, 200).map((r) => r.code),
        },
      });
      return { errors: [], created: plan.created.length, updated: plan.updated.length, unchanged: plan.unchanged.length, written: true };
    },
    { timeout: 300_000, maxWait: 30_000 },
  );
}

async function applyPlan(tx: Prisma.TransactionClient, plan: ImportPlan): Promise<void> {
  const idOf = async (code: string): Promise<string> => (await tx.unit.findUniqueOrThrow({ where: { code }, select: { id: true } })).id;
  // New units first, without parents (their parents may be new too); then every parent link and change.
  if (plan.created.length > 0) {
    await tx.unit.createMany({
      data: plan.created.map((row) => ({ code: row.code, ...dataOf(row), closedAt: instantOfDay(row.closedAt ?? null) })),
    });
  }
  const ids = new Map(
    (await tx.unit.findMany({ where: { code: { in: [...plan.created, ...plan.updated].flatMap((r) => [r.code, r.parentCode ?? ""]) } }, select: { id: true, code: true } })).map((u) => [u.code, u.id]),
  );
  const id = async (code: string) => ids.get(code) ?? idOf(code);
  for (const row of plan.created) {
    if (row.parentCode) await tx.unit.update({ where: { id: await id(row.code) }, data: { parentId: await id(row.parentCode) } });
  }
  for (const row of plan.updated) {
    const data: Prisma.UnitUncheckedUpdateInput = dataOf(row);
    if (row.parentCode !== undefined) data.parentId = row.parentCode ? await id(row.parentCode) : null;
    if (row.closedAt !== undefined) {
      const current = await tx.unit.findUniqueOrThrow({ where: { code: row.code }, select: { closedAt: true } });
      // keep the stored instant when the day is the same
      if (dayOfInstant(current.closedAt) !== row.closedAt) data.closedAt = instantOfDay(row.closedAt);
    }
    await tx.unit.update({ where: { code: row.code }, data });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Export and template

function columnsFor(lang: Lang): SheetColumn[] {
  const t = tFor(lang);
  const widths: Record<UnitColumn, number> = { code: 16, name: 50, type: 22, parentCode: 20, workerCount: 14, memberCount: 14, baselineDate: 15, foundedOn: 15, closedAt: 15 };
  return UNIT_COLUMNS.map((key) => ({ header: t(`units.columns.${key}`), key, width: widths[key] }));
}

export type ExportFormat = "xlsx" | "csv";

export function formatOf(fileName: string): ExportFormat | undefined {
  const ext = fileName.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  return ext === "xlsx" || ext === "csv" ? ext : undefined;
}

/**
 * The units of the exporter's scope (or of the subtree of `rootUnitId`, which must be inside it), parents before
 * children, in the import's columns. Null when the scope is empty or `rootUnitId` lies outside it.
 */
export async function exportUnitRows(
  prisma: PrismaClient,
  importer: Importer,
  options: { rootUnitId?: string; lang: Lang },
): Promise<Record<string, CellValue>[] | null> {
  const scope = await importScope(prisma, importer, "unit.export");
  let ids: Set<string> | "everywhere" = scope;
  if (options.rootUnitId) {
    if (scope !== "everywhere" && !scope.has(options.rootUnitId)) return null;
    ids = new Set(await subtreeIds(prisma, options.rootUnitId));
  }
  if (ids !== "everywhere" && ids.size === 0) return null;
  const units = await prisma.unit.findMany({
    where: ids === "everywhere" ? {} : { id: { in: [...ids] } },
    select: { id: true, code: true, name: true, type: true, parentId: true, workerCount: true, memberCount: true, baselineDate: true, foundedOn: true, closedAt: true, parent: { select: { code: true } } },
    orderBy: { code: "asc" },
  });
  // parents before children
  const byId = new Map(units.map((u) => [u.id, u]));
  const depth = (id: string): number => {
    let d = 0;
    for (let at = byId.get(id)?.parentId; at && byId.has(at) && d < MAX_DEPTH; at = byId.get(at)?.parentId) d++;
    return d;
  };
  const depths = new Map(units.map((u) => [u.id, depth(u.id)]));
  units.sort((a, b) => depths.get(a.id)! - depths.get(b.id)! || a.code.localeCompare(b.code));
  const t = tFor(options.lang);
  return units.map((u) => {
    const closed = dayOfInstant(u.closedAt);
    return {
      code: u.code,
      name: u.name,
      type: t(`units.types.${u.type}`),
      parentCode: u.parent?.code ?? null,
      workerCount: u.workerCount,
      memberCount: u.memberCount,
      baselineDate: u.baselineDate,
      foundedOn: u.foundedOn,
      closedAt: dateOfDay(closed),
    };
  });
}

export async function writeUnitFile(rows: Record<string, CellValue>[], format: ExportFormat, lang: Lang): Promise<Buffer> {
  const columns = columnsFor(lang);
  if (format === "csv") return writeCsv(columns, rows);
  return writeXlsx([{ name: tFor(lang)("units.template.sheet"), columns, rows }]);
}

/** The template: headers, one example row, and a guide sheet explaining each column and the accepted types. */
export function unitTemplateSheets(lang: Lang = "vi"): Sheet[] {
  const t = tFor(lang);
  const example: Record<string, CellValue> = {
    code: t("units.template.example.code"),
    name: t("units.template.example.name"),
    type: t("units.types.GRASSROOTS"),
    parentCode: t("units.template.example.parentCode"),
    workerCount: 250,
    memberCount: 180,
    baselineDate: new Date(Date.UTC(2025, 6, 1)),
    foundedOn: new Date(Date.UTC(2010, 2, 15)),
    closedAt: null,
  };
  const guide: Record<string, CellValue>[] = UNIT_COLUMNS.map((c) => ({ column: t(`units.columns.${c}`), meaning: t(`units.template.help.${c}`) }));
  guide.push({ column: "", meaning: "" }, { column: t("units.template.help.types"), meaning: "" });
  for (const type of UNIT_TYPES) {
    guide.push({ column: t(`units.types.${type}`), meaning: LANGUAGES.filter((l) => l !== lang).map((l) => tFor(l)(`units.types.${type}`)).join(", ") });
  }
  guide.push({ column: "", meaning: "" }, { column: "", meaning: t("units.template.help.notes") });
  return [
    { name: t("units.template.sheet"), columns: columnsFor(lang), rows: [example] },
    {
      name: t("units.template.guideSheet"),
      columns: [
        { header: t("units.template.guideColumn"), key: "column", width: 28 },
        { header: t("units.template.guideMeaning"), key: "meaning", width: 100 },
      ],
      rows: guide,
    },
  ];
}

export async function unitTemplate(lang: Lang = "vi"): Promise<Buffer> {
  return writeXlsx(unitTemplateSheets(lang));
}
