// The one place that decides who may do what. Deny by default: an action not in RULES, or a role not
// listed for it, is refused. Scope follows the union tree: an officer acts on their unit and everything
// under it; a chair acts on their own grassroots union only; an admin acts everywhere.
import type { Role } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import { ancestorIds, subtreeIds } from "../organisation/units.ts";
import { rolesOf, type RoleScope } from "../organisation/roles.ts";

export type Action = "application.decide" | "application.view" | "role.grant" | "invite.create" | "invite.revoke"
  | "member.list" | "member.leave" | "member.import" | "audit.read" | "poster.create"
  | "unit.import" | "unit.export"
  | "report.submit" | "report.status" | "report.nudge"
  | "campaign.manage" | "target.set" | "target.view"
  | "summary.view" | "export.data" | "export.personal"
  | "broadcast.create" | "broadcast.view" | "broadcast.edit" | "broadcast.cancel"
  | "privacy.correction.decide" | "privacy.erasure.decide";

/** Where an action applies: a unit, with its ancestors (nearest first, the unit itself included). */
export interface UnitTarget {
  unitId: string;
  ancestors: string[];
}

/** "below": the units under the grant's unit, not that unit itself (a unit's own target is set by the level above). */
type Scope = "own-unit" | "subtree" | "below" | "everywhere";

/** For each action, the roles allowed and how far their scope reaches. ADMIN is implicit everywhere. */
const RULES: Record<Action, Partial<Record<Role, Scope>>> = {
  "application.decide": { CHAIR: "own-unit", DEPUTY_CHAIR: "own-unit", OFFICER: "subtree" },
  "application.view": { CHAIR: "own-unit", DEPUTY_CHAIR: "own-unit", OFFICER: "subtree" },
  "role.grant": { OFFICER: "subtree" },
  // Invite links that make someone chair, deputy chair or officer of a unit (src/organisation/invites.ts).
  "invite.create": { OFFICER: "subtree" },
  "invite.revoke": { OFFICER: "subtree" },
  // Member records of a grassroots union (src/membership/members.ts, member-import.ts).
  "member.list": { CHAIR: "own-unit", DEPUTY_CHAIR: "own-unit", OFFICER: "subtree" },
  "member.leave": { CHAIR: "own-unit", DEPUTY_CHAIR: "own-unit", OFFICER: "subtree" },
  "member.import": { CHAIR: "own-unit", DEPUTY_CHAIR: "own-unit", OFFICER: "subtree" },
  // Reading and exporting the audit log (/audit, /audit_export): admins only.
  "audit.read": {},
  // Join posters (QR code and A4 PDF) of a grassroots union (src/organisation/posters.ts).
  "poster.create": { CHAIR: "own-unit", DEPUTY_CHAIR: "own-unit", OFFICER: "subtree" },
  // Importing and exporting units from spreadsheets (src/organisation/unit-import.ts): every unit touched, and its parent.
  "unit.import": { OFFICER: "subtree" },
  "unit.export": { OFFICER: "subtree" },
  // Weekly reports of a union (src/drive/reports.ts): its chair or deputy, or an officer above it.
  "report.submit": { CHAIR: "own-unit", DEPUTY_CHAIR: "own-unit", OFFICER: "subtree" },
  // Who has and has not reported in a subtree (/report_status), and nudging the missing ones.
  "report.status": { OFFICER: "subtree" },
  "report.nudge": { OFFICER: "subtree" },
  // Campaigns and their waves, on the issuing unit (src/drive/campaigns.ts).
  // Targets (chỉ tiêu, src/drive/targets.ts) are assigned by the level above (cấp trên giao chỉ tiêu): an officer sets
  // them for the units below their own, never for their own unit; the top unit's targets are set by admins.
  "campaign.manage": { OFFICER: "subtree" },
  "target.set": { OFFICER: "below" },
  "target.view": { CHAIR: "own-unit", DEPUTY_CHAIR: "own-unit", OFFICER: "subtree" },
  // The summary of a unit's children against targets (/summary, src/summary/), and exports of a unit's numbers,
  // units, reports, applications and members (/export, CLI export). Personal data columns in exports (names,
  // phones, birth dates) only for the union's own chair or deputy and admins: an officer's export of a whole subtree
  // carries numbers and member numbers, not people (data minimisation, PDPL 91/2025).
  "summary.view": { CHAIR: "own-unit", DEPUTY_CHAIR: "own-unit", OFFICER: "subtree" },
  "export.data": { CHAIR: "own-unit", DEPUTY_CHAIR: "own-unit", OFFICER: "subtree" },
  "export.personal": { CHAIR: "own-unit", DEPUTY_CHAIR: "own-unit" },
  // Broadcasts (src/broadcasts/) to an audience within a unit's subtree; to everyone everywhere (no unit): admins only.
  "broadcast.create": { OFFICER: "subtree" },
  "broadcast.view": { OFFICER: "subtree" },
  "broadcast.edit": { OFFICER: "subtree" },
  "broadcast.cancel": { OFFICER: "subtree" },
  // A member's own requests under Law 91/2025 (src/privacy/): a correction of their record, the erasure of their data.
  // Their union's chair or deputy decides; what the law leaves no choice about, the bot carries out itself.
  "privacy.correction.decide": { CHAIR: "own-unit", DEPUTY_CHAIR: "own-unit" },
  "privacy.erasure.decide": { CHAIR: "own-unit", DEPUTY_CHAIR: "own-unit" },
};

/** A deputy chair (phó chủ tịch CĐCS) acts like the chair of their union wherever a rule does not name them. */
function scopeOf(rule: Partial<Record<Role, Scope>>, role: Role): Scope | undefined {
  return rule[role] ?? (role === "DEPUTY_CHAIR" ? rule.CHAIR : undefined);
}

export function can(roles: RoleScope[], action: Action, target: UnitTarget): boolean {
  const rule = Object.hasOwn(RULES, action) ? RULES[action] : undefined;
  if (!rule) return false;
  return roles.some((grant) => {
    if (grant.role === "ADMIN") return true;
    const scope = scopeOf(rule, grant.role);
    if (!scope || !grant.unitId) return false;
    if (scope === "everywhere") return true;
    if (scope === "own-unit") return grant.unitId === target.unitId;
    if (scope === "below") return grant.unitId !== target.unitId && target.ancestors.includes(grant.unitId);
    return target.ancestors.includes(grant.unitId);
  });
}

export async function unitTarget(prisma: PrismaClient, unitId: string): Promise<UnitTarget> {
  return { unitId, ancestors: await ancestorIds(prisma, unitId) };
}

/** The target of an action that is about no unit in particular: only ADMIN and "everywhere" scopes reach it. */
const NO_UNIT: UnitTarget = { unitId: "", ancestors: [] };

/**
 * Checks `action` for a person against a unit (null: an action on no unit in particular). A refusal is
 * written to the audit log: repeated refusals are how forged buttons and probing show up.
 */
export async function authorize(
  prisma: PrismaClient,
  personId: string,
  action: Action,
  unitId: string | null,
): Promise<boolean> {
  const [roles, target] = await Promise.all([rolesOf(prisma, personId), unitId ? unitTarget(prisma, unitId) : NO_UNIT]);
  const allowed = can(roles, action, target);
  if (!allowed) {
    await writeAudit(prisma, { actorId: personId, action: `denied:${action}`, unitId });
  }
  return allowed;
}

/**
 * The units on which a person may do `action`: "everywhere" for admins, otherwise the ids of the units
 * their grants reach (whole subtrees for subtree scopes). For narrowing searches and lists; acting on
 * one of them still goes through `authorize`.
 */
export async function unitsWhere(prisma: PrismaClient, personId: string, action: Action): Promise<"everywhere" | string[]> {
  const rule = Object.hasOwn(RULES, action) ? RULES[action] : undefined;
  if (!rule) return [];
  const roles = await rolesOf(prisma, personId);
  if (roles.some((grant) => grant.role === "ADMIN")) return "everywhere";
  const ids = new Set<string>();
  for (const grant of roles) {
    const scope = scopeOf(rule, grant.role);
    if (!scope || !grant.unitId) continue;
    if (scope === "everywhere") return "everywhere";
    if (scope === "own-unit") ids.add(grant.unitId);
    else for (const id of await subtreeIds(prisma, grant.unitId)) if (scope !== "below" || id !== grant.unitId) ids.add(id);
  }
  return [...ids];
}
