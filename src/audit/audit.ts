// The audit log of privileged actions: who, what, when, which unit, before and after. Write it in the
// same transaction as the action, so an action is never recorded without its audit entry or vice versa.
import type { Prisma } from "../generated/prisma/client.ts";

type Tx = Pick<Prisma.TransactionClient, "auditLog">;

export interface AuditEntry {
  /** Null when the operator CLI acted. */
  actorId: string | null;
  action: string;
  unitId?: string | null;
  targetType?: string;
  targetId?: string;
  before?: Prisma.InputJsonValue;
  after?: Prisma.InputJsonValue;
}

export async function writeAudit(tx: Tx, entry: AuditEntry): Promise<void> {
  await tx.auditLog.create({ data: entry });
}
