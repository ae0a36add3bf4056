// Who may join the Vietnam Trade Union, and age on a calendar day in Vietnam.
import type { CalendarDay } from "../shared/time.ts";

/**
 * Minimum age to apply: the Labour Code's minimum working age (Bộ luật Lao động 2019, Art. 143: a worker is at least
 * 15; younger workers are minors under special rules and are not admitted through the bot).
 */
export const MIN_AGE = 15;

export type { CalendarDay };

/** Compares two calendar days: negative if a < b, 0 if equal, positive if a > b. */
export function compareDays(a: CalendarDay, b: CalendarDay): number {
  return a.y - b.y || a.m - b.m || a.d - b.d;
}

/**
 * Age in completed years on `today` (take today from `vietnamDay(now)` in shared/time.ts, not from UTC). Someone born
 * on 29/02 turns a year older on 01/03 in common years: while it is still 28/02 their birthday has not come.
 */
export function ageOn(birth: CalendarDay, today: CalendarDay): number {
  const hadBirthday = today.m > birth.m || (today.m === birth.m && today.d >= birth.d);
  return today.y - birth.y - (hadBirthday ? 0 : 1);
}

export type EligibilityInput = {
  nationality: "VIETNAMESE" | "FOREIGN";
  /** Foreign applicants: is their labour contract for a term of 12 months or more? Ignored for Vietnamese. */
  longContract?: boolean | null;
  /** Age in completed years (see `ageOn`). */
  age: number;
};

export type IneligibleReason = "foreign_short_contract" | "too_young";

export type Eligibility = { eligible: true } | { eligible: false; reason: IneligibleReason };

/**
 * Trade Union Law 50/2024/QH15 (in force 01/07/2025), Art. 5:
 *  1. Vietnamese workers — with or without a labour relationship (freelancers, informal workers included) — have the
 *     right to form, join and act in trade unions.
 *  2. Foreign citizens working in Vietnam under a labour contract with a term of at least 12 months may JOIN (not form)
 *     and act in the union at the grassroots union (công đoàn cơ sở).
 * So a foreign applicant without a ≥ 12-month contract (or who has not said they have one) is not eligible; a foreign
 * applicant who is eligible must be admitted by a grassroots union (CĐCS), which callers route to.
 * Age: below MIN_AGE (Labour Code minimum working age) the bot does not take the application.
 */
export function checkEligibility(input: EligibilityInput): Eligibility {
  if (!(input.age >= MIN_AGE)) return { eligible: false, reason: "too_young" };
  if (input.nationality === "FOREIGN" && input.longContract !== true) {
    return { eligible: false, reason: "foreign_short_contract" };
  }
  return { eligible: true };
}
