// The member card (thẻ đoàn viên): issued to a current member only, and checked against the store, so a card stops
// verifying the day its member leaves (giảm), withdraws or is erased, whatever the picture still shows.
import type { PrismaClient } from "../db/database.ts";
import { vietnamDay } from "../shared/time.ts";
import { cardKeyRing } from "./keys.ts";
import { MAX_TOKEN_LENGTH, readCardToken, signCardToken, tokenIn, type CardClaims } from "./token.ts";

/** What cards need from the configuration: CARD_SIGNING_KEYS and PUBLIC_URL. */
export interface CardSettings {
  signingKeys?: string;
  publicUrl?: string;
}

export const cardSettings = (config: { CARD_SIGNING_KEYS?: string; PUBLIC_URL?: string }): CardSettings => ({
  signingKeys: config.CARD_SIGNING_KEYS,
  publicUrl: config.PUBLIC_URL,
});

export interface MemberCard {
  number: number;
  fullName: string;
  unitName: string;
  unitCode: string;
  joinedAt: Date;
  /** What the QR code carries: the verify link when the bot has a public address, else the token alone. */
  qrText: string;
  token: string;
}

/** yyyymmdd of the admission day in Vietnam. */
function dayOf(at: Date): string {
  const { y, m, d } = vietnamDay(at);
  return `${y}${String(m).padStart(2, "0")}${String(d).padStart(2, "0")}`;
}

export const verifyLink = (publicUrl: string, token: string) => `${publicUrl.replace(/\/+$/, "")}/verify/${token}`;

/** This person's card, or null when they are not a current member (never applied, pending, left, erased). */
export async function cardOf(prisma: PrismaClient, settings: CardSettings, personId: string): Promise<MemberCard | null> {
  const member = await prisma.member.findFirst({
    where: { personId, leftOn: null, person: { erasedAt: null } },
    select: { number: true, fullName: true, joinedAt: true, unit: { select: { name: true, code: true } } },
  });
  if (!member) return null;
  const ring = await cardKeyRing(prisma, settings.signingKeys);
  const token = signCardToken(ring, { number: member.number, unitCode: member.unit.code, day: dayOf(member.joinedAt) });
  return {
    number: member.number,
    fullName: member.fullName,
    unitName: member.unit.name,
    unitCode: member.unit.code,
    joinedAt: member.joinedAt,
    token,
    qrText: settings.publicUrl ? verifyLink(settings.publicUrl, token) : token,
  };
}

/**
 * What checking a card answers. `valid` shows what the card itself shows, the name shortened to initials and the given
 * name (enough to match the card in hand, not enough to learn a stranger's name from a leaked link); `no_longer`:
 * the union issued it but its member left, was erased or moved to another union (who and why is not said);
 * `invalid`: not a card the union issued, or one altered.
 */
export type CardCheck =
  | { kind: "valid"; number: number; name: string; unitName: string; joinedAt: Date }
  | { kind: "no_longer" }
  | { kind: "invalid" };

export async function checkCard(prisma: PrismaClient, settings: CardSettings, scanned: string): Promise<CardCheck> {
  const token = tokenIn(scanned);
  // Junk is refused before the keys are read from the store.
  if (token.length > MAX_TOKEN_LENGTH) return { kind: "invalid" };
  const claims = readCardToken(await cardKeyRing(prisma, settings.signingKeys), token);
  if (!claims) return { kind: "invalid" };
  const member = await prisma.member.findUnique({
    where: { number: claims.number },
    select: { fullName: true, joinedAt: true, leftOn: true, unit: { select: { name: true, code: true } }, person: { select: { erasedAt: true } } },
  });
  if (!member || !stillHolds(member, claims)) return { kind: "no_longer" };
  return { kind: "valid", number: claims.number, name: shortName(member.fullName), unitName: member.unit.name, joinedAt: member.joinedAt };
}

function stillHolds(
  member: { leftOn: Date | null; joinedAt: Date; unit: { code: string }; person: { erasedAt: Date | null } | null },
  claims: CardClaims,
): boolean {
  return !member.leftOn && !member.person?.erasedAt && member.unit.code === claims.unitCode && dayOf(member.joinedAt) === claims.day;
}

/** "Nguyễn Thị Thu Hà" → "N. T. T. Hà": Vietnamese put the given name last. */
export function shortName(fullName: string): string {
  const words = fullName.trim().split(/\s+/u).filter(Boolean);
  if (words.length <= 1) return words[0] ?? "";
  return [...words.slice(0, -1).map((w) => `${[...w][0]!.toLocaleUpperCase("vi")}.`), words.at(-1)!].join(" ");
}
