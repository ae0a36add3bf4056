// Invite links: an officer creates a one-time, expiring link that makes whoever opens it chair, deputy
// chair or officer of a unit within the officer's scope. The token exists only in the link; the store
// keeps its SHA-256, so a leaked database yields no usable links. Redeeming is a compare-and-set: when
// two people open the same link at once, exactly one of them gets the role.
import { createHash, randomBytes } from "node:crypto";
import type { PrismaClient } from "../db/database.ts";
import type { Role } from "../generated/prisma/client.ts";
import { writeAudit } from "../audit/audit.ts";
import { authorize, unitsWhere } from "../policy/policy.ts";
import { isGrassroots } from "./units.ts";

export const INVITE_ROLES = ["CHAIR", "DEPUTY_CHAIR", "OFFICER"] as const satisfies readonly Role[];
export type InviteRole = (typeof INVITE_ROLES)[number];

export const DEFAULT_INVITE_TTL_HOURS = 72;
export const MAX_INVITE_TTL_HOURS = 30 * 24;
/** Deep-link payloads allow A-Za-z0-9_- up to 64 characters; 16 random bytes are 22 in base64url. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,60}$/;

export type InviteStatus = "pending" | "used" | "expired" | "revoked";

export function isInviteRole(value: unknown): value is InviteRole {
  return typeof value === "string" && (INVITE_ROLES as readonly string[]).includes(value);
}

function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

function statusOf(invite: { usedAt: Date | null; revokedAt: Date | null; expiresAt: Date }, now: Date): InviteStatus {
  if (invite.usedAt) return "used";
  if (invite.revokedAt) return "revoked";
  if (invite.expiresAt.getTime() <= now.getTime()) return "expired";
  return "pending";
}

export type CreateInviteResult =
  | { ok: true; token: string; inviteId: string; expiresAt: Date; unit: { id: string; code: string; name: string } }
  | { ok: false; reason: "bad_role" | "bad_ttl" | "unit_not_found" | "unit_closed" | "needs_grassroots" | "forbidden" };

export async function createInvite(
  prisma: PrismaClient,
  input: { actorId: string; role: InviteRole; unitId: string; ttlHours?: number; now?: Date },
): Promise<CreateInviteResult> {
  const ttlHours = input.ttlHours ?? DEFAULT_INVITE_TTL_HOURS;
  if (!isInviteRole(input.role)) return { ok: false, reason: "bad_role" };
  if (!Number.isFinite(ttlHours) || ttlHours <= 0 || ttlHours > MAX_INVITE_TTL_HOURS) return { ok: false, reason: "bad_ttl" };
  const unit = await prisma.unit.findUnique({
    where: { id: input.unitId },
    select: { id: true, code: true, name: true, type: true, closedAt: true },
  });
  if (!unit) return { ok: false, reason: "unit_not_found" };
  // Authorize first, so that probing units outside one's scope learns nothing about them.
  if (!(await authorize(prisma, input.actorId, "invite.create", unit.id))) return { ok: false, reason: "forbidden" };
  if (unit.closedAt) return { ok: false, reason: "unit_closed" };
  if (input.role !== "OFFICER" && !isGrassroots(unit)) return { ok: false, reason: "needs_grassroots" };

  const token = randomBytes(16).toString("base64url");
  const now = input.now ?? new Date();
  const expiresAt = new Date(now.getTime() + ttlHours * 3_600_000);
  const invite = await prisma.$transaction(async (tx) => {
    const created = await tx.invite.create({
      data: { tokenHash: hashToken(token), role: input.role, unitId: unit.id, createdById: input.actorId, createdAt: now, expiresAt },
      select: { id: true },
    });
    await writeAudit(tx, {
      actorId: input.actorId,
      action: "invite.create",
      unitId: unit.id,
      targetType: "Invite",
      targetId: created.id,
      after: { role: input.role, expiresAt: expiresAt.toISOString() },
    });
    return created;
  });
  return { ok: true, token, inviteId: invite.id, expiresAt, unit: { id: unit.id, code: unit.code, name: unit.name } };
}

export type RedeemFailure = "unknown" | "expired" | "used" | "revoked" | "unit_closed";
export type RedeemResult =
  | {
      ok: true;
      role: InviteRole;
      unit: { id: string; code: string; name: string };
      /** Who created the invite, to tell them it was used. */
      createdById: string;
      /** The person already held this role on the unit; the link is used up all the same. */
      alreadyHeld: boolean;
    }
  | { ok: false; reason: RedeemFailure };

export async function redeemInvite(
  prisma: PrismaClient,
  input: { token: string; personId: string; now?: Date },
): Promise<RedeemResult> {
  if (!TOKEN_SHAPE.test(input.token)) return { ok: false, reason: "unknown" };
  const now = input.now ?? new Date();
  const invite = await prisma.invite.findUnique({
    where: { tokenHash: hashToken(input.token) },
    select: {
      id: true,
      role: true,
      createdById: true,
      usedAt: true,
      revokedAt: true,
      expiresAt: true,
      unit: { select: { id: true, code: true, name: true, closedAt: true } },
    },
  });
  if (!invite || !isInviteRole(invite.role)) return { ok: false, reason: "unknown" };
  const status = statusOf(invite, now);
  if (status !== "pending") return { ok: false, reason: status };
  if (invite.unit.closedAt) return { ok: false, reason: "unit_closed" };
  const role = invite.role;

  return prisma.$transaction(async (tx): Promise<RedeemResult> => {
    // Compare-and-set: only one redeemer can move the invite from pending to used.
    const claimed = await tx.invite.updateMany({
      where: { id: invite.id, usedAt: null, revokedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now, usedById: input.personId },
    });
    if (claimed.count !== 1) {
      const current = await tx.invite.findUniqueOrThrow({
        where: { id: invite.id },
        select: { usedAt: true, revokedAt: true, expiresAt: true },
      });
      const reason = statusOf(current, now);
      return { ok: false, reason: reason === "pending" ? "used" : reason };
    }
    const existing = await tx.roleGrant.findFirst({
      where: { personId: input.personId, role, unitId: invite.unit.id },
      select: { id: true },
    });
    if (!existing) {
      const grant = await tx.roleGrant.create({
        data: { personId: input.personId, role, unitId: invite.unit.id, grantedById: invite.createdById },
        select: { id: true },
      });
      await writeAudit(tx, {
        actorId: invite.createdById,
        action: "role.grant",
        unitId: invite.unit.id,
        targetType: "Person",
        targetId: input.personId,
        after: { role, grantId: grant.id, inviteId: invite.id },
      });
    }
    await writeAudit(tx, {
      actorId: input.personId,
      action: "invite.redeem",
      unitId: invite.unit.id,
      targetType: "Invite",
      targetId: invite.id,
      before: { status: "pending" },
      after: { status: "used", role, alreadyHeld: Boolean(existing) },
    });
    return {
      ok: true,
      role,
      unit: { id: invite.unit.id, code: invite.unit.code, name: invite.unit.name },
      createdById: invite.createdById,
      alreadyHeld: Boolean(existing),
    };
  });
}

export interface InviteSummary {
  id: string;
  role: InviteRole;
  status: InviteStatus;
  unit: { id: string; code: string; name: string };
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

/** The newest invites on units within the actor's scope (all for admins), newest first. */
export async function listInvites(
  prisma: PrismaClient,
  input: { actorId: string; limit?: number; now?: Date },
): Promise<InviteSummary[]> {
  const scope = await unitsWhere(prisma, input.actorId, "invite.revoke");
  if (scope !== "everywhere" && scope.length === 0) return [];
  const now = input.now ?? new Date();
  const invites = await prisma.invite.findMany({
    where: scope === "everywhere" ? {} : { unitId: { in: scope } },
    select: {
      id: true,
      role: true,
      createdAt: true,
      expiresAt: true,
      usedAt: true,
      revokedAt: true,
      unit: { select: { id: true, code: true, name: true } },
    },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    take: input.limit ?? 20,
  });
  return invites
    .filter((invite) => isInviteRole(invite.role))
    .map((invite) => ({ ...invite, role: invite.role as InviteRole, status: statusOf(invite, now) }));
}

export type RevokeResult = { ok: true } | { ok: false; reason: "not_found" | "forbidden" | "used" | "expired" | "revoked" };

export async function revokeInvite(
  prisma: PrismaClient,
  input: { actorId: string; inviteId: string; now?: Date },
): Promise<RevokeResult> {
  const now = input.now ?? new Date();
  const invite = await prisma.invite.findUnique({ where: { id: input.inviteId }, select: { id: true, unitId: true, role: true } });
  if (!invite) return { ok: false, reason: "not_found" };
  if (!(await authorize(prisma, input.actorId, "invite.revoke", invite.unitId))) return { ok: false, reason: "forbidden" };
  return prisma.$transaction(async (tx): Promise<RevokeResult> => {
    const revoked = await tx.invite.updateMany({
      where: { id: invite.id, usedAt: null, revokedAt: null, expiresAt: { gt: now } },
      data: { revokedAt: now },
    });
    if (revoked.count !== 1) {
      const current = await tx.invite.findUniqueOrThrow({
        where: { id: invite.id },
        select: { usedAt: true, revokedAt: true, expiresAt: true },
      });
      const status = statusOf(current, now);
      return { ok: false, reason: status === "pending" ? "revoked" : status };
    }
    await writeAudit(tx, {
      actorId: input.actorId,
      action: "invite.revoke",
      unitId: invite.unitId,
      targetType: "Invite",
      targetId: invite.id,
      before: { status: "pending" },
      after: { status: "revoked", role: invite.role },
    });
    return { ok: true };
  });
}
