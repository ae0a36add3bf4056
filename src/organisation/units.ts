// The union tree: province federations, commune/ward and industrial-park unions, sectoral unions and,
// at the leaves, grassroots unions (CĐCS). Its depth is not fixed (a CĐCS may sit under a sectoral
// union), so the tree is walked with recursive SQL rather than a fixed number of joins.
import type { Prisma, Unit, UnitType } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { toSearchText } from "../shared/text.ts";

export const GRASSROOTS_TYPES: UnitType[] = ["GRASSROOTS", "FREELANCE_GRASSROOTS"];
export const UPPER_TYPES: UnitType[] = ["PROVINCE_FEDERATION", "COMMUNE_UNION", "INDUSTRIAL_PARK_UNION", "SECTORAL_UNION"];

export type UnitSummary = Pick<Unit, "id" | "code" | "name" | "type" | "parentId" | "closedAt">;
const summary = { id: true, code: true, name: true, type: true, parentId: true, closedAt: true } as const;

export function isGrassroots(unit: Pick<Unit, "type">): boolean {
  return GRASSROOTS_TYPES.includes(unit.type);
}

/** What a person may type as a unit code to look one up (findUnitByCode upper-cases it). */
export const TYPED_UNIT_CODE = /^[A-Za-z0-9._-]{1,40}$/;

export async function findUnitByCode(prisma: PrismaClient, code: string): Promise<UnitSummary | null> {
  return prisma.unit.findUnique({ where: { code: code.trim().toUpperCase() }, select: summary });
}

export async function findUnit(prisma: PrismaClient, id: string): Promise<UnitSummary | null> {
  return prisma.unit.findUnique({ where: { id }, select: summary });
}

/**
 * Open units whose name contains every word typed, diacritics optional ("cong ty" finds "Công ty").
 * Returns at most `limit` units, plus whether more matched, so a chat can say "be more specific".
 */
export async function searchUnits(
  prisma: PrismaClient,
  query: string,
  options: { types: UnitType[]; limit: number; within?: string[] },
): Promise<{ units: UnitSummary[]; more: boolean }> {
  const words = toSearchText(query).split(" ").filter(Boolean).slice(0, 8);
  const where: Prisma.UnitWhereInput = {
    closedAt: null,
    type: { in: options.types },
    AND: words.map((w) => ({ OR: [{ searchName: { contains: w } }, { code: { contains: w.toUpperCase() } }] })),
    ...(options.within ? { id: { in: options.within } } : {}),
  };
  const units = await prisma.unit.findMany({ where, select: summary, orderBy: { name: "asc" }, take: options.limit + 1 });
  return { units: units.slice(0, options.limit), more: units.length > options.limit };
}

/** The unit and its ancestors, nearest first. */
export async function ancestorIds(prisma: PrismaClient, unitId: string): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    WITH RECURSIVE up AS (
      SELECT id, "parentId", 0 AS depth FROM "Unit" WHERE id = ${unitId}
      UNION ALL
      SELECT u.id, u."parentId", up.depth + 1 FROM "Unit" u JOIN up ON u.id = up."parentId" WHERE up.depth < 32
    )
    SELECT id FROM up ORDER BY depth`;
  return rows.map((r) => r.id);
}

/** The unit and every unit under it, at any depth (closed ones included). */
export async function subtreeIds(prisma: PrismaClient, unitId: string): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    WITH RECURSIVE down AS (
      SELECT id, 0 AS depth FROM "Unit" WHERE id = ${unitId}
      UNION ALL
      SELECT u.id, down.depth + 1 FROM "Unit" u JOIN down ON u."parentId" = down.id WHERE down.depth < 32
    )
    SELECT id FROM down`;
  return rows.map((r) => r.id);
}

/** A province federation to route to when an applicant does not know their upper-level union. */
export async function defaultUpperUnit(prisma: PrismaClient): Promise<UnitSummary | null> {
  return prisma.unit.findFirst({
    where: { type: "PROVINCE_FEDERATION", closedAt: null, parentId: null },
    select: summary,
    orderBy: { code: "asc" },
  });
}

export async function listUnits(prisma: PrismaClient) {
  return prisma.unit.findMany({
    select: { ...summary, parent: { select: { code: true } } },
    orderBy: [{ code: "asc" }],
  });
}

export interface UnitInput {
  code: string;
  name: string;
  type: UnitType;
  parentCode?: string;
  workerCount?: number;
  memberCount?: number;
}

/** Creates or updates units by code, parents before children; running it twice changes nothing. */
export async function upsertUnits(prisma: PrismaClient, units: UnitInput[]): Promise<number> {
  return prisma.$transaction(async (tx) => {
    const idByCode = new Map<string, string>();
    for (const unit of units) {
      const parentId = unit.parentCode
        ? (idByCode.get(unit.parentCode) ??
          (await tx.unit.findUniqueOrThrow({ where: { code: unit.parentCode }, select: { id: true } })).id)
        : null;
      const data = {
        name: unit.name,
        searchName: toSearchText(unit.name),
        type: unit.type,
        parentId,
        workerCount: unit.workerCount ?? null,
        memberCount: unit.memberCount ?? null,
      };
      const saved = await tx.unit.upsert({
        where: { code: unit.code },
        update: data,
        create: { code: unit.code, ...data },
        select: { id: true },
      });
      idByCode.set(unit.code, saved.id);
    }
    return units.length;
  });
}
