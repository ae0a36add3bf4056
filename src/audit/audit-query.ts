// Reading the audit log: filtered, newest first, a page at a time (keyset pagination by (at, id), so a
// page is stable while new entries arrive), and as rows for a spreadsheet. Actors are shown by what an
// admin needs to tell them apart and nothing more: their Telegram id and their roles, or "CLI" for the
// operator. Nothing here knows Telegram beyond the fact that a person may have a Telegram identity.
import type { Prisma, Role } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { tFor, type Lang } from "../i18n/i18n.ts";
import { formatApplicationRef, formatMemberNumber } from "../membership/numbers.ts";
import { findUnitByCode } from "../organisation/units.ts";
import { formatVietnamDateTime } from "../shared/time.ts";
import { writeAudit } from "./audit.ts";

/**
 * Every action written to the audit log, and every policy action (refusals are written as
 * `denied:<action>`). Each has a label under `audit.actions.<action>` in every language; the test
 * test/audit/audit-actions.test.ts checks that every action string in src/ is listed here.
 */
export const AUDIT_ACTIONS = [
  "application.approve",
  "application.reject",
  "application.decide",
  "application.view",
  "role.grant",
  "role.revoke",
  "invite.create",
  "invite.redeem",
  "invite.revoke",
  "unit.import",
  "unit.export",
  "poster.create",
  "member.list",
  "member.leave",
  "member.import",
  "audit.read",
  "audit.export",
  "campaign.manage",
  "campaign.create",
  "target.set",
  "target.view",
  "target.import",
  "report.submit",
  "report.status",
  "report.nudge",
  "summary.view",
  "summary.export",
  "export.data",
  "export.personal",
  "broadcast.create",
  "broadcast.view",
  "broadcast.edit",
  "broadcast.cancel",
  "privacy.view",
  "privacy.correction.decide",
  "privacy.correction.apply",
  "privacy.correction.request",
  "privacy.correction.accept",
  "privacy.correction.refuse",
  "privacy.withdraw",
  "privacy.erase",
  "privacy.erasure.request",
  "privacy.erasure.decide",
  "privacy.erasure.refuse",
  "privacy.link",
  "privacy.unlink",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

const DENIED = "denied:";

/** Kinds of audit targets with a label under `audit.targets.<type>`; others show as stored. */
export const TARGET_TYPES = ["Person", "Application", "Member", "Unit", "Invite", "RoleGrant", "Broadcast", "DataRequest"] as const;
type TargetType = (typeof TARGET_TYPES)[number];
const isTargetType = (type: string): type is TargetType => (TARGET_TYPES as readonly string[]).includes(type);

export function isAuditAction(action: string): action is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(action);
}

/** The label of an action in the reader's language; an action nobody labelled yet shows as it is stored. */
export function actionLabel(t: (key: string, options?: Record<string, unknown>) => string, action: string): string {
  if (action.startsWith(DENIED)) {
    const inner = action.slice(DENIED.length);
    return t("audit.denied", { action: isAuditAction(inner) ? t(`audit.actions.${inner}`) : inner });
  }
  return isAuditAction(action) ? t(`audit.actions.${action}`) : action;
}

export interface AuditFilter {
  unitCode?: string;
  /** The actor's Telegram user id. */
  telegramId?: string;
  /** Exact action, e.g. "invite.create" or "denied:audit.read". */
  action?: string;
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

export interface AuditQuery extends AuditFilter {
  limit: number;
  /** The id of an entry of a page already shown; the page starts right after it. */
  cursor?: string;
  /** From the cursor towards older entries (the default) or newer ones. */
  direction?: "older" | "newer";
}

export interface AuditActor {
  /** False for the operator CLI. */
  person: boolean;
  telegramId: string | null;
  roles: { role: Role; unitCode: string | null }[];
}

export interface AuditView {
  id: string;
  at: Date;
  action: string;
  actor: AuditActor;
  unit: { code: string; name: string } | null;
  target: { type: string; id: string; ref: string | null } | null;
  before: Prisma.JsonValue | null;
  after: Prisma.JsonValue | null;
}

export type AuditPage =
  | {
      ok: true;
      entries: AuditView[];
      /** Cursors for the neighbouring pages, null when there is none. */
      newer: string | null;
      older: string | null;
    }
  | { ok: false; reason: "unknown_unit" | "unknown_person" };

const CURSOR = /^[a-z0-9]{20,32}$/;

type Resolved = { ok: true; where: Prisma.AuditLogWhereInput } | { ok: false; reason: "unknown_unit" | "unknown_person" };

async function resolveFilter(prisma: PrismaClient, filter: AuditFilter): Promise<Resolved> {
  const where: Prisma.AuditLogWhereInput[] = [];
  if (filter.unitCode !== undefined) {
    const unit = await findUnitByCode(prisma, filter.unitCode);
    if (!unit) return { ok: false, reason: "unknown_unit" };
    where.push({ unitId: unit.id });
  }
  if (filter.telegramId !== undefined) {
    const identity = await prisma.chatIdentity.findUnique({
      where: { channel_externalId: { channel: "TELEGRAM", externalId: filter.telegramId.trim() } },
      select: { personId: true },
    });
    if (!identity) return { ok: false, reason: "unknown_person" };
    where.push({ actorId: identity.personId });
  }
  if (filter.action !== undefined) where.push({ action: filter.action });
  if (filter.from) where.push({ at: { gte: filter.from } });
  if (filter.to) where.push({ at: { lt: filter.to } });
  return { ok: true, where: { AND: where } };
}

const olderThan = (e: { at: Date; id: string }): Prisma.AuditLogWhereInput => ({
  OR: [{ at: { lt: e.at } }, { at: e.at, id: { lt: e.id } }],
});
const newerThan = (e: { at: Date; id: string }): Prisma.AuditLogWhereInput => ({
  OR: [{ at: { gt: e.at } }, { at: e.at, id: { gt: e.id } }],
});
const NEWEST_FIRST = [{ at: "desc" }, { id: "desc" }] as const satisfies Prisma.AuditLogOrderByWithRelationInput[];
const OLDEST_FIRST = [{ at: "asc" }, { id: "asc" }] as const satisfies Prisma.AuditLogOrderByWithRelationInput[];

type Row = Prisma.AuditLogGetPayload<object>;

/**
 * One page of the audit log, newest first. A cursor that names no entry (stale or forged) is ignored:
 * the first page is returned.
 */
export async function queryAudit(prisma: PrismaClient, query: AuditQuery): Promise<AuditPage> {
  const resolved = await resolveFilter(prisma, query);
  if (!resolved.ok) return resolved;
  const limit = Math.max(1, Math.min(query.limit, 1000));
  const anchor =
    query.cursor && CURSOR.test(query.cursor)
      ? await prisma.auditLog.findUnique({ where: { id: query.cursor }, select: { at: true, id: true } })
      : null;

  let rows: Row[];
  if (anchor && query.direction === "newer") {
    rows = (
      await prisma.auditLog.findMany({ where: { AND: [resolved.where, newerThan(anchor)] }, orderBy: [...OLDEST_FIRST], take: limit })
    ).reverse();
  } else {
    const where = anchor ? { AND: [resolved.where, olderThan(anchor)] } : resolved.where;
    rows = await prisma.auditLog.findMany({ where, orderBy: [...NEWEST_FIRST], take: limit });
  }

  const first = rows[0];
  const last = rows.at(-1);
  const exists = async (where: Prisma.AuditLogWhereInput) => (await prisma.auditLog.findFirst({ where, select: { id: true } })) !== null;
  const [hasNewer, hasOlder] = await Promise.all([
    first ? exists({ AND: [resolved.where, newerThan(first)] }) : false,
    last ? exists({ AND: [resolved.where, olderThan(last)] }) : false,
  ]);
  return {
    ok: true,
    entries: await describe(prisma, rows),
    newer: hasNewer && first ? first.id : null,
    older: hasOlder && last ? last.id : null,
  };
}

/** Actors, units and targets of a batch of rows, looked up in a few queries. */
async function describe(prisma: PrismaClient, rows: Row[]): Promise<AuditView[]> {
  const ids = (pick: (r: Row) => string | null | undefined) => [...new Set(rows.map(pick).filter((x): x is string => !!x))];
  const targetIds = (type: string) => ids((r) => (r.targetType === type ? r.targetId : null));
  const actorIds = ids((r) => r.actorId);
  const personTargets = targetIds("Person");
  const people = [...new Set([...actorIds, ...personTargets])];

  const [identities, grants, units, applications, members, targetUnits] = await Promise.all([
    prisma.chatIdentity.findMany({
      where: { personId: { in: people }, channel: "TELEGRAM" },
      select: { personId: true, externalId: true },
      orderBy: { createdAt: "asc" },
    }),
    prisma.roleGrant.findMany({
      where: { personId: { in: actorIds } },
      select: { personId: true, role: true, unit: { select: { code: true } } },
      orderBy: [{ role: "asc" }, { createdAt: "asc" }],
    }),
    prisma.unit.findMany({ where: { id: { in: ids((r) => r.unitId) } }, select: { id: true, code: true, name: true } }),
    prisma.application.findMany({ where: { id: { in: targetIds("Application") } }, select: { id: true, ref: true } }),
    prisma.member.findMany({ where: { id: { in: targetIds("Member") } }, select: { id: true, number: true } }),
    prisma.unit.findMany({ where: { id: { in: targetIds("Unit") } }, select: { id: true, code: true } }),
  ]);

  const telegramOf = new Map<string, string>();
  for (const i of identities) if (!telegramOf.has(i.personId)) telegramOf.set(i.personId, i.externalId);
  const rolesOf = new Map<string, AuditActor["roles"]>();
  for (const g of grants) {
    const list = rolesOf.get(g.personId) ?? [];
    list.push({ role: g.role, unitCode: g.unit?.code ?? null });
    rolesOf.set(g.personId, list);
  }
  const unitById = new Map(units.map((u) => [u.id, { code: u.code, name: u.name }]));
  const refs = new Map<string, string>([
    ...applications.map((a) => [`Application:${a.id}`, formatApplicationRef(a.ref)] as const),
    ...members.map((m) => [`Member:${m.id}`, formatMemberNumber(m.number)] as const),
    ...targetUnits.map((u) => [`Unit:${u.id}`, u.code] as const),
    ...personTargets.flatMap((p) => (telegramOf.has(p) ? [[`Person:${p}`, `tg ${telegramOf.get(p)}`] as const] : [])),
  ]);

  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    action: r.action,
    actor: r.actorId
      ? { person: true, telegramId: telegramOf.get(r.actorId) ?? null, roles: rolesOf.get(r.actorId) ?? [] }
      : { person: false, telegramId: null, roles: [] },
    unit: r.unitId ? (unitById.get(r.unitId) ?? null) : null,
    target: r.targetType && r.targetId ? { type: r.targetType, id: r.targetId, ref: refs.get(`${r.targetType}:${r.targetId}`) ?? null } : null,
    before: r.before ?? null,
    after: r.after ?? null,
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Export

export const EXPORT_COLUMNS = ["at", "actor", "action", "unit", "target", "before", "after"] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];
const WIDTHS: Record<ExportColumn, number> = { at: 20, actor: 32, action: 30, unit: 40, target: 24, before: 40, after: 40 };
/** Longest JSON shown in a cell (Excel's limit is 32 767 characters). */
const JSON_CELL_MAX = 4000;
/** An export is for reading, not for backups: past this many rows, narrow the filter. */
export const EXPORT_MAX_ROWS = 50_000;

export interface AuditExport {
  columns: { header: string; key: ExportColumn; width: number }[];
  rows: Record<ExportColumn, string>[];
  /** True when there were more than EXPORT_MAX_ROWS entries and the oldest were left out. */
  truncated: boolean;
}

export function actorText(t: (key: string, options?: Record<string, unknown>) => string, actor: AuditActor): string {
  if (!actor.person) return t("audit.actor_cli");
  const who = actor.telegramId ? `tg ${actor.telegramId}` : t("audit.actor_unknown");
  if (actor.roles.length === 0) return who;
  const roles = actor.roles.map((r) => (r.unitCode ? `${t(`audit.roles.${r.role}`)} ${r.unitCode}` : t(`audit.roles.${r.role}`)));
  return `${who} (${roles.join(", ")})`;
}

export function targetText(t: (key: string) => string, target: NonNullable<AuditView["target"]>): string {
  const type = isTargetType(target.type) ? t(`audit.targets.${target.type}`) : target.type;
  return `${type} ${target.ref ?? target.id}`;
}

function jsonCell(value: Prisma.JsonValue | null): string {
  if (value === null) return "";
  const text = JSON.stringify(value);
  return text.length > JSON_CELL_MAX ? `${text.slice(0, JSON_CELL_MAX - 1)}…` : text;
}

/** The filtered log as spreadsheet rows, newest first, with headers and labels in `lang`. */
export async function exportAudit(
  prisma: PrismaClient,
  filter: AuditFilter,
  options: { lang?: Lang; maxRows?: number } = {},
): Promise<({ ok: true } & AuditExport) | { ok: false; reason: "unknown_unit" | "unknown_person" }> {
  const t = tFor(options.lang ?? "vi");
  const max = options.maxRows ?? EXPORT_MAX_ROWS;
  const rows: AuditExport["rows"] = [];
  let cursor: string | undefined;
  let truncated = false;
  for (;;) {
    const page = await queryAudit(prisma, { ...filter, limit: Math.min(500, max - rows.length), cursor });
    if (!page.ok) return page;
    for (const e of page.entries) {
      rows.push({
        at: formatVietnamDateTime(e.at),
        actor: actorText(t, e.actor),
        action: actionLabel(t, e.action),
        unit: e.unit ? `${e.unit.code} – ${e.unit.name}` : "",
        target: e.target ? targetText(t, e.target) : "",
        before: jsonCell(e.before),
        after: jsonCell(e.after),
      });
    }
    if (!page.older) break;
    if (rows.length >= max) {
      truncated = true;
      break;
    }
    cursor = page.older;
  }
  const columns = EXPORT_COLUMNS.map((key) => ({ header: t(`audit.export.columns.${key}`), key, width: WIDTHS[key] }));
  return { ok: true, columns, rows, truncated };
}

/** Records that someone exported the log: what they asked for and how many rows they got. */
export async function recordExport(
  prisma: PrismaClient,
  input: { actorId: string | null; filter: AuditFilter; rows: number; truncated: boolean },
): Promise<void> {
  const filter = Object.fromEntries(
    Object.entries(input.filter)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  ) as Prisma.InputJsonObject;
  await writeAudit(prisma, {
    actorId: input.actorId,
    action: "audit.export",
    after: { filter, rows: input.rows, truncated: input.truncated },
  });
}
