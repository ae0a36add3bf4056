// The people of the web chat demo: fixed demo role holders (a union chair, a province officer, an admin), granted
// their roles as the CLI grants them, and the workers created on the page. On a store without units the demo data
// (the Lai Châu units, campaign and targets) is loaded first, so a fresh clone has a story to play.
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "../../db/database.ts";
import { loadDriveDemo } from "../../drive/demo.ts";
import type { Role } from "../../generated/prisma/client.ts";
import { tFor, type Lang } from "../../i18n/i18n.ts";
import { LAI_CHAU_DEMO } from "../../organisation/demo/lai-chau.ts";
import { grantRole } from "../../organisation/roles.ts";
import { findUnitByCode, upsertUnits } from "../../organisation/units.ts";
import { findOrCreatePerson } from "../../people/people.ts";
import { webChatId } from "../address.ts";

export type PersonaRole = "worker" | "chair" | "officer" | "admin";

/** The demo's role holders; their web chat id is their key. */
const PERSONAS: { id: string; role: PersonaRole; grant: Role; unitCode: string | null }[] = [
  { id: "chair", role: "chair", grant: "CHAIR", unitCode: "LC-DK-CSLC" },
  { id: "officer", role: "officer", grant: "OFFICER", unitCode: "LC" },
  { id: "admin", role: "admin", grant: "ADMIN", unitCode: null },
];

/** The union a new worker joins (the poster the demo starts from). */
export const DEMO_UNION = "LC-DK-CSLC";

export interface DemoPerson {
  id: string;
  role: PersonaRole;
  label: string;
  detail: string;
}

/** Loads the demo data into an empty store and makes sure the demo role holders exist. Idempotent. */
export async function prepareDemo(prisma: PrismaClient): Promise<{ loaded: boolean }> {
  const loaded = (await prisma.unit.count()) === 0;
  if (loaded) {
    await upsertUnits(prisma, LAI_CHAU_DEMO);
    await loadDriveDemo(prisma);
  }
  for (const persona of PERSONAS) {
    const unit = persona.unitCode ? await findUnitByCode(prisma, persona.unitCode) : null;
    // An operator's own units may not hold the demo's: that role holder is then left out.
    if (persona.unitCode && !unit) continue;
    const person = await findOrCreatePerson(prisma, { channel: "WEB", externalId: persona.id, chatId: webChatId(persona.id) }, "vi");
    await grantRole(prisma, { personId: person.id, role: persona.grant, unitId: unit?.id ?? null, grantedById: null });
  }
  return { loaded };
}

/** Everyone the page can act as: the role holders, then the workers in the order they were made. */
export async function demoPeople(prisma: PrismaClient, lang: Lang): Promise<DemoPerson[]> {
  const t = tFor(lang);
  const identities = await prisma.chatIdentity.findMany({
    where: { channel: "WEB" },
    orderBy: { createdAt: "asc" },
    select: { externalId: true },
  });
  const people: DemoPerson[] = [];
  for (const persona of PERSONAS) {
    if (!identities.some((i) => i.externalId === persona.id)) continue;
    const unit = persona.unitCode ? await findUnitByCode(prisma, persona.unitCode) : null;
    people.push({ id: persona.id, role: persona.role, label: t(`role_${persona.role}`, { ns: "web" }), detail: unit?.name ?? "" });
  }
  // Workers are numbered, not named: the switch must not show what one worker typed to anyone else.
  let n = 0;
  for (const identity of identities) {
    if (!identity.externalId.startsWith("w-")) continue;
    n++;
    people.push({ id: identity.externalId, role: "worker", label: `${t("role_worker", { ns: "web" })} ${n}`, detail: "" });
  }
  return people;
}

/** A new worker's chat id; the person is created with their first message, as on Telegram. */
export function newWorkerId(): string {
  return `w-${randomBytes(4).toString("hex")}`;
}

/** Web chat ids the page may use: the demo role holders and workers made by newWorkerId. */
export function isDemoChat(id: string): boolean {
  return PERSONAS.some((p) => p.id === id) || /^w-[0-9a-f]{8}$/.test(id);
}
