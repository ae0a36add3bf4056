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
