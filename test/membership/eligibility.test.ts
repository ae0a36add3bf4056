import { describe, expect, it } from "vitest";
import { MIN_AGE, ageOn, checkEligibility, compareDays, type EligibilityInput } from "../../src/membership/eligibility.ts";
import { MIN_AGE as FIELDS_MIN_AGE } from "../../src/membership/application-fields.ts";

describe("checkEligibility (Trade Union Law 50/2024/QH15 Art. 5)", () => {
  it("minimum age is the Labour Code's 15, shared with the form", () => {
    expect(MIN_AGE).toBe(15);
    expect(FIELDS_MIN_AGE).toBe(MIN_AGE);
  });

  it.each<[EligibilityInput, ReturnType<typeof checkEligibility>]>([
    [{ nationality: "VIETNAMESE", age: 30 }, { eligible: true }],
    [{ nationality: "VIETNAMESE", age: 15 }, { eligible: true }],
    [{ nationality: "VIETNAMESE", age: 100 }, { eligible: true }],
    // contract length does not matter for Vietnamese workers (with or without a labour relationship)
    [{ nationality: "VIETNAMESE", age: 30, longContract: false }, { eligible: true }],
    [{ nationality: "VIETNAMESE", age: 30, longContract: null }, { eligible: true }],
    [{ nationality: "VIETNAMESE", age: 14 }, { eligible: false, reason: "too_young" }],
    [{ nationality: "VIETNAMESE", age: 0 }, { eligible: false, reason: "too_young" }],
    [{ nationality: "VIETNAMESE", age: -1 }, { eligible: false, reason: "too_young" }],
    [{ nationality: "VIETNAMESE", age: Number.NaN }, { eligible: false, reason: "too_young" }],
    [{ nationality: "FOREIGN", age: 30, longContract: true }, { eligible: true }],
    [{ nationality: "FOREIGN", age: 15, longContract: true }, { eligible: true }],
    [{ nationality: "FOREIGN", age: 30, longContract: false }, { eligible: false, reason: "foreign_short_contract" }],
    [{ nationality: "FOREIGN", age: 30 }, { eligible: false, reason: "foreign_short_contract" }],
    [{ nationality: "FOREIGN", age: 30, longContract: null }, { eligible: false, reason: "foreign_short_contract" }],
    // age is checked first: a 14-year-old is told about age, whatever the contract
    [{ nationality: "FOREIGN", age: 14, longContract: false }, { eligible: false, reason: "too_young" }],
    [{ nationality: "FOREIGN", age: 14, longContract: true }, { eligible: false, reason: "too_young" }],
  ])("%j → %j", (input, expected) => {
    expect(checkEligibility(input)).toEqual(expected);
  });
});

describe("ageOn", () => {
  it.each([
    [{ y: 2011, m: 5, d: 10 }, { y: 2026, m: 5, d: 10 }, 15], // birthday today
    [{ y: 2011, m: 5, d: 11 }, { y: 2026, m: 5, d: 10 }, 14], // birthday tomorrow
    [{ y: 2011, m: 4, d: 30 }, { y: 2026, m: 5, d: 10 }, 15],
    [{ y: 2011, m: 12, d: 31 }, { y: 2026, m: 1, d: 1 }, 14],
    [{ y: 2008, m: 2, d: 29 }, { y: 2023, m: 2, d: 28 }, 14], // leap-day birthday, common year
    [{ y: 2008, m: 2, d: 29 }, { y: 2023, m: 3, d: 1 }, 15],
    [{ y: 2008, m: 2, d: 29 }, { y: 2024, m: 2, d: 29 }, 16],
    [{ y: 2026, m: 5, d: 10 }, { y: 2026, m: 5, d: 10 }, 0],
  ])("%j on %j is %i", (birth, today, age) => {
    expect(ageOn(birth, today)).toBe(age);
  });

  it("compareDays orders calendar days", () => {
    expect(compareDays({ y: 2026, m: 5, d: 10 }, { y: 2026, m: 5, d: 10 })).toBe(0);
    expect(compareDays({ y: 2026, m: 5, d: 10 }, { y: 2026, m: 5, d: 11 })).toBeLessThan(0);
    expect(compareDays({ y: 2026, m: 6, d: 1 }, { y: 2026, m: 5, d: 31 })).toBeGreaterThan(0);
    expect(compareDays({ y: 2027, m: 1, d: 1 }, { y: 2026, m: 12, d: 31 })).toBeGreaterThan(0);
  });
});
