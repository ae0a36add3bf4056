// The member roll as read from a file, with every check that needs no database: the columns, each row's fields,
// duplicates within the file. Runs on a worker thread (readMemberFile), so a roll of 20,000 rows is read and
// checked without holding up anyone else's replies; member-import.ts then checks the rows against the store.
import type { Sex } from "../generated/prisma/client.ts";
import { asBuffer, readSheet, SpreadsheetError, type ReadResult } from "../shared/spreadsheet.ts";
import { cleanText, toSearchText, truncate } from "../shared/text.ts";
import type { CalendarDay } from "../shared/time.ts";
import { dateToCalendarDay, parseBirthDate, parseFullName, parsePhone } from "./application-fields.ts";
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
export const REQUIRED_MEMBER_COLUMNS: MemberColumn[] = ["fullName", "birthDate", "sex", "phone", "joinedOn"];

export type Problem = { key: string; params?: Record<string, string | number> };
export interface LineProblems {
  line: number;
  problems: Problem[];
}

export const MEMBER_ROW_ERRORS = {
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
export interface MemberRow {
  line: number;
  fullName: string;
  searchName: string;
  birthDate: Date;
  sex: Sex;
  phone: string | null;
  joined: CalendarDay;
}

const SEXES: Record<string, Sex> = { nam: "MALE", male: "MALE", m: "MALE", nu: "FEMALE", female: "FEMALE", f: "FEMALE" };

const E = MEMBER_ROW_ERRORS;
const shown = (raw: string) => truncate(raw, 30);

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

/** What reading a roll gave: a problem with the whole file, or the valid rows and the problems by line. */
export type MemberFile =
  | { kind: "file"; problem: Problem }
  | { kind: "columns"; missing: MemberColumn[] }
  | { kind: "no_rows" }
  | { kind: "rows"; total: number; valid: MemberRow[]; lines: LineProblems[] };

/** Reads and checks a roll (on the worker thread: the file arrives as a Uint8Array). */
export async function readMemberFile(bytes: Uint8Array, fileName: string, today: CalendarDay): Promise<MemberFile> {
  let sheet: ReadResult;
  try {
    sheet = await readSheet(asBuffer(bytes), fileName, MEMBER_COLUMNS as unknown as Record<string, string[]>);
  } catch (error) {
    if (error instanceof SpreadsheetError) return { kind: "file", problem: { key: error.key, params: error.params } };
    throw error;
  }
  const missing = sheet.missingColumns.filter((c): c is MemberColumn => REQUIRED_MEMBER_COLUMNS.includes(c as MemberColumn));
  if (missing.length) return { kind: "columns", missing };
  if (sheet.rows.length === 0) return { kind: "no_rows" };
  const parsed = parseMemberRows(sheet.rows, today);
  return { kind: "rows", total: sheet.rows.length, valid: parsed.valid, lines: parsed.lines };
}
