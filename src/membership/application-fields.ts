// The fields of the join form (Mẫu 5a), each validated from the raw text a person typed in a chat.
//
// Every field is a zod schema from string to the normalised value. A failed parse carries ONE issue whose `message`
// is an i18n key (see JOIN_ERRORS) and whose `params` are the interpolation values; `parseField` turns that into
// `{ ok: false, error: { key, params } }`. No user-facing text lives here.
import { z } from "zod";
import { cleanText, graphemeLength, toSearchText } from "../shared/text.ts";
import { formatCalendarDate, vietnamDay, type CalendarDay } from "../shared/time.ts";
import { MIN_AGE, ageOn, compareDays } from "./eligibility.ts";

export { MIN_AGE };

// ---------------------------------------------------------------------------------------------------------------
// Results and the zod bridge

export type FieldErrorParams = Record<string, string | number>;
export type FieldError = { key: string; params?: FieldErrorParams };
export type FieldResult<T> = { ok: true; value: T } | { ok: false; error: FieldError };

/** Every error key this module can return (bot namespace). */
export const JOIN_ERRORS = {
  invalid: "join.errors.invalid",
  noEmoji: "join.errors.no_emoji",
  nameTooShort: "join.errors.name_too_short",
  nameTooLong: "join.errors.name_too_long",
  nameBadChars: "join.errors.name_bad_chars",
  dobFormat: "join.errors.dob_format",
  dobNotReal: "join.errors.dob_not_real",
  dobFuture: "join.errors.dob_future",
  dobTooYoung: "join.errors.dob_too_young",
  dobTooOld: "join.errors.dob_too_old",
  phoneFormat: "join.errors.phone_format",
  phoneLetters: "join.errors.phone_letters",
  phoneLength: "join.errors.phone_length",
  phonePrefix: "join.errors.phone_prefix",
  phoneOldPrefix: "join.errors.phone_old_prefix",
  phoneNotVietnamese: "join.errors.phone_not_vietnamese",
  jobTooShort: "join.errors.job_too_short",
  jobTooLong: "join.errors.job_too_long",
  jobNoLetters: "join.errors.job_no_letters",
  employerTooShort: "join.errors.employer_too_short",
  employerTooLong: "join.errors.employer_too_long",
  employerNoLetters: "join.errors.employer_no_letters",
  addressTooShort: "join.errors.address_too_short",
  addressTooLong: "join.errors.address_too_long",
  addressNoLetters: "join.errors.address_no_letters",
  ethnicityNotFound: "join.errors.ethnicity_not_found",
} as const;
export type JoinErrorKey = (typeof JOIN_ERRORS)[keyof typeof JOIN_ERRORS];

function fail(key: JoinErrorKey, params?: FieldErrorParams): { ok: false; error: FieldError } {
  return params ? { ok: false, error: { key, params } } : { ok: false, error: { key } };
}

function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** A zod schema (string → T) from a parse function; a failure becomes one custom issue: message = key, params. */
function fieldSchema<T>(parse: (raw: string) => FieldResult<T>) {
  return z.string().transform((raw, ctx): T => {
    const result = parse(raw);
    if (result.ok) return result.value;
    ctx.addIssue({ code: "custom", message: result.error.key, params: result.error.params, input: raw });
    return z.NEVER;
  });
}

const KEY_SHAPE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

/**
 * Validates one field with its schema. The error is the first issue's message as an i18n key with its params; zod's
 * own length issues (from schemas built elsewhere with `.min(n, key)`) carry `min` / `max`; anything that is not a key
 * (say, a non-string slipping through) becomes "join.errors.invalid".
 */
export function parseField<T>(schema: z.ZodType<T, string>, raw: string): FieldResult<T> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  if (!issue || !KEY_SHAPE.test(issue.message)) return { ok: false, error: { key: JOIN_ERRORS.invalid } };
  const key = issue.message;
  switch (issue.code) {
    case "custom": {
      const params = issue.params as FieldErrorParams | undefined;
      return params ? { ok: false, error: { key, params } } : { ok: false, error: { key } };
    }
    case "too_small":
      return { ok: false, error: { key, params: { min: Number(issue.minimum) } } };
    case "too_big":
      return { ok: false, error: { key, params: { max: Number(issue.maximum) } } };
    default:
      return { ok: false, error: { key } };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Shared checks

/** Beyond this many raw characters nothing is normalised: the input is simply too long (chat messages are ≤ 4096). */
const RAW_LIMIT = 10_000;
const EMOJI = /\p{Extended_Pictographic}/u;
const TRADEMARKS = /[©®™]/g;
const LETTER = /\p{L}/u;

function hasEmoji(s: string): boolean {
  return EMOJI.test(s.replace(TRADEMARKS, ""));
}

type FreeTextRules = {
  min: number;
  max: number;
  tooShort: JoinErrorKey;
  tooLong: JoinErrorKey;
  noLetters: JoinErrorKey;
};

/** Cleaned free text (job, employer, address): length in characters, no emoji, at least one letter. */
function parseFreeText(raw: string, rules: FreeTextRules): FieldResult<string> {
  if (raw.length > RAW_LIMIT) return fail(rules.tooLong, { max: rules.max });
  const s = cleanText(raw);
  const length = graphemeLength(s);
  if (length > rules.max) return fail(rules.tooLong, { max: rules.max });
  if (hasEmoji(s)) return fail(JOIN_ERRORS.noEmoji);
  if (length < rules.min) return fail(rules.tooShort, { min: rules.min });
  if (!LETTER.test(s)) return fail(rules.noLetters);
  return ok(s);
}

// ---------------------------------------------------------------------------------------------------------------
// Full name

export const NAME_MIN = 2;
export const NAME_MAX = 80;

/** Letters (each with any combining marks left after NFC), spaces, hyphens, apostrophes and dots. */
const NAME_SHAPE = /^(?:\p{L}\p{M}*|[ '.-])+$/u;
const APOSTROPHES = /[\u2018\u2019\u02BC\u02BB\u0060\u00B4\u2032]/g;
const HYPHENS = /[\u2010\u2011]/g;

function capitaliseWords(s: string): string {
  return s
    .split(/([ '-])/)
    .map((part) => {
      const [first = ""] = part;
      return first.toUpperCase() + part.slice(first.length).toLowerCase();
    })
    .join("");
}

/**
 * A person's name as typed: NFC, invisible characters dropped, spaces collapsed, typographic apostrophes and hyphens
 * made ASCII. The person's own casing is kept, except that an all-lower-case or all-upper-case name (phones, caps
 * lock) becomes "Nguyễn Văn An".
 */
export function parseFullName(raw: string): FieldResult<string> {
  if (raw.length > RAW_LIMIT) return fail(JOIN_ERRORS.nameTooLong, { max: NAME_MAX });
  let s = cleanText(raw).replace(APOSTROPHES, "'").replace(HYPHENS, "-");
  if (graphemeLength(s) > NAME_MAX) return fail(JOIN_ERRORS.nameTooLong, { max: NAME_MAX });
  if (s !== "" && !NAME_SHAPE.test(s)) return fail(JOIN_ERRORS.nameBadChars);
  const letters = s.match(/\p{L}/gu)?.length ?? 0;
  if (graphemeLength(s) < NAME_MIN || letters < 2) return fail(JOIN_ERRORS.nameTooShort, { min: NAME_MIN });
  const lower = s.toLowerCase();
  const upper = s.toUpperCase();
  if (lower !== upper && (s === lower || s === upper)) s = capitaliseWords(s).normalize("NFC");
  return ok(s);
}

export const fullNameSchema = fieldSchema(parseFullName);

// ---------------------------------------------------------------------------------------------------------------
// Date of birth

/** Oldest plausible applicant; older dates are almost always typing mistakes. */
export const MAX_AGE = 100;

// In the search form ("ngày 5 tháng 9 năm 1995" → "ngay 5 thang 9 nam 1995").
const DAY_FIRST = /^(?:ngay\s*)?(\d{1,2})\s*(?:thang|[/.\- ])\s*(\d{1,2})\s*(?:nam|[/.\- ])\s*(\d{4})$/;
const YEAR_FIRST = /^(\d{4})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{1,2})$/;
const COMPACT = /^(\d{2})(\d{2})(\d{4})$/;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return new Date(Date.UTC(2001, m, 0)).getUTCDate(); // day 0 of the next month = last day of this one
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** UTC midnight of a calendar day (years 0–99 are not shifted to 19xx). */
export function calendarDayToDate({ y, m, d }: CalendarDay): Date {
  const date = new Date(Date.UTC(2000, m - 1, d));
  date.setUTCFullYear(y);
  return date;
}

/** The calendar day of a date stored as UTC midnight. */
export function dateToCalendarDay(date: Date): CalendarDay {
  return { y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate() };
}

/** "dd/mm/yyyy" of a date stored as UTC midnight (as returned by the birth-date schema). */
export function formatDate(date: Date): string {
  return formatCalendarDate(date);
}

type Today = CalendarDay | (() => CalendarDay);

/**
 * Date of birth as Vietnamese people write it: day first — 05/09/1995, 5/9/1995, 05-09-1995, 05.09.1995,
 * 05 09 1995, 05091995, "ngày 5 tháng 9 năm 1995"; year-first ISO 1995-09-05 is accepted too. The year has four
 * digits. The day must exist, not be after `today`, and give an age from MIN_AGE (15) to MAX_AGE (100) on `today`.
 * `today` defaults to the current day in Vietnam, read at each parse.
 */
export function parseBirthDate(raw: string, today: Today = () => vietnamDay(Date.now())): FieldResult<Date> {
  if (raw.length > 100) return fail(JOIN_ERRORS.dobFormat);
  const s = toSearchText(raw);
  let y: number, m: number, d: number;
  const dayFirst = DAY_FIRST.exec(s) ?? COMPACT.exec(s);
  const yearFirst = dayFirst ? null : YEAR_FIRST.exec(s);
  if (dayFirst) [d, m, y] = [Number(dayFirst[1]), Number(dayFirst[2]), Number(dayFirst[3])];
  else if (yearFirst) [y, m, d] = [Number(yearFirst[1]), Number(yearFirst[2]), Number(yearFirst[3])];
  else return fail(JOIN_ERRORS.dobFormat);

  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
    return fail(JOIN_ERRORS.dobNotReal, { date: `${pad2(d)}/${pad2(m)}/${y}` });
  }
  const birth = { y, m, d };
  const now = typeof today === "function" ? today() : today;
  if (compareDays(birth, now) > 0) return fail(JOIN_ERRORS.dobFuture);
  const age = ageOn(birth, now);
  if (age > MAX_AGE) return fail(JOIN_ERRORS.dobTooOld, { max: MAX_AGE });
  if (age < MIN_AGE) return fail(JOIN_ERRORS.dobTooYoung, { min: MIN_AGE });
  return ok(calendarDayToDate(birth));
}

/** The birth-date schema; pass `today` in tests (or a function giving it), leave it out in production. */
export function birthDateSchema(today?: Today) {
  return fieldSchema((raw) => parseBirthDate(raw, today));
}

// ---------------------------------------------------------------------------------------------------------------
// Phone

/** Mobile numbers: 0 + 3/5/7/8/9 + 8 digits. Landlines: 02 + area code + subscriber number, 11 digits in all. */
const MOBILE_LEAD = /^0[35789]/;
const LANDLINE_LEAD = /^02/;
const MOBILE_DIGITS = 10;
const LANDLINE_DIGITS = 11;

export type PhoneSource = "text" | "contact";

/**
 * A Vietnamese phone number → E.164 (+84912345678).
 *
 * Typed text: 0912 345 678, 0912.345.678, 0912-345-678, (+84) 912345678, +84 912 345 678, 84912345678, 0084…, and a
 * number without its leading 0 (912345678). Separators: spaces, dots, hyphens, brackets.
 * `source: "contact"`: a number from a shared contact (Telegram sends "84912345678" or "+84912345678"); digits not
 * starting with 0 are then read as international, so a shared foreign number is "not_vietnamese".
 */
export function parsePhone(raw: string, source: PhoneSource = "text"): FieldResult<string> {
  if (raw.length > 100) return fail(JOIN_ERRORS.phoneFormat);
  const s = cleanText(raw);
  if (LETTER.test(s)) return fail(JOIN_ERRORS.phoneLetters);
  if (!/^[+\d .\-()]+$/.test(s)) return fail(JOIN_ERRORS.phoneFormat);
  const plus = s.indexOf("+");
  if (plus !== -1 && (s.lastIndexOf("+") !== plus || /\d/.test(s.slice(0, plus)))) return fail(JOIN_ERRORS.phoneFormat);

  let digits = s.replace(/\D/g, "");
  if (digits === "") return fail(JOIN_ERRORS.phoneFormat);
  let international = plus !== -1;
  if (!international && digits.startsWith("00")) {
    international = true;
    digits = digits.slice(2);
  }
  if (!international && !digits.startsWith("0")) {
    international =
      source === "contact" || (digits.startsWith("84") && (digits.length === 11 || digits.length === 12));
  }

  let national: string;
  if (international) {
    if (!digits.startsWith("84")) return fail(JOIN_ERRORS.phoneNotVietnamese);
    // "+84 0912 345 678": people often keep the trunk 0 after the country code.
    national = "0" + digits.slice(2).replace(/^0/, "");
  } else if (digits.startsWith("0")) {
    national = digits;
  } else if (/^[235789]/.test(digits)) {
    national = "0" + digits; // the leading 0 was left out
  } else {
    return fail(JOIN_ERRORS.phonePrefix);
  }

  if (national.length < 2) return fail(JOIN_ERRORS.phoneFormat);
  const expected = MOBILE_LEAD.test(national) ? MOBILE_DIGITS : LANDLINE_LEAD.test(national) ? LANDLINE_DIGITS : null;
  if (expected === null) {
    // 11-digit 01x mobile numbers were moved to 03x/05x/07x/08x in 2018.
    if (national.startsWith("01") && national.length === 11) return fail(JOIN_ERRORS.phoneOldPrefix);
    return fail(JOIN_ERRORS.phonePrefix);
  }
  if (national.length !== expected) return fail(JOIN_ERRORS.phoneLength, { expected, actual: national.length });
  return ok("+84" + national.slice(1));
}

export const phoneSchema = fieldSchema((raw) => parsePhone(raw, "text"));
/** For the phone number of a contact the person shared (Telegram "share my phone number"). */
export const contactPhoneSchema = fieldSchema((raw) => parsePhone(raw, "contact"));

/**
 * An E.164 Vietnamese number the way people read it: "+84912345678" → "0912 345 678"; landlines "0213 387 6543",
 * Hà Nội / TP.HCM "024 3826 4567". Anything else is returned unchanged.
 */
export function formatPhoneForDisplay(e164: string): string {
  const match = /^\+84(\d+)$/.exec(e164);
  if (!match) return e164;
  const n = "0" + match[1];
  if (n.length === MOBILE_DIGITS && MOBILE_LEAD.test(n)) return `${n.slice(0, 4)} ${n.slice(4, 7)} ${n.slice(7)}`;
  if (n.length === LANDLINE_DIGITS && LANDLINE_LEAD.test(n)) {
    return /^02[48]/.test(n)
      ? `${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`
      : `${n.slice(0, 4)} ${n.slice(4, 7)} ${n.slice(7)}`;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Job, workplace not listed

export const JOB_MIN = 2;
export const JOB_MAX = 100;
export const EMPLOYER_MIN = 2;
export const EMPLOYER_MAX = 150;
export const ADDRESS_MIN = 5;
export const ADDRESS_MAX = 200;

export const jobPositionSchema = fieldSchema((raw) =>
  parseFreeText(raw, {
    min: JOB_MIN,
    max: JOB_MAX,
    tooShort: JOIN_ERRORS.jobTooShort,
    tooLong: JOIN_ERRORS.jobTooLong,
    noLetters: JOIN_ERRORS.jobNoLetters,
  }),
);

export const employerNameSchema = fieldSchema((raw) =>
  parseFreeText(raw, {
    min: EMPLOYER_MIN,
    max: EMPLOYER_MAX,
    tooShort: JOIN_ERRORS.employerTooShort,
    tooLong: JOIN_ERRORS.employerTooLong,
    noLetters: JOIN_ERRORS.employerNoLetters,
  }),
);

export const employerAddressSchema = fieldSchema((raw) =>
  parseFreeText(raw, {
    min: ADDRESS_MIN,
    max: ADDRESS_MAX,
    tooShort: JOIN_ERRORS.addressTooShort,
    tooLong: JOIN_ERRORS.addressTooLong,
    noLetters: JOIN_ERRORS.addressNoLetters,
  }),
);

// ---------------------------------------------------------------------------------------------------------------
// Ethnicity (sensitive personal data: ask only with its own explicit consent)

/**
 * The 54 ethnic groups of Vietnam (Decision 121-TCTK/PPCĐ of 1979 as spelt by the General Statistics Office in the
 * 2019 census), most populous first; H'Mông is spelt as on citizen-ID cards.
 */
export const ETHNIC_GROUPS = [
  "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "H'Mông", "Dao", "Gia Rai",
  "Ê Đê", "Ba Na", "Sán Chay", "Chăm", "Cơ Ho", "Xơ Đăng", "Sán Dìu", "Hrê", "Ra Glai", "Mnông",
  "Thổ", "Xtiêng", "Khơ Mú", "Bru Vân Kiều", "Cơ Tu", "Giáy", "Tà Ôi", "Mạ", "Giẻ Triêng", "Co",
  "Chơ Ro", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "Kháng", "La Chí", "Phù Lá", "La Hủ", "La Ha",
  "Pà Thẻn", "Lự", "Ngái", "Chứt", "Lô Lô", "Mảng", "Cơ Lao", "Bố Y", "Cống", "Si La",
  "Pu Péo", "Rơ Măm", "Brâu", "Ơ Đu",
] as const;
export type EthnicGroup = (typeof ETHNIC_GROUPS)[number];

/** Other names and spellings people use (compared without diacritics, case, spaces or punctuation). */
export const ETHNIC_ALIASES: Readonly<Record<string, EthnicGroup>> = {
  "Việt": "Kinh",
  "Khơ Me": "Khmer",
  "Mông": "H'Mông",
  "Jarai": "Gia Rai",
  "Rhade": "Ê Đê",
  "Ra Đê": "Ê Đê",
  "Bahnar": "Ba Na",
  "Cao Lan": "Sán Chay",
  "Sán Chí": "Sán Chay",
  "K'Ho": "Cơ Ho",
  "Koho": "Cơ Ho",
  "Sedang": "Xơ Đăng",
  "Xê Đăng": "Xơ Đăng",
  "Roglai": "Ra Glai",
  "M'Nông": "Mnông",
  "Stiêng": "Xtiêng",
  "Khmu": "Khơ Mú",
  "Bru": "Bru Vân Kiều",
  "Vân Kiều": "Bru Vân Kiều",
  "Katu": "Cơ Tu",
  "Ca Tu": "Cơ Tu",
  "Dáy": "Giáy",
  "Pa Cô": "Tà Ôi",
  "Giẻ": "Giẻ Triêng",
  "Triêng": "Giẻ Triêng",
  "Hani": "Hà Nhì",
  "Lữ": "Lự",
  "Pà Hưng": "Pà Thẻn",
  "Mảng Ư": "Mảng",
  "Brao": "Brâu",
  "Hán": "Hoa",
};

/** "Dân tộc H’Mông" → "hmong": search form, words like "dân tộc" / "người" dropped, then letters and digits only. */
function ethnicKey(s: string): string {
  return toSearchText(s)
    .replace(/^(?:dan toc|nguoi)[\s:.-]+/, "")
    .replace(/[^a-z0-9]/g, "");
}

type EthnicEntry = { group: EthnicGroup; alias: boolean; key: string; words: string[] };

const ETHNIC_ENTRIES: EthnicEntry[] = [
  ...ETHNIC_GROUPS.map((group) => ({ group, name: group as string, alias: false })),
  ...Object.entries(ETHNIC_ALIASES).map(([name, group]) => ({ group, name, alias: true })),
].map(({ group, name, alias }) => ({
  group,
  alias,
  key: ethnicKey(name),
  words: toSearchText(name)
    .split(/[\s'’-]+/)
    .filter(Boolean),
}));

const ETHNIC_BY_KEY = new Map<string, EthnicGroup>(ETHNIC_ENTRIES.map((e) => [e.key, e.group]));

/** The canonical name of an ethnic group typed in any case, with or without diacritics, spaces or apostrophes. */
export function matchEthnicity(raw: string): FieldResult<EthnicGroup> {
  if (raw.length > 200) return fail(JOIN_ERRORS.ethnicityNotFound);
  const group = ETHNIC_BY_KEY.get(ethnicKey(raw));
  return group ? ok(group) : fail(JOIN_ERRORS.ethnicityNotFound);
}

export const ethnicitySchema = fieldSchema(matchEthnicity);

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * Up to `limit` ethnic groups close to a search string, best first: exact, then name starting with it, then a word
 * starting with it, then (from 3 letters) containing it, all on the diacritics-free form and official names before
 * other names; with nothing of that, names one or two typing mistakes away. Ties go to the more populous group.
 */
export function suggestEthnicGroups(query: string, limit = 5): EthnicGroup[] {
  const q = ethnicKey(query.slice(0, 200));
  if (q === "" || limit <= 0) return [];
  const best = new Map<EthnicGroup, number>();
  const consider = (group: EthnicGroup, score: number) => {
    const current = best.get(group);
    if (current === undefined || score < current) best.set(group, score);
  };
  for (const e of ETHNIC_ENTRIES) {
    const penalty = e.alias ? 0.5 : 0; // the official name outranks another name for the same match
    if (e.key === q) consider(e.group, 0);
    else if (e.key.startsWith(q)) consider(e.group, 1 + penalty);
    else if (e.words.some((w) => w.startsWith(q))) consider(e.group, 2 + penalty);
    else if (q.length >= 3 && e.key.includes(q)) consider(e.group, 3 + penalty);
  }
  if (best.size === 0 && q.length >= 3) {
    const allowed = q.length >= 6 ? 2 : 1;
    for (const e of ETHNIC_ENTRIES) {
      const distance = editDistance(q, e.key);
      if (distance <= allowed) consider(e.group, 4 + distance);
    }
  }
  return [...best.entries()]
    .sort(([a, sa], [b, sb]) => sa - sb || ETHNIC_GROUPS.indexOf(a) - ETHNIC_GROUPS.indexOf(b))
    .slice(0, limit)
    .map(([group]) => group);
}
