// Role grants: admin (everything), officer (a unit and everything under it), chair (one grassroots
// union). Who may do what with them is decided in src/policy, not here.
import type { Role } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";

export interface RoleScope {
  role: Role;
  unitId: string | null;
}

export async function rolesOf(prisma: PrismaClient, personId: string): Promise<RoleScope[]> {
  return prisma.roleGrant.findMany({ where: { personId }, select: { role: true, unitId: true } });
}

export async function grantRole(
  prisma: PrismaClient,
  grant: { personId: string; role: Role; unitId: string | null; grantedById: string | null },
): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const existing = await tx.roleGrant.findFirst({
      where: { personId: grant.personId, role: grant.role, unitId: grant.unitId },
    });
    if (existing) return;
    const created = await tx.roleGrant.create({ data: grant });
    await writeAudit(tx, {
      actorId: grant.grantedById,
      action: "role.grant",
      unitId: grant.unitId,
      targetType: "Person",
      targetId: grant.personId,
      after: { role: grant.role, grantId: created.id },
    });
  });
}

/** People holding `role` on exactly this unit. */
export async function holdersOf(prisma: PrismaClient, role: Role, unitId: string | null) {
  return prisma.roleGrant.findMany({ where: { role, unitId }, select: { personId: true } });
}
