// Member records (sổ đoàn viên) for the chairs of grassroots unions: listing and searching a union's members, and
// recording a member leaving (giảm đoàn viên) with a reason and a date. Knows nothing of chat platforms; every
// privileged change is checked by the policy and audited in the transaction that makes it.
import type { LeaveReason, MemberSource, Prisma, Sex } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import { authorize } from "../policy/policy.ts";
import { toSearchText } from "../shared/text.ts";
import { vietnamDay, type CalendarDay } from "../shared/time.ts";
import { calendarDayToDate, dateToCalendarDay, type FieldResult } from "./application-fields.ts";
import { compareDays } from "./eligibility.ts";

export const LEAVE_REASONS = ["CHANGED_JOB", "LEFT_COMPANY", "RESIGNED", "DECEASED", "OTHER"] as const satisfies readonly LeaveReason[];
export const LEAVE_NOTE_MAX = 300;
export const DEFAULT_PAGE_SIZE = 10;
/** A search is at most this many characters of its search form (it also has to fit in button data). */
export const QUERY_MAX = 24;

export function isLeaveReason(value: unknown): value is LeaveReason {
  return typeof value === "string" && (LEAVE_REASONS as readonly string[]).includes(value);
}

export interface MemberView {
  id: string;
  number: number;
  unitId: string;
  fullName: string;
  phone: string | null;
  birthDate: Date | null;
  sex: Sex | null;
  source: MemberSource;
  joinedAt: Date;
  leftOn: Date | null;
  leaveReason: LeaveReason | null;
  leaveNote: string | null;
}

const memberView = {
  id: true,
  number: true,
  unitId: true,
  fullName: true,
  phone: true,
  birthDate: true,
  sex: true,
  source: true,
  joinedAt: true,
  leftOn: true,
  leaveReason: true,
  leaveNote: true,
} as const satisfies Prisma.MemberSelect;

/**
 * The search form of what a person typed to find a member: lower-case letters, digits and single spaces, without
 * diacritics, at most QUERY_MAX characters ("  Nguyễn   LAN " → "nguyen lan").
 */
export function normaliseMemberQuery(raw: string | undefined | null): string {
  if (!raw) return "";
  return toSearchText(raw.slice(0, 200))
    .replace(/[^a-z0-9 ]/g, " ")
    .replace(/ +/g, " ")
    .trim()
    .slice(0, QUERY_MAX)
    .trim();
}

/** Where a search goes: only digits (with phone separators) look for a phone number, anything else for a name. */
function searchFilter(query: string): Prisma.MemberWhereInput {
  const q = normaliseMemberQuery(query);
  if (q === "") return {};
  if (/^[\d ]+$/.test(q)) {
    // Phones are stored as E.164 (+84912345678): "0912 345" and "84912345" both look for "912345".
    const digits = q.replace(/ /g, "").replace(/^0+/, "").replace(/^84(?=\d{6,})/, "");
    return digits ? { phone: { contains: digits } } : {};
  }
  const words = q.split(" ").filter(Boolean).slice(0, 6);
  return { AND: words.map((w) => ({ searchName: { contains: w } })) };
}

export interface MemberPage {
  items: MemberView[];
  total: number;
  /** 1-based, clamped to the pages there are. */
  page: number;
  /** At least 1, even when there is nobody. */
  pages: number;
}

/**
 * One page of a union's members, ordered by name (diacritics-free) and member number. `query` finds names without
 * diacritics ("lan" finds "Lan", "Lân", "Lan Anh") or phone digits. Members who left are left out unless
 * `includeLeft`. Who may see the list is for the caller to check ("member.list").
 */
export async function listMembers(
  prisma: PrismaClient,
  options: { unitId: string; query?: string; page: number; pageSize?: number; includeLeft?: boolean },
): Promise<MemberPage> {
  const pageSize = Math.max(1, Math.min(100, Math.trunc(options.pageSize ?? DEFAULT_PAGE_SIZE)));
  const where: Prisma.MemberWhereInput = {
    unitId: options.unitId,
    ...(options.includeLeft ? {} : { leftOn: null }),
    ...searchFilter(options.query ?? ""),
  };
  const total = await prisma.member.count({ where });
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const requested = Number.isFinite(options.page) ? Math.trunc(options.page) : 1;
  const page = Math.min(Math.max(1, requested), pages);
  const items = await prisma.member.findMany({
    where,
    select: memberView,
    orderBy: [{ searchName: "asc" }, { number: "asc" }],
    skip: (page - 1) * pageSize,
    take: pageSize,
  });
  return { items, total, page, pages };
}

export async function findMember(prisma: PrismaClient, memberId: string): Promise<MemberView | null> {
  return prisma.member.findUnique({ where: { id: memberId }, select: memberView });
}

// ---------------------------------------------------------------------------------------------------------------
// Dates typed by chairs

export const MEMBER_ERRORS = {
  dateFormat: "members.errors.date_format",
  dateNotReal: "members.errors.date_not_real",
  dateFuture: "members.errors.date_future",
  dateBeforeJoined: "members.errors.date_before_joined",
  noteTooLong: "members.errors.note_too_long",
} as const;

const DAY_FIRST = /^(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})$/;
const YEAR_FIRST = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

/** A calendar date written day first (05/09/2025, 5/9/2025, 05-09-2025, 05.09.2025) or as ISO 2025-09-05. */
export function parseDayFirstDate(raw: string): FieldResult<CalendarDay> {
  const s = raw.trim();
  if (s.length > 40) return { ok: false, error: { key: MEMBER_ERRORS.dateFormat } };
  const dayFirst = DAY_FIRST.exec(s);
  const yearFirst = dayFirst ? null : YEAR_FIRST.exec(s);
  let y: number, m: number, d: number;
  if (dayFirst) [d, m, y] = [Number(dayFirst[1]), Number(dayFirst[2]), Number(dayFirst[3])];
  else if (yearFirst) [y, m, d] = [Number(yearFirst[1]), Number(yearFirst[2]), Number(yearFirst[3])];
  else return { ok: false, error: { key: MEMBER_ERRORS.dateFormat } };
  const date = calendarDayToDate({ y, m, d });
  const back = dateToCalendarDay(date);
  if (y < 1900 || m < 1 || m > 12 || back.y !== y || back.m !== m || back.d !== d) {
    return { ok: false, error: { key: MEMBER_ERRORS.dateNotReal, params: { date: s } } };
  }
  return { ok: true, value: { y, m, d } };
}

/** The day a member joined, in Vietnam (joinedAt is an instant). */
export function joinedDay(joinedAt: Date): CalendarDay {
  return vietnamDay(joinedAt);
}

/** Checks a leaving date: not after `today` (Vietnam), not before the day the member joined. */
export function checkLeaveDay(day: CalendarDay, limits: { today: CalendarDay; joined: CalendarDay }): FieldResult<CalendarDay> {
  if (compareDays(day, limits.today) > 0) return { ok: false, error: { key: MEMBER_ERRORS.dateFuture } };
  if (compareDays(day, limits.joined) < 0) {
    const { y, m, d } = limits.joined;
    const joined = `${String(d).padStart(2, "0")}/${String(m).padStart(2, "0")}/${y}`;
    return { ok: false, error: { key: MEMBER_ERRORS.dateBeforeJoined, params: { joined } } };
  }
  return { ok: true, value: day };
}

// ---------------------------------------------------------------------------------------------------------------
// Recording a member leaving

export type LeaveResult =
  | { ok: true; member: MemberView }
  | { ok: false; reason: "not_found" | "forbidden" | "already_left" | "future_date" | "before_joined" };

/**
 * Records that a member left the union (giảm đoàn viên). Checked against the policy ("member.leave" on the member's
 * union), at most once (compare-and-set on leftOn), and audited with the change in one transaction. `leftOn` is a
 * calendar day (UTC midnight, as a @db.Date column holds it); it may not be after today in Vietnam nor before the
 * day the member joined. The note stays on the member record: the audit log keeps only ids, the reason and the date.
 */
export async function recordLeaving(
  prisma: PrismaClient,
  input: { actorId: string; memberId: string; reason: LeaveReason; leftOn: Date; note?: string | null; now?: Date },
): Promise<LeaveResult> {
  const member = await prisma.member.findUnique({ where: { id: input.memberId }, select: { id: true, unitId: true, joinedAt: true } });
  if (!member) return { ok: false, reason: "not_found" };
  if (!(await authorize(prisma, input.actorId, "member.leave", member.unitId))) return { ok: false, reason: "forbidden" };
  if (!isLeaveReason(input.reason)) throw new Error("unknown leave reason");
  const day = dateToCalendarDay(input.leftOn);
  const checked = checkLeaveDay(day, { today: vietnamDay(input.now ?? new Date()), joined: joinedDay(member.joinedAt) });
  if (!checked.ok) return { ok: false, reason: checked.error.key === MEMBER_ERRORS.dateFuture ? "future_date" : "before_joined" };
  const note = input.note?.trim() ? input.note.trim().slice(0, LEAVE_NOTE_MAX) : null;
  return writeLeaving(prisma, member, { actorId: input.actorId, reason: input.reason, leftOn: calendarDayToDate(day), note });
}

/**
 * A member leaves the union by their own decision (withdrawing the membership consent, Law 91/2025): the same
 * reduction a chair records, with the reason RESIGNED and today's date in Vietnam, recorded and audited with the
 * member themself as the actor. No policy check: a person may always leave, and only their own record is touched.
 */
export async function selfLeave(prisma: PrismaClient, input: { personId: string; now?: Date }): Promise<LeaveResult> {
  const member = await prisma.member.findUnique({ where: { personId: input.personId }, select: { id: true, unitId: true, leftOn: true } });
  if (!member) return { ok: false, reason: "not_found" };
  if (member.leftOn) return { ok: false, reason: "already_left" };
  const today = vietnamDay(input.now ?? new Date());
  return writeLeaving(prisma, member, { actorId: input.personId, reason: "RESIGNED", leftOn: calendarDayToDate(today), note: null, self: true });
}

/** The leave itself, at most once (compare-and-set on leftOn), with its audit entry in the same transaction. */
function writeLeaving(
  prisma: PrismaClient,
  member: { id: string; unitId: string },
  leave: { actorId: string; reason: LeaveReason; leftOn: Date; note: string | null; self?: boolean },
): Promise<LeaveResult> {
  const { leftOn } = leave;
  return prisma.$transaction(async (tx) => {
    const changed = await tx.member.updateMany({
      where: { id: member.id, leftOn: null },
      data: { leftOn, leaveReason: leave.reason, leaveNote: leave.note, leaveRecordedById: leave.actorId },
    });
    if (changed.count === 0) return { ok: false, reason: "already_left" } as const;
    await writeAudit(tx, {
      actorId: leave.actorId,
      action: "member.leave",
      unitId: member.unitId,
      targetType: "Member",
      targetId: member.id,
      before: { leftOn: null, leaveReason: null },
      after: { leftOn: leftOn.toISOString().slice(0, 10), leaveReason: leave.reason, ...(leave.self ? { self: true } : {}) },
    });
    const saved = await tx.member.findUniqueOrThrow({ where: { id: member.id }, select: memberView });
    return { ok: true, member: saved } as const;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Which unions a person may open the member list of

export interface MemberUnit {
  id: string;
  code: string;
  name: string;
}

/** The grassroots unions a person is chair or deputy chair of, by name. */
export async function chairedUnits(prisma: PrismaClient, personId: string): Promise<MemberUnit[]> {
  const grants = await prisma.roleGrant.findMany({
    where: { personId, role: { in: ["CHAIR", "DEPUTY_CHAIR"] }, unit: { type: { in: ["GRASSROOTS", "FREELANCE_GRASSROOTS"] } } },
    select: { unit: { select: { id: true, code: true, name: true } } },
  });
  const byId = new Map<string, MemberUnit>();
  for (const g of grants) if (g.unit) byId.set(g.unit.id, g.unit);
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name, "vi"));
}

/** Whether a person picks unions by searching (officers and admins) rather than from their own chairs' list. */
export async function searchesUnits(prisma: PrismaClient, personId: string): Promise<boolean> {
  return (await prisma.roleGrant.count({ where: { personId, role: { in: ["OFFICER", "ADMIN"] } } })) > 0;
}

/**
 * Open grassroots unions whose name or code contains every word typed, within reach of the person: everywhere for
 * an admin, the subtrees of an officer's units, and the unions they chair. At most `limit`, plus whether more matched.
 */
export async function searchMemberUnits(
  prisma: PrismaClient,
  personId: string,
  query: string,
  limit = 8,
): Promise<{ units: MemberUnit[]; more: boolean }> {
  const grants = await prisma.roleGrant.findMany({ where: { personId }, select: { role: true, unitId: true } });
  const admin = grants.some((g) => g.role === "ADMIN");
  const roots = grants.filter((g) => g.unitId && g.role !== "ADMIN").map((g) => g.unitId as string);
  if (!admin && roots.length === 0) return { units: [], more: false };
  const within = admin ? undefined : await descendantIds(prisma, roots);
  const words = toSearchText(query.slice(0, 200)).split(" ").filter(Boolean).slice(0, 8);
  const units = await prisma.unit.findMany({
    where: {
      closedAt: null,
      type: { in: ["GRASSROOTS", "FREELANCE_GRASSROOTS"] },
      AND: words.map((w) => ({ OR: [{ searchName: { contains: w } }, { code: { contains: w.toUpperCase() } }] })),
      ...(within ? { id: { in: within } } : {}),
    },
    select: { id: true, code: true, name: true },
    orderBy: { name: "asc" },
    take: limit + 1,
  });
  return { units: units.slice(0, limit), more: units.length > limit };
}

/** The units and everything under them. */
async function descendantIds(prisma: PrismaClient, roots: string[]): Promise<string[]> {
  if (roots.length === 0) return [];
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    WITH RECURSIVE down AS (
      SELECT id, 0 AS depth FROM "Unit" WHERE id = ANY(${roots})
      UNION
      SELECT u.id, down.depth + 1 FROM "Unit" u JOIN down ON u."parentId" = down.id WHERE down.depth < 32
    )
    SELECT DISTINCT id FROM down`;
  return rows.map((r) => r.id);
}
