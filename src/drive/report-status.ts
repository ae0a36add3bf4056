// Report status for officers: which grassroots unions in their scope have (and have not) reported for a
// week, and a nudge to the chairs of the missing ones — at most once per union and person per day.
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import { GRASSROOTS_TYPES, subtreeIds } from "../organisation/units.ts";
import { authorize } from "../policy/policy.ts";
import { vietnamDate } from "../shared/time.ts";
import { claimDelivery, type DueReminder } from "./reminders.ts";

export interface StatusUnit {
  id: string;
  code: string;
  name: string;
}

export type ReportStatus =
  | { ok: true; unit: StatusUnit; weekStart: Date; reported: StatusUnit[]; missing: StatusUnit[] }
  | { ok: false; reason: "not_found" | "forbidden" };

const unitSelect = { id: true, code: true, name: true } as const;

export async function reportStatus(
  prisma: PrismaClient,
  input: { actorId: string; unitId: string; weekStart: Date },
): Promise<ReportStatus> {
  const unit = await prisma.unit.findUnique({ where: { id: input.unitId }, select: unitSelect });
  if (!unit) return { ok: false, reason: "not_found" };
  if (!(await authorize(prisma, input.actorId, "report.status", unit.id))) return { ok: false, reason: "forbidden" };
  const units = await prisma.unit.findMany({
    where: { id: { in: await subtreeIds(prisma, unit.id) }, type: { in: GRASSROOTS_TYPES }, closedAt: null },
    select: unitSelect,
    orderBy: { name: "asc" },
  });
  const reports = await prisma.weeklyReport.findMany({
    where: { weekStart: input.weekStart, isLatest: true, unitId: { in: units.map((u) => u.id) } },
    select: { unitId: true },
  });
  const done = new Set(reports.map((r) => r.unitId));
  return {
    ok: true,
    unit,
    weekStart: input.weekStart,
    reported: units.filter((u) => done.has(u.id)),
    missing: units.filter((u) => !done.has(u.id)),
  };
}

export type NudgeResult = { ok: true; sent: number; already: number; units: number } | { ok: false; reason: "not_found" | "forbidden" };

/**
 * Sends the overdue nudge now to the chairs and deputies of the units of `unitId`'s subtree that have not
 * reported for `weekStart`. Each (union, person) is claimed for the day in ReminderDelivery, with the
 * audit entry, before anything is sent: a second press the same day sends nothing.
 */
export async function nudgeMissing(
  prisma: PrismaClient,
  input: { actorId: string; unitId: string; weekStart: Date; now: Date },
  deliver: (reminder: DueReminder) => Promise<"sent" | "unreachable">,
): Promise<NudgeResult> {
  const unit = await prisma.unit.findUnique({ where: { id: input.unitId }, select: { id: true } });
  if (!unit) return { ok: false, reason: "not_found" };
  if (!(await authorize(prisma, input.actorId, "report.nudge", unit.id))) return { ok: false, reason: "forbidden" };
  const status = await reportStatus(prisma, input);
  if (!status.ok) return status;
  const grants = await prisma.roleGrant.findMany({
    where: {
      unitId: { in: status.missing.map((u) => u.id) },
      role: { in: ["CHAIR", "DEPUTY_CHAIR"] },
      person: { remindersOn: true, unreachableAt: null },
    },
    select: { personId: true, unitId: true },
  });
  const day = vietnamDate(input.now).toISOString().slice(0, 10);
  const week = input.weekStart.toISOString().slice(0, 10);
  const claimed: DueReminder[] = [];
  let already = 0;
  await prisma.$transaction(async (tx) => {
    for (const g of grants) {
      const target = status.missing.find((u) => u.id === g.unitId)!;
      const key = `nudge:${day}:${target.id}:${g.personId}`;
      if (await claimDelivery(tx as unknown as PrismaClient, key, g.personId, input.now)) {
        claimed.push({ kind: "overdue", audience: "chair", key, personId: g.personId, unit: target, weekStart: input.weekStart });
      } else already++;
    }
    await writeAudit(tx, {
      actorId: input.actorId,
      action: "report.nudge",
      unitId: unit.id,
      after: { weekStart: week, units: [...new Set(claimed.map((c) => c.unit.id))].length, people: claimed.length },
    });
  });
  let sent = 0;
  for (const reminder of claimed) if ((await deliver(reminder)) === "sent") sent++;
  return { ok: true, sent, already, units: status.missing.length };
}
