// Applications waiting for a decision: who is told of them (level by level up the union tree), the list a chair,
// deputy, officer or admin opens with /applications (oldest first, only within their scope, checked through the
// policy), and which of them have waited long enough to remind someone. Knows nothing of chat platforms.
import type { PrismaClient } from "../db/database.ts";
import type { ApplicationStatus, Role } from "../generated/prisma/client.ts";
import { writeAudit } from "../audit/audit.ts";
import { ancestorIds, findUnit, isGrassroots } from "../organisation/units.ts";
import { authorize, unitsWhere } from "../policy/policy.ts";
import { vietnamDate } from "../shared/time.ts";

const DAY = 86_400_000;

/** One level of the people who decide an application: its union's chairs, the officers of a unit above, or the admins. */
export interface DeciderLevel {
  kind: "chair" | "officer" | "admin";
  /** The union (chairs), the officers' unit, or null (admins). */
  unitId: string | null;
  personIds: string[];
}

/** People the bot can reach: some chat account, and not marked unreachable (they blocked the bot). */
const REACHABLE = { unreachableAt: null, identities: { some: {} } } as const;
const CHAIR_ROLES: Role[] = ["CHAIR", "DEPUTY_CHAIR"];

/**
 * Who decides an application routed to `routedUnitId`, nearest first: the chairs and deputies of its grassroots union,
 * then the officers of each unit above (nearest first) that has any, then the admins. Only people the bot can reach
 * count, so a union whose chair was never granted, or blocked the bot, goes straight to the officers above. Levels
 * with nobody are left out; the first level is who decides, the next is who hears when it waits too long.
 */
export async function deciderLevels(prisma: PrismaClient, routedUnitId: string): Promise<DeciderLevel[]> {
  const [routed, up] = await Promise.all([findUnit(prisma, routedUnitId), ancestorIds(prisma, routedUnitId)]);
  const grants = await prisma.roleGrant.findMany({
    where: {
      person: REACHABLE,
      OR: [{ role: { in: [...CHAIR_ROLES, "OFFICER"] }, unitId: { in: up } }, { role: "ADMIN" }],
    },
    select: { personId: true, role: true, unitId: true },
    orderBy: { createdAt: "asc" },
  });
  const levels: DeciderLevel[] = [];
  const people = (match: (g: (typeof grants)[number]) => boolean) => [...new Set(grants.filter(match).map((g) => g.personId))];
  if (routed && isGrassroots(routed)) {
    const chairs = people((g) => g.unitId === routed.id && CHAIR_ROLES.includes(g.role));
    if (chairs.length) levels.push({ kind: "chair", unitId: routed.id, personIds: chairs });
  }
  for (const unitId of up) {
    const officers = people((g) => g.role === "OFFICER" && g.unitId === unitId);
    if (officers.length) levels.push({ kind: "officer", unitId, personIds: officers });
  }
  const admins = people((g) => g.role === "ADMIN");
  if (admins.length) levels.push({ kind: "admin", unitId: null, personIds: admins });
  return levels;
}

/** Whole days an application has waited, by Vietnam calendar (sent yesterday evening: 1 day). */
export function daysWaiting(createdAt: Date, now: Date): number {
  return Math.max(0, Math.round((vietnamDate(now).getTime() - vietnamDate(createdAt).getTime()) / DAY));
}

// --- /applications ---

export const PENDING_PAGE_SIZE = 8;

export interface PendingItem {
  id: string;
  ref: number;
  fullName: string;
  createdAt: Date;
  /** The union chosen, or the upper-level union an unlisted workplace was routed to. */
  unitName: string;
}

export type PendingPage =
  | {
      ok: true;
      items: PendingItem[];
      total: number;
      /** 1-based, clamped to the pages there are. */
      page: number;
      pages: number;
      /** The viewer's scope holds more than one union: each line names its union. */
      wide: boolean;
    }
  | { ok: false; reason: "forbidden" };

/**
 * A page of the applications waiting within the viewer's scope (`application.view`: a chair's or deputy's union,
 * an officer's subtree, everything for admins), oldest first. Someone with no such scope is refused (and the refusal
 * audited, as every policy refusal is).
 */
export async function pendingApplications(
  prisma: PrismaClient,
  input: { actorId: string; page?: number; pageSize?: number },
): Promise<PendingPage> {
  const scope = await unitsWhere(prisma, input.actorId, "application.view");
  if (scope !== "everywhere" && scope.length === 0) {
    await authorize(prisma, input.actorId, "application.view", null);
    return { ok: false, reason: "forbidden" };
  }
  const size = input.pageSize ?? PENDING_PAGE_SIZE;
  const where = { status: "PENDING" as const, ...(scope === "everywhere" ? {} : { routedUnitId: { in: scope } }) };
  const total = await prisma.application.count({ where });
  const pages = Math.max(1, Math.ceil(total / size));
  const page = Math.min(Math.max(1, Math.trunc(input.page ?? 1)), pages);
  const rows = await prisma.application.findMany({
    where,
    orderBy: [{ createdAt: "asc" }, { ref: "asc" }],
    skip: (page - 1) * size,
    take: size,
    select: { id: true, ref: true, fullName: true, createdAt: true, unit: { select: { name: true } }, routedUnit: { select: { name: true } } },
  });
  return {
    ok: true,
    total,
    page,
    pages,
    wide: scope === "everywhere" || scope.length > 1,
    items: rows.map((r) => ({ id: r.id, ref: r.ref, fullName: r.fullName, createdAt: r.createdAt, unitName: (r.unit ?? r.routedUnit).name })),
  };
}

export type OpenResult =
  | { ok: true; applicationId: string }
  | { ok: false; reason: "not_found" | "forbidden" }
  | { ok: false; reason: "already_decided"; status: Exclude<ApplicationStatus, "PENDING"> };

/**
 * Opens one waiting application's card from the list: checked against the policy (a forged or forwarded button
 * shows nothing), and the view of the applicant's personal data is written to the audit log.
 */
export async function openPendingApplication(prisma: PrismaClient, input: { actorId: string; applicationId: string }): Promise<OpenResult> {
  const application = await prisma.application.findUnique({
    where: { id: input.applicationId },
    select: { id: true, status: true, routedUnitId: true },
  });
  if (!application) return { ok: false, reason: "not_found" };
  if (!(await authorize(prisma, input.actorId, "application.view", application.routedUnitId))) return { ok: false, reason: "forbidden" };
  if (application.status !== "PENDING") return { ok: false, reason: "already_decided", status: application.status };
  await writeAudit(prisma, {
    actorId: input.actorId,
    action: "application.view",
    unitId: application.routedUnitId,
    targetType: "Application",
    targetId: application.id,
  });
  return { ok: true, applicationId: application.id };
}

// --- Reminders of applications that wait ---

/** Default number of days an application waits before its deciders are reminded (twice that: the level above). */
export const DEFAULT_APPLICATION_REMINDER_DAYS = 3;

/** One reminder to one person about the applications that wait at their level. */
export interface WaitingNotice {
  /** "deciders": waiting more than `days`; "above": more than twice that, to the level above the deciders. */
  stage: "deciders" | "above";
  personId: string;
  level: DeciderLevel["kind"];
  /** The level's unit (null for admins). */
  unitId: string | null;
  /** Every application over the stage's threshold at this person's level, oldest first (what the reminder counts). */
  applicationIds: string[];
  /** Those not reminded of yet: ReminderDelivery keys, one per application and person, so each is said once. */
  newKeys: string[];
}

/**
 * The reminders due at `now` about waiting applications: to each application's deciders once it has waited `days`,
 * and to the level above them once it has waited twice that. A person appears once per stage and level, counting
 * every application waiting there; they are due only when at least one application is new to them.
 * People who turned reminders off are left out.
 */
export async function waitingNotices(prisma: PrismaClient, now: Date, days = DEFAULT_APPLICATION_REMINDER_DAYS): Promise<WaitingNotice[]> {
  const waiting = await prisma.application.findMany({
    where: { status: "PENDING", createdAt: { lte: new Date(now.getTime() - days * DAY) } },
    select: { id: true, routedUnitId: true, createdAt: true },
    orderBy: [{ createdAt: "asc" }, { ref: "asc" }],
  });
  if (waiting.length === 0) return [];
  const levelsOf = new Map<string, DeciderLevel[]>();
  for (const unitId of new Set(waiting.map((a) => a.routedUnitId))) levelsOf.set(unitId, await deciderLevels(prisma, unitId));

  const groups = new Map<string, Omit<WaitingNotice, "newKeys"> & { keys: string[] }>();
  const add = (stage: WaitingNotice["stage"], level: DeciderLevel | undefined, applicationId: string) => {
    for (const personId of level?.personIds ?? []) {
      const id = `${stage}:${level!.kind}:${level!.unitId ?? ""}:${personId}`;
      const group = groups.get(id) ?? { stage, personId, level: level!.kind, unitId: level!.unitId, applicationIds: [], keys: [] };
      group.applicationIds.push(applicationId);
      group.keys.push(`${stage === "deciders" ? "app_wait" : "app_late"}:${applicationId}:${personId}`);
      groups.set(id, group);
    }
  };
  for (const a of waiting) {
    const levels = levelsOf.get(a.routedUnitId) ?? [];
    add("deciders", levels[0], a.id);
    if (now.getTime() - a.createdAt.getTime() >= 2 * days * DAY) add("above", levels[1], a.id);
  }

  const people = [...new Set([...groups.values()].map((g) => g.personId))];
  const keys = [...groups.values()].flatMap((g) => g.keys);
  const [quiet, sent] = await Promise.all([
    prisma.person.findMany({ where: { id: { in: people }, remindersOn: false }, select: { id: true } }),
    findExistingKeys(prisma, keys),
  ]);
  const off = new Set(quiet.map((p) => p.id));
  const notices: WaitingNotice[] = [];
  for (const { keys: all, ...group } of groups.values()) {
    const newKeys = all.filter((k) => !sent.has(k));
    if (newKeys.length > 0 && !off.has(group.personId)) notices.push({ ...group, newKeys });
  }
  return notices;
}

async function findExistingKeys(prisma: PrismaClient, keys: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < keys.length; i += 5_000) {
    const rows = await prisma.reminderDelivery.findMany({ where: { key: { in: keys.slice(i, i + 5_000) } }, select: { key: true } });
    for (const r of rows) out.add(r.key);
  }
  return out;
}
