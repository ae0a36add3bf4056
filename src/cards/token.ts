// The member card's token: what its QR code carries, so anyone can check a card without trusting the picture.
// It names the member number, the union (its code) and the admission day, and is signed with HMAC-SHA-256 under
// a key of the key ring (./keys.ts); the signature is cut to 128 bits, which no one can guess but keeps the QR
// code small enough for a cheap phone's camera. Nothing else is in it: no name, no phone.
//
//   <key id>.<member number>.<yyyymmdd>.<union code>.<signature>
//
// A union code may hold dots, so the signature is the last part and the code what lies between.
import { createHmac, timingSafeEqual } from "node:crypto";

export interface CardClaims {
  number: number;
  unitCode: string;
  /** The admission day in Vietnam, yyyymmdd. */
  day: string;
}

export interface SigningKey {
  id: string;
  secret: string;
}

/** The first key signs; every key verifies (rotation: a new key goes first, an old one stays until its cards should die). */
export interface KeyRing {
  signing: SigningKey;
  verifying: readonly SigningKey[];
}

const SIGNATURE_BYTES = 16;
const KEY_ID = /^[a-z0-9]{1,8}$/;
const NUMBER = /^[1-9][0-9]{0,9}$/;
const DAY = /^[0-9]{8}$/;
const UNIT_CODE = /^[A-Za-z0-9._-]{1,40}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{22}$/;
/** Longer than any token we make: anything bigger is refused before it is split or hashed. */
export const MAX_TOKEN_LENGTH = 120;

function signature(key: SigningKey, claims: CardClaims): string {
  return createHmac("sha256", key.secret)
    .update(`cdvn-card/1|${key.id}|${claims.number}|${claims.day}|${claims.unitCode}`)
    .digest()
    .subarray(0, SIGNATURE_BYTES)
    .toString("base64url");
}

export function signCardToken(ring: KeyRing, claims: CardClaims): string {
  return `${ring.signing.id}.${claims.number}.${claims.day}.${claims.unitCode}.${signature(ring.signing, claims)}`;
}

/** The claims of a token signed by a key of the ring, or null for anything else (altered, forged, retired key, junk). */
export function readCardToken(ring: KeyRing, token: string): CardClaims | null {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const parts = token.split(".");
  if (parts.length < 5) return null;
  const [keyId, number, day] = parts as [string, string, string];
  const sig = parts.at(-1)!;
  const unitCode = parts.slice(3, -1).join(".");
  if (!KEY_ID.test(keyId) || !NUMBER.test(number) || !DAY.test(day) || !UNIT_CODE.test(unitCode) || !SIGNATURE.test(sig)) return null;
  const key = ring.verifying.find((k) => k.id === keyId);
  if (!key) return null;
  const claims = { number: Number(number), day, unitCode };
  const expected = Buffer.from(signature(key, claims), "base64url");
  const given = Buffer.from(sig, "base64url");
  return given.length === expected.length && timingSafeEqual(given, expected) ? claims : null;
}

/** The token in what a QR code or a person gave: the token itself, or a verify link ending in it. */
export function tokenIn(text: string): string {
  const trimmed = text.trim().slice(0, 2 * MAX_TOKEN_LENGTH + 200);
  const fromLink = /\/verify\/([^/?#\s]+)\/?(?:[?#].*)?$/.exec(trimmed);
  return fromLink ? decodeURIComponent(fromLink[1]!) : trimmed;
}
