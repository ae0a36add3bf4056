// The one place that decides who may do what. Deny by default: an action not in RULES, or a role not
// listed for it, is refused. Scope follows the union tree: an officer acts on their unit and everything
// under it; a chair acts on their own grassroots union only; an admin acts everywhere.
import type { Role } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import { ancestorIds } from "../organisation/units.ts";
import { rolesOf, type RoleScope } from "../organisation/roles.ts";

export type Action = "application.decide" | "application.view" | "role.grant";

/** Where an action applies: a unit, with its ancestors (nearest first, the unit itself included). */
export interface UnitTarget {
  unitId: string;
  ancestors: string[];
}

type Scope = "own-unit" | "subtree" | "everywhere";

/** For each action, the roles allowed and how far their scope reaches. ADMIN is implicit everywhere. */
const RULES: Record<Action, Partial<Record<Role, Scope>>> = {
  "application.decide": { CHAIR: "own-unit", DEPUTY_CHAIR: "own-unit", OFFICER: "subtree" },
  "application.view": { CHAIR: "own-unit", DEPUTY_CHAIR: "own-unit", OFFICER: "subtree" },
  "role.grant": { OFFICER: "subtree" },
};

export function can(roles: RoleScope[], action: Action, target: UnitTarget): boolean {
  const rule = Object.hasOwn(RULES, action) ? RULES[action] : undefined;
  if (!rule) return false;
  return roles.some((grant) => {
    if (grant.role === "ADMIN") return true;
    const scope = rule[grant.role];
    if (!scope || !grant.unitId) return false;
    if (scope === "everywhere") return true;
    if (scope === "own-unit") return grant.unitId === target.unitId;
    return target.ancestors.includes(grant.unitId);
  });
}

export async function unitTarget(prisma: PrismaClient, unitId: string): Promise<UnitTarget> {
  return { unitId, ancestors: await ancestorIds(prisma, unitId) };
}

/**
 * Checks `action` for a person against a unit. A refusal is written to the audit log: repeated
 * refusals are how forged buttons and probing show up.
 */
export async function authorize(
  prisma: PrismaClient,
  personId: string,
  action: Action,
  unitId: string,
): Promise<boolean> {
  const [roles, target] = await Promise.all([rolesOf(prisma, personId), unitTarget(prisma, unitId)]);
  const allowed = can(roles, action, target);
  if (!allowed) {
    await writeAudit(prisma, { actorId: personId, action: `denied:${action}`, unitId });
  }
  return allowed;
}
