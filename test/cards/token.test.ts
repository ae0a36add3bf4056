// The card token alone (no store): what it signs, and that nothing altered, forged or signed with a retired key passes.
import { describe, expect, it } from "vitest";
import { shortName } from "../../src/cards/card.ts";
import { keyRingFromText } from "../../src/cards/keys.ts";
import { MAX_TOKEN_LENGTH, readCardToken, signCardToken, tokenIn } from "../../src/cards/token.ts";

const OLD = "k2025:" + "a".repeat(43);
const NEW = "k2026:" + "b".repeat(43);
const claims = { number: 1234, unitCode: "LC-DK-CSLC", day: "20260512" };

describe("member card token", () => {
  const ring = keyRingFromText(OLD);
  const token = signCardToken(ring, claims);

  it("carries the number, the day and the union, and reads back only with its key", () => {
    expect(token).toMatch(/^k2025\.1234\.20260512\.LC-DK-CSLC\.[A-Za-z0-9_-]{22}$/);
    expect(readCardToken(ring, token)).toEqual(claims);
    expect(readCardToken(keyRingFromText("k2025:" + "c".repeat(43)), token)).toBeNull();
  });

  it("refuses a token with any part altered", () => {
    const parts = token.split(".");
    const altered = [
      [parts[0], "1235", ...parts.slice(2)],
      [parts[0], parts[1], "20250512", ...parts.slice(3)],
      [...parts.slice(0, 3), "LC-DK-CSLD", parts[4]],
      [...parts.slice(0, 4), (parts[4]![0] === "A" ? "B" : "A") + parts[4]!.slice(1)],
      ["k2026", ...parts.slice(1)],
    ].map((p) => p.join("."));
    for (const forged of altered) expect(readCardToken(ring, forged), forged).toBeNull();
  });

  it("a union code with dots is signed whole", () => {
    const dotted = signCardToken(ring, { ...claims, unitCode: "HN.KCN.01" });
    expect(readCardToken(ring, dotted)).toEqual({ ...claims, unitCode: "HN.KCN.01" });
    expect(readCardToken(ring, dotted.replace("HN.KCN.01", "HN.KCN.02"))).toBeNull();
  });

  it("rotation: the new key signs, the old one verifies until it is dropped", () => {
    const rotated = keyRingFromText(`${NEW},${OLD}`);
    const fresh = signCardToken(rotated, claims);
    expect(fresh.startsWith("k2026.")).toBe(true);
    expect(readCardToken(rotated, token)).toEqual(claims);
    expect(readCardToken(rotated, fresh)).toEqual(claims);
    const oldDropped = keyRingFromText(NEW);
    expect(readCardToken(oldDropped, token)).toBeNull();
    expect(readCardToken(oldDropped, fresh)).toEqual(claims);
  });

  it("junk, emoji and huge input are refused without throwing", () => {
    for (const junk of ["", ".", "....", "k2025.0.20260512.X.AAAAAAAAAAAAAAAAAAAAAA", "🪪".repeat(50), "x".repeat(MAX_TOKEN_LENGTH + 1), `${token}.`, token.replace(/\./g, "%2E")]) {
      expect(readCardToken(ring, junk)).toBeNull();
    }
  });

  it("finds the token in a verify link, as the QR code may carry one", () => {
    expect(tokenIn(`https://congdoan.example.vn/verify/${token}`)).toBe(token);
    expect(tokenIn(`  https://congdoan.example.vn/verify/${token}?lang=en  `)).toBe(token);
    expect(tokenIn(token)).toBe(token);
  });

  it("shows a stranger only the initials and the given name", () => {
    expect(shortName("Nguyễn Thị Thu Hà")).toBe("N. T. T. Hà");
    expect(shortName("  Đèo   Văn Long ")).toBe("Đ. V. Long");
    expect(shortName("Lò")).toBe("Lò");
  });
});
