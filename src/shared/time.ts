// Dates as Vietnamese people write them (dd/mm/yyyy), in Vietnam's time zone whatever the server's.
export const TIME_ZONE = "Asia/Ho_Chi_Minh";

export interface CalendarDay {
  y: number;
  m: number;
  d: number;
}

const dayParts = new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" });

/** The calendar day in Vietnam at the given instant. */
export function vietnamDay(at: Date | number): CalendarDay {
  const parts = Object.fromEntries(dayParts.formatToParts(at).map((p) => [p.type, p.value]));
  return { y: Number(parts.year), m: Number(parts.month), d: Number(parts.day) };
}

/** dd/mm/yyyy of an instant, in Vietnam time. */
export function formatVietnamDate(at: Date | number): string {
  const { y, m, d } = vietnamDay(at);
  return `${String(d).padStart(2, "0")}/${String(m).padStart(2, "0")}/${y}`;
}

/** dd/mm/yyyy of a calendar date stored as UTC midnight (a @db.Date column). */
export function formatCalendarDate(date: Date): string {
  const d = String(date.getUTCDate()).padStart(2, "0");
  const m = String(date.getUTCMonth() + 1).padStart(2, "0");
  return `${d}/${m}/${date.getUTCFullYear()}`;
}

const timeParts = new Intl.DateTimeFormat("en-GB", {
  timeZone: TIME_ZONE,
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/** HH:mm:ss of an instant, in Vietnam time. */
export function formatVietnamTime(at: Date | number): string {
  const parts = Object.fromEntries(timeParts.formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.hour}:${parts.minute}:${parts.second}`;
}

/** dd/mm/yyyy HH:mm:ss of an instant, in Vietnam time. */
export function formatVietnamDateTime(at: Date | number): string {
  return `${formatVietnamDate(at)} ${formatVietnamTime(at)}`;
}

// --- Calendar dates and quiet hours (21:00–07:00 Vietnam time: no reminders, no non-urgent announcements) ---

const HOUR_MS = 3_600_000;
/** Vietnam has no daylight saving time: local time is UTC+7 all year. */
const VN_OFFSET_MS = 7 * HOUR_MS;
export const QUIET_FROM_HOUR = 21;
export const QUIET_UNTIL_HOUR = 7;

/** The date in Vietnam at `at`, as a calendar date (UTC midnight, like a @db.Date column). */
export function vietnamDate(at: Date | number): Date {
  const local = new Date(new Date(at).getTime() + VN_OFFSET_MS);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()));
}

/** The instant a calendar date (UTC midnight) begins in Vietnam. */
export function vietnamDayStart(date: Date): Date {
  return new Date(date.getTime() - VN_OFFSET_MS);
}

export function isQuietHours(now: Date): boolean {
  const hour = new Date(now.getTime() + VN_OFFSET_MS).getUTCHours();
  return hour >= QUIET_FROM_HOUR || hour < QUIET_UNTIL_HOUR;
}

/** Parses "dd/mm/yyyy HH:mm" as Vietnam time; null when it is not a real date and time. */
export function parseVietnamDateTime(text: string): Date | null {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s+(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (!m) return null;
  const [d, mo, y, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59) return null;
  const utc = Date.UTC(y, mo - 1, d, h, mi);
  const check = new Date(utc);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return null;
  return new Date(utc - VN_OFFSET_MS);
}

/** dd/mm/yyyy HH:mm of an instant, in Vietnam time. */
export function formatVietnamMinute(at: Date | number): string {
  return `${formatVietnamDate(at)} ${formatVietnamTime(at).slice(0, 5)}`;
}
