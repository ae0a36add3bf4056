// Where the card keys come from: CARD_SIGNING_KEYS when the operator gives them (the first signs, all verify), else
// keys the bot made itself and keeps in the store (SigningKey), so every instance on the same database signs and
// checks alike. Rotating the stored ones is `npm run cli -- card-key rotate` / `retire <id>` (src/cli/cards.ts).
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "../db/database.ts";
import type { KeyRing, SigningKey } from "./token.ts";

/** "id:secret,id:secret" (validated by the config schema) as a ring. */
export function keyRingFromText(text: string): KeyRing {
  const keys = text.split(",").map((pair) => {
    const at = pair.indexOf(":");
    return { id: pair.slice(0, at), secret: pair.slice(at + 1) };
  });
  return { signing: keys[0]!, verifying: keys };
}

const newKey = (): SigningKey => ({ id: randomBytes(4).toString("hex"), secret: randomBytes(32).toString("base64url") });

/**
 * The ring to sign and check cards with. From the store it is the unretired keys, newest first; the very first call
 * makes one. Two instances starting at once may each make one: both then verify, and the newer signs.
 */
export async function cardKeyRing(prisma: PrismaClient, configured?: string): Promise<KeyRing> {
  if (configured) return keyRingFromText(configured);
  let keys = await storedKeys(prisma);
  if (keys.length === 0) {
    await prisma.signingKey.create({ data: newKey() });
    keys = await storedKeys(prisma);
  }
  return { signing: keys[0]!, verifying: keys };
}

const storedKeys = (prisma: PrismaClient) =>
  prisma.signingKey.findMany({
    where: { retiredAt: null },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    select: { id: true, secret: true },
  });

/** A new stored key that signs from now on; the older ones keep verifying until retired. */
export async function rotateStoredKey(prisma: PrismaClient): Promise<string> {
  const key = newKey();
  await prisma.signingKey.create({ data: key });
  return key.id;
}

/** Cards signed with this stored key stop verifying. False when there is no such unretired key. */
export async function retireStoredKey(prisma: PrismaClient, id: string, now = new Date()): Promise<boolean> {
  const { count } = await prisma.signingKey.updateMany({ where: { id, retiredAt: null }, data: { retiredAt: now } });
  return count === 1;
}

export async function listStoredKeys(prisma: PrismaClient) {
  return prisma.signingKey.findMany({ orderBy: { createdAt: "desc" }, select: { id: true, createdAt: true, retiredAt: true } });
}
