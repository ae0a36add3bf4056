// A data subject's request (Law 91/2025) as the union receives it: one row with its legal deadline, written with its
// audit entry in the caller's transaction. Corrections and erasures open theirs here, so both count the deadline alike.
import { writeAudit } from "../audit/audit.ts";
import type { DataRequestKind, Prisma } from "../generated/prisma/client.ts";

type Tx = Pick<Prisma.TransactionClient, "auditLog" | "dataRequest">;

const DAY_MS = 86_400_000;

export interface OpenRequest {
  kind: DataRequestKind;
  personId: string;
  /** The union whose chair or deputy decides. */
  unitId: string;
  /** Days the union has to answer (DATA_REQUEST_DAYS). */
  days: number;
  now: Date;
  /** CORRECTION: the field and the value asked for. */
  field?: string;
  value?: string;
  /** What the audit entry is about, when it is not the request itself (a correction names the member record). */
  target?: { type: string; id: string };
}

export async function openDataRequest(tx: Tx, input: OpenRequest): Promise<{ id: string; dueAt: Date }> {
  const dueAt = new Date(input.now.getTime() + input.days * DAY_MS);
  const request = await tx.dataRequest.create({
    data: { kind: input.kind, personId: input.personId, unitId: input.unitId, field: input.field, value: input.value, dueAt, createdAt: input.now },
    select: { id: true },
  });
  await writeAudit(tx, {
    actorId: input.personId,
    action: input.kind === "CORRECTION" ? "privacy.correction.request" : "privacy.erasure.request",
    unitId: input.unitId,
    targetType: input.target?.type ?? "DataRequest",
    targetId: input.target?.id ?? request.id,
    // Never the value asked for: the audit log outlives corrections.
    after: { kind: input.kind, ...(input.field ? { field: input.field } : {}), requestId: request.id, dueAt: dueAt.toISOString() },
  });
  return { id: request.id, dueAt };
}

/**
 * Requests still waiting for their union's decision whose deadline is within `withinDays` (or passed), oldest due
 * first, with the whole days left (0 or less: overdue).
 */
export async function requestsNearingDue(prisma: Pick<Prisma.TransactionClient, "dataRequest">, now: Date, withinDays: number) {
  const requests = await prisma.dataRequest.findMany({
    where: { status: "PENDING", unitId: { not: null }, dueAt: { lte: new Date(now.getTime() + withinDays * DAY_MS) } },
    orderBy: { dueAt: "asc" },
    select: { id: true, kind: true, dueAt: true },
  });
  return requests.map((r) => ({ ...r, daysLeft: Math.ceil((r.dueAt.getTime() - now.getTime()) / DAY_MS) }));
}
