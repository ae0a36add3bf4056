// Importing a grassroots union's existing member rolls (members admitted before, or outside, the bot) from an .xlsx
// or .csv file. Every row is validated first and problems are reported by line number; the import is all or
// nothing, in one transaction; importing the same file again changes nothing. Knows nothing of chat platforms:
// problems are i18n keys with their parameters.
import type { Prisma, Sex } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import type { T } from "../i18n/i18n.ts";
import { authorize } from "../policy/policy.ts";
import { isGrassroots } from "../organisation/units.ts";
import { readSheet, SpreadsheetError } from "../shared/spreadsheet.ts";
import { cleanText, toSearchText, truncate } from "../shared/text.ts";
import { vietnamDay, type CalendarDay } from "../shared/time.ts";
import { calendarDayToDate, dateToCalendarDay, parseBirthDate, parseFullName, parsePhone } from "./application-fields.ts";
import { compareDays } from "./eligibility.ts";
import { parseDayFirstDate } from "./members.ts";

/**
 * The columns of the member roll, each with the headers accepted for it (compared without diacritics, case, "*"
 * marks or parenthesised hints, so "Họ và tên", "HỌ VÀ TÊN (*)" and "ho va ten" all match).
 */
export const MEMBER_COLUMNS = {
  fullName: ["ho va ten", "ho ten", "full name", "name"],
  birthDate: ["ngay sinh", "ngay thang nam sinh", "date of birth", "birth date"],
  sex: ["gioi tinh", "sex", "gender"],
  phone: ["so dien thoai", "dien thoai", "sdt", "phone", "phone number"],
  joinedOn: ["ngay ket nap", "ngay vao cong doan", "ngay gia nhap", "date joined", "joined on"],
  /** Optional, and not stored: the card number of the old rolls. */
  oldCard: ["so the cu", "so the", "so the doan vien", "old card number"],
} as const;
export type MemberColumn = keyof typeof MEMBER_COLUMNS;
const REQUIRED: MemberColumn[] = ["fullName", "birthDate", "sex", "phone", "joinedOn"];

export type Problem = { key: string; params?: Record<string, string | number> };
export interface LineProblems {
  line: number;
  problems: Problem[];
}

export type ImportCheck =
  | { ok: true; total: number; created: number; unchanged: number }
  | { ok: false; reason: "file"; problem: Problem }
  | { ok: false; reason: "columns"; missing: MemberColumn[] }
  | { ok: false; reason: "rows"; total: number; lines: LineProblems[] }
  | { ok: false; reason: "no_rows" }
  | { ok: false; reason: "unit_not_found" | "unit_closed" | "not_grassroots" };

export type ImportResult = ImportCheck | { ok: false; reason: "forbidden" };

const E = {
  nameMissing: "members.import.errors.name_missing",
  name: "members.import.errors.name_invalid",
  birthMissing: "members.import.errors.birth_missing",
  birth: "members.import.errors.birth_invalid",
  birthAge: "members.import.errors.birth_age",
  sexMissing: "members.import.errors.sex_missing",
  sex: "members.import.errors.sex_invalid",
  phone: "members.import.errors.phone_invalid",
  joinedMissing: "members.import.errors.joined_missing",
  joined: "members.import.errors.joined_invalid",
  joinedFuture: "members.import.errors.joined_future",
  joinedBeforeBirth: "members.import.errors.joined_before_birth",
  duplicate: "members.import.errors.duplicate",
  otherUnit: "members.import.errors.other_unit",
} as const;

/** A valid row, ready to be stored. */
interface MemberRow {
  line: number;
  fullName: string;
  searchName: string;
  birthDate: Date;
  sex: Sex;
  phone: string | null;
  joined: CalendarDay;
}

const SEXES: Record<string, Sex> = { nam: "MALE", male: "MALE", m: "MALE", nu: "FEMALE", female: "FEMALE", f: "FEMALE" };

const shown = (raw: string) => truncate(raw, 30);

/** Vietnam's midnight at the start of a calendar day, as an instant: the day a member joined. */
function startOfVietnamDay(day: CalendarDay): Date {
  return new Date(calendarDayToDate(day).getTime() - 7 * 3600_000);
}

/** Validates every row; returns the valid ones and the problems by line (within-file duplicates included). */
export function parseMemberRows(rows: { line: number; cells: Record<string, string> }[], today: CalendarDay) {
  const valid: MemberRow[] = [];
  const lines: LineProblems[] = [];
  const byPhone = new Map<string, number>();
  const byNameBirth = new Map<string, number>();
  for (const { line, cells } of rows) {
    const problems: Problem[] = [];
    const raw = (k: MemberColumn) => cleanText(cells[k] ?? "");

    let fullName: string | undefined;
    if (raw("fullName") === "") problems.push({ key: E.nameMissing });
    else {
      const parsed = parseFullName(raw("fullName"));
      if (parsed.ok) fullName = parsed.value;
      else problems.push({ key: E.name, params: { value: shown(raw("fullName")) } });
    }

    let birthDate: Date | undefined;
    if (raw("birthDate") === "") problems.push({ key: E.birthMissing });
    else {
      const parsed = parseBirthDate(raw("birthDate"), today);
      if (parsed.ok) birthDate = parsed.value;
      else if (parsed.error.key === "join.errors.dob_too_young" || parsed.error.key === "join.errors.dob_too_old") {
        problems.push({ key: E.birthAge, params: { value: shown(raw("birthDate")) } });
      } else problems.push({ key: E.birth, params: { value: shown(raw("birthDate")) } });
    }

    let sex: Sex | undefined;
    if (raw("sex") === "") problems.push({ key: E.sexMissing });
    else {
      sex = SEXES[toSearchText(raw("sex")).replace(/\.$/, "")];
      if (!sex) problems.push({ key: E.sex, params: { value: shown(raw("sex")) } });
    }

    let phone: string | null = null;
    if (raw("phone") !== "") {
      const parsed = parsePhone(raw("phone"));
      if (parsed.ok) phone = parsed.value;
      else problems.push({ key: E.phone, params: { value: shown(raw("phone")) } });
    }

    let joined: CalendarDay | undefined;
    if (raw("joinedOn") === "") problems.push({ key: E.joinedMissing });
    else {
      const parsed = parseDayFirstDate(raw("joinedOn"));
      if (!parsed.ok) problems.push({ key: E.joined, params: { value: shown(raw("joinedOn")) } });
      else if (compareDays(parsed.value, today) > 0) problems.push({ key: E.joinedFuture, params: { value: shown(raw("joinedOn")) } });
      else if (birthDate && compareDays(parsed.value, dateToCalendarDay(birthDate)) <= 0) {
        problems.push({ key: E.joinedBeforeBirth, params: { value: shown(raw("joinedOn")) } });
      } else joined = parsed.value;
    }

    if (problems.length === 0 && fullName && birthDate && sex && joined) {
      const searchName = toSearchText(fullName);
      const nameBirth = `${searchName}|${birthDate.toISOString()}`;
      const earlier = (phone ? byPhone.get(phone) : undefined) ?? byNameBirth.get(nameBirth);
      if (earlier !== undefined) {
        problems.push({ key: E.duplicate, params: { other: earlier } });
      } else {
        if (phone) byPhone.set(phone, line);
        byNameBirth.set(nameBirth, line);
        valid.push({ line, fullName, searchName, birthDate, sex, phone, joined });
      }
    }
    if (problems.length) lines.push({ line, problems });
  }
  return { valid, lines };
}

type Db = PrismaClient | Prisma.TransactionClient;

/** Splits valid rows into new and already there; a phone of a current member of another union is a problem. */
async function classify(db: Db, unitId: string, rows: MemberRow[]) {
  const phones = rows.flatMap((r) => (r.phone ? [r.phone] : []));
  const existing = await db.member.findMany({
    where: { OR: [{ unitId }, ...(phones.length ? [{ phone: { in: phones } }] : [])] },
    select: { unitId: true, phone: true, searchName: true, birthDate: true, leftOn: true },
  });
  const here = existing.filter((m) => m.unitId === unitId);
  const herePhones = new Set(here.flatMap((m) => (m.phone ? [m.phone] : [])));
  const hereNameBirth = new Set(here.flatMap((m) => (m.birthDate ? [`${m.searchName}|${m.birthDate.toISOString()}`] : [])));
  const elsewhere = new Set(existing.filter((m) => m.unitId !== unitId && !m.leftOn && m.phone).map((m) => m.phone as string));

  const fresh: MemberRow[] = [];
  const lines: LineProblems[] = [];
  let unchanged = 0;
  for (const row of rows) {
    if ((row.phone && herePhones.has(row.phone)) || hereNameBirth.has(`${row.searchName}|${row.birthDate.toISOString()}`)) {
      unchanged++;
    } else if (row.phone && elsewhere.has(row.phone)) {
      lines.push({ line: row.line, problems: [{ key: E.otherUnit }] });
    } else {
      fresh.push(row);
    }
  }
  return { fresh, unchanged, lines };
}

async function readRows(file: Buffer, fileName: string) {
  try {
    return { ok: true as const, sheet: await readSheet(file, fileName, MEMBER_COLUMNS as unknown as Record<string, string[]>) };
  } catch (error) {
    if (error instanceof SpreadsheetError) return { ok: false as const, problem: { key: error.key, params: error.params } };
    throw error;
  }
}

/** Reads and checks a file against the union's current members without writing anything. */
async function check(db: Db, unitId: string, file: Buffer, fileName: string, today: CalendarDay) {
  const read = await readRows(file, fileName);
  if (!read.ok) return { check: { ok: false, reason: "file", problem: read.problem } as ImportCheck };
  const missing = read.sheet.missingColumns.filter((c): c is MemberColumn => REQUIRED.includes(c as MemberColumn));
  if (missing.length) return { check: { ok: false, reason: "columns", missing } as ImportCheck };
  const total = read.sheet.rows.length;
  if (total === 0) return { check: { ok: false, reason: "no_rows" } as ImportCheck };
  const parsed = parseMemberRows(read.sheet.rows, today);
  const classified = await classify(db, unitId, parsed.valid);
  const lines = [...parsed.lines, ...classified.lines].sort((a, b) => a.line - b.line);
  if (lines.length) return { check: { ok: false, reason: "rows", total, lines } as ImportCheck };
  return {
    check: { ok: true, total, created: classified.fresh.length, unchanged: classified.unchanged } as ImportCheck,
    fresh: classified.fresh,
  };
}

async function unitProblem(db: Db, unitId: string): Promise<ImportCheck | null> {
  const unit = await db.unit.findUnique({ where: { id: unitId }, select: { type: true, closedAt: true } });
  if (!unit) return { ok: false, reason: "unit_not_found" };
  if (!isGrassroots(unit)) return { ok: false, reason: "not_grassroots" };
  if (unit.closedAt) return { ok: false, reason: "unit_closed" };
  return null;
}

/**
 * What importing the file would do (a preview): how many members are new and how many are already there, or the
 * problems by line. Writes nothing; whether the person may import is checked by importMembers.
 */
export async function checkMemberImport(
  prisma: PrismaClient,
  input: { unitId: string; file: Buffer; fileName: string; now?: Date },
): Promise<ImportCheck> {
  const problem = await unitProblem(prisma, input.unitId);
  if (problem) return problem;
  return (await check(prisma, input.unitId, input.file, input.fileName, vietnamDay(input.now ?? new Date()))).check;
}

/**
 * Imports the members of a file into a grassroots union: all rows or none. Members already on the union's roll (same
 * phone, or same name and birth date) are left unchanged, so a second import of the same file changes nothing.
 * Imported members have source IMPORT and no person (they never used the bot). `actorId` null is the operator CLI,
 * which is not subject to the policy (like granting roles from the CLI); a person needs "member.import".
 */
export async function importMembers(
  prisma: PrismaClient,
  input: { actorId: string | null; unitId: string; file: Buffer; fileName: string; now?: Date },
): Promise<ImportResult> {
  const problem = await unitProblem(prisma, input.unitId);
  if (problem) return problem;
  if (input.actorId !== null && !(await authorize(prisma, input.actorId, "member.import", input.unitId))) {
    return { ok: false, reason: "forbidden" };
  }
  const today = vietnamDay(input.now ?? new Date());
  return prisma.$transaction(
    async (tx) => {
      // Two imports into one union run one after the other, so neither creates what the other just did.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`members:import:${input.unitId}`}))`;
      const { check: result, fresh } = await check(tx, input.unitId, input.file, input.fileName, today);
      if (!result.ok || !fresh) return result;
      if (fresh.length) {
        await tx.member.createMany({
          data: fresh.map((row) => ({
            personId: null,
            unitId: input.unitId,
            fullName: row.fullName,
            searchName: row.searchName,
            phone: row.phone,
            birthDate: row.birthDate,
            sex: row.sex,
            source: "IMPORT" as const,
            joinedAt: startOfVietnamDay(row.joined),
          })),
        });
      }
      await writeAudit(tx, {
        actorId: input.actorId,
        action: "member.import",
        unitId: input.unitId,
        targetType: "Unit",
        targetId: input.unitId,
        after: { rows: result.total, created: result.created, unchanged: result.unchanged },
      });
      return result;
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}

/** What is wrong with a file or an import, in `t`'s language, at most `maxLines` lines of problems; null when nothing is. */
export function formatImportProblem(result: ImportResult, t: T, maxLines: number): string | null {
  if (result.ok) return null;
  switch (result.reason) {
    case "file":
      return t(result.problem.key, result.problem.params);
    case "columns":
      return t("members.import.missing_columns", {
        columns: result.missing.map((c: MemberColumn) => t(`members.import.columns.${c}`)).join(", "),
      });
    case "no_rows":
      return t("members.import.no_rows");
    case "rows": {
      const shown = result.lines.slice(0, maxLines).map((l) =>
        truncate(
          t("members.import.problem_line", {
            line: l.line,
            problems: l.problems.map((p) => t(p.key, p.params)).join("; "),
          }),
          180,
        ),
      );
      const rest = result.lines.length - shown.length;
      return [
        t("members.import.problems_title", { count: result.lines.length }),
        ...shown,
        ...(rest > 0 ? [t("members.import.more_lines", { count: rest })] : []),
      ].join("\n");
    }
    default:
      return t(`members.import.refused.${result.reason}`);
  }
}
