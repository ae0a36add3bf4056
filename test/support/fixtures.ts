// Test data through the same domain functions the CLI uses.
import type { PrismaClient } from "../../src/db/database.ts";
import type { Role } from "../../src/generated/prisma/client.ts";
import { LAI_CHAU_DEMO } from "../../src/organisation/demo/lai-chau.ts";
import { grantRole } from "../../src/organisation/roles.ts";
import { findUnitByCode, upsertUnits } from "../../src/organisation/units.ts";
import { findOrCreatePerson } from "../../src/people/people.ts";
import type { TestUser } from "../fake-telegram/server.ts";

export async function loadDemo(prisma: PrismaClient) {
  await upsertUnits(prisma, LAI_CHAU_DEMO);
}

export async function grant(prisma: PrismaClient, user: TestUser, role: Role, unitCode?: string) {
  const unit = unitCode ? await findUnitByCode(prisma, unitCode) : null;
  if (unitCode && !unit) throw new Error(`no unit ${unitCode}`);
  const person = await findOrCreatePerson(
    prisma,
    { channel: "TELEGRAM", externalId: String(user.id), chatId: String(user.id) },
    user.language_code === "en" ? "en" : "vi",
  );
  await grantRole(prisma, { personId: person.id, role, unitId: unit?.id ?? null, grantedById: null });
  return person;
}
