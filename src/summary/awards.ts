// Award tiers (khen thưởng) of a campaign's emulation drive, kept as JSON on Campaign.awards and validated here.
// Modelled on the An Giang rules (shared/seeds/003): units are put in groups; a unit of a group whose net increase
// (thực tăng = admitted − reduced) meets its target earns the group's certificates (bằng khen) for collectives and
// individuals; tiers add more when the net increase is at least N % above the target (one more individual certificate
// at ≥ 10 %, one more collective at ≥ 20 %). Tiers are cumulative: 25 % above earns both.
//
// Evaluation is integer arithmetic (net × 100 ≥ target × (100 + N)), so 10 % above a target of 30 means 33, not 32.99.
import { z } from "zod";
import type { Prisma } from "../generated/prisma/client.ts";
import { cleanText } from "../shared/text.ts";

export const MAX_GROUPS = 20;
export const MAX_TIERS = 5;
const count = z.number().int().min(0).max(1000);

export const awardTierSchema = z.object({
  /** At least this many percent above the target (10 → net ≥ 110 % of the target). */
  abovePercent: z.number().int().min(1).max(1000),
  collective: count.default(0),
  individual: count.default(0),
});

export const awardGroupSchema = z.object({
  name: z.string().transform(cleanText).pipe(z.string().min(1).max(200)),
  /** Codes of the units competing in this group (children of the campaign's issuing unit, usually). */
  units: z.array(z.string().transform((s) => cleanText(s).toUpperCase()).pipe(z.string().min(1).max(40))).min(1).max(2000),
  /** Certificates when the net increase meets the target. */
  collective: count,
  individual: count,
  tiers: z.array(awardTierSchema).max(MAX_TIERS).default([]),
});

export const awardsSchema = z
  .object({
    /** The name of the award, e.g. "Bằng khen LĐLĐ tỉnh". */
    award: z.string().transform(cleanText).pipe(z.string().min(1).max(200)),
    groups: z.array(awardGroupSchema).min(1).max(MAX_GROUPS),
  })
  .superRefine((a, ctx) => {
    const seen = new Map<string, string>();
    a.groups.forEach((g, i) => {
      for (const code of g.units) {
        const other = seen.get(code);
        if (other !== undefined) ctx.addIssue({ code: "custom", message: `unit ${code} is in two groups (${other}, ${g.name})`, path: ["groups", i, "units"] });
        seen.set(code, g.name);
      }
    });
  });

export type AwardsConfig = z.output<typeof awardsSchema>;
export type AwardsInput = z.input<typeof awardsSchema>;

/** The stored JSON as a config; null when absent. Throws on a malformed value: a bad config must not pass silently. */
export function parseAwards(json: Prisma.JsonValue | null | undefined): AwardsConfig | null {
  if (json === null || json === undefined) return null;
  return awardsSchema.parse(json);
}

export interface AwardResult {
  group: string;
  /** The net increase met the target. */
  qualifies: boolean;
  collective: number;
  individual: number;
  /** The tiers reached, in percent above the target (e.g. [10, 20]). */
  tiers: number[];
}

/**
 * What a unit earns: null when it is in no group, or has no target (no target → nothing to meet). A unit that
 * does not meet its target is in its group but earns nothing (qualifies false).
 */
export function evaluateAward(config: AwardsConfig, unitCode: string, result: { target: number | null; net: number }): AwardResult | null {
  const group = config.groups.find((g) => g.units.includes(unitCode.toUpperCase()));
  if (!group || result.target === null || result.target <= 0) return null;
  const qualifies = result.net >= result.target;
  if (!qualifies) return { group: group.name, qualifies, collective: 0, individual: 0, tiers: [] };
  let collective = group.collective;
  let individual = group.individual;
  const tiers: number[] = [];
  for (const tier of [...group.tiers].sort((a, b) => a.abovePercent - b.abovePercent)) {
    if (result.net * 100 >= result.target * (100 + tier.abovePercent)) {
      collective += tier.collective;
      individual += tier.individual;
      tiers.push(tier.abovePercent);
    }
  }
  return { group: group.name, qualifies, collective, individual, tiers };
}
