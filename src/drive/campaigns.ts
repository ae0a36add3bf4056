// Campaigns (e.g. "Tháng cao điểm 2026") and their waves (đợt cao điểm), issued by a unit. Input comes as people write
// it (dates dd/mm/yyyy) and is checked with zod: real dates, the end not before the start, every wave inside the
// campaign, waves not overlapping. Creating one is allowed to officers of the issuing unit or above it, and admins
// (policy "campaign.manage"), and audited in the same transaction. Dates are calendar dates (UTC midnight, @db.Date).
import { z } from "zod";
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import { authorize } from "../policy/policy.ts";
import { formatCalendarDate } from "../shared/time.ts";
import { cleanText } from "../shared/text.ts";

export const CAMPAIGN_CODE = /^[A-Z0-9][A-Z0-9_-]{0,39}$/;
export const CAMPAIGN_NAME_MAX = 200;
export const ANNOUNCEMENT_MAX = 2000;
export const MAX_WAVES = 12;

/** dd/mm/yyyy (also d/m/yyyy) → the calendar date at UTC midnight; undefined when not a real date. */
export function parseCalendarDate(raw: string): Date | undefined {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(raw.trim());
  if (!m) return undefined;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 2000 || y > 2100 || mo < 1 || mo > 12 || d < 1) return undefined;
  if (d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return undefined;
  return new Date(Date.UTC(y, mo - 1, d));
}

// Messages are translation keys; the caller translates them (with the issue's path) in the user's language.
const day = z.string().transform((raw, ctx) => {
  const date = parseCalendarDate(raw);
  if (!date) {
    ctx.addIssue({ code: "custom", message: "targets.campaign.errors.date", params: { value: raw } });
    return z.NEVER;
  }
  return date;
});

const name = z.string().transform(cleanText).pipe(z.string().min(1, "targets.campaign.errors.name").max(CAMPAIGN_NAME_MAX, "targets.campaign.errors.name"));

const waveSchema = z
  .object({
    name,
    startsOn: day,
    endsOn: day,
    announcement: z.string().transform(cleanText).pipe(z.string().max(ANNOUNCEMENT_MAX, "targets.campaign.errors.announcement")).optional(),
  })
  .refine((w) => w.endsOn >= w.startsOn, { message: "targets.campaign.errors.endBeforeStart", path: ["endsOn"] });

export const campaignSchema = z
  .object({
    code: z.string().transform((s) => cleanText(s).toUpperCase()).pipe(z.string().regex(CAMPAIGN_CODE, "targets.campaign.errors.code")),
    name,
    startsOn: day,
    endsOn: day,
    waves: z.array(waveSchema).min(1, "targets.campaign.errors.noWaves").max(MAX_WAVES, "targets.campaign.errors.tooManyWaves"),
  })
  .superRefine((c, ctx) => {
    if (c.endsOn < c.startsOn) ctx.addIssue({ code: "custom", message: "targets.campaign.errors.endBeforeStart", path: ["endsOn"] });
    c.waves.forEach((w, i) => {
      if (w.startsOn < c.startsOn || w.endsOn > c.endsOn) {
        ctx.addIssue({ code: "custom", message: "targets.campaign.errors.waveOutside", path: ["waves", i], params: { wave: w.name } });
      }
    });
    const sorted = c.waves.map((w, i) => ({ w, i })).sort((a, b) => a.w.startsOn.getTime() - b.w.startsOn.getTime());
    for (let k = 1; k < sorted.length; k++) {
      const prev = sorted[k - 1]!;
      const cur = sorted[k]!;
      if (cur.w.startsOn <= prev.w.endsOn) {
        ctx.addIssue({ code: "custom", message: "targets.campaign.errors.wavesOverlap", path: ["waves", cur.i], params: { wave: cur.w.name, other: prev.w.name } });
      }
    }
  });

export type CampaignInput = z.input<typeof campaignSchema>;

export interface CampaignError {
  key: string;
  params?: Record<string, string | number>;
  path: (string | number)[];
}

export type CreateCampaignResult =
  | { ok: true; campaignId: string }
  | { ok: false; reason: "denied" | "unitNotFound" | "codeTaken" }
  | { ok: false; reason: "invalid"; errors: CampaignError[] };

/** Who acts: a person (checked by the policy) or the operator CLI (everything; audited with no actor). */
export type Actor = { personId: string } | { operator: true };

export function actorIdOf(actor: Actor): string | null {
  return "operator" in actor ? null : actor.personId;
}

/** Creates a campaign with its waves for `issuingUnitId`; validates first, writes nothing on any error. */
export async function createCampaign(prisma: PrismaClient, actor: Actor, issuingUnitId: string, input: CampaignInput): Promise<CreateCampaignResult> {
  const unit = await prisma.unit.findUnique({ where: { id: issuingUnitId }, select: { id: true } });
  if (!unit) return { ok: false, reason: "unitNotFound" };
  if ("personId" in actor && !(await authorize(prisma, actor.personId, "campaign.manage", issuingUnitId))) return { ok: false, reason: "denied" };
  const parsed = campaignSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      reason: "invalid",
      errors: parsed.error.issues.map((i) => ({
        key: i.message,
        path: i.path.filter((p): p is string | number => typeof p !== "symbol"),
        params: (i as { params?: Record<string, string | number> }).params,
      })),
    };
  }
  const c = parsed.data;
  if (await prisma.campaign.findUnique({ where: { code: c.code }, select: { id: true } })) return { ok: false, reason: "codeTaken" };
  const campaign = await prisma.$transaction(async (tx) => {
    const created = await tx.campaign.create({
      data: {
        code: c.code,
        name: c.name,
        issuingUnitId,
        startsOn: c.startsOn,
        endsOn: c.endsOn,
        waves: { create: c.waves.map((w) => ({ name: w.name, startsOn: w.startsOn, endsOn: w.endsOn, announcement: w.announcement ?? null })) },
      },
      select: { id: true },
    });
    await writeAudit(tx, {
      actorId: actorIdOf(actor),
      action: "campaign.create",
      unitId: issuingUnitId,
      targetType: "Campaign",
      targetId: created.id,
      after: {
        code: c.code,
        name: c.name,
        startsOn: formatCalendarDate(c.startsOn),
        endsOn: formatCalendarDate(c.endsOn),
        waves: c.waves.map((w) => ({ name: w.name, startsOn: formatCalendarDate(w.startsOn), endsOn: formatCalendarDate(w.endsOn) })),
      },
    });
    return created;
  });
  return { ok: true, campaignId: campaign.id };
}

export interface CampaignSummary {
  id: string;
  code: string;
  name: string;
  issuingUnitId: string;
  startsOn: Date;
  endsOn: Date;
  waves: { id: string; name: string; startsOn: Date; endsOn: Date; announcement: string | null }[];
}

const CAMPAIGN_SELECT = {
  id: true,
  code: true,
  name: true,
  issuingUnitId: true,
  startsOn: true,
  endsOn: true,
  waves: { select: { id: true, name: true, startsOn: true, endsOn: true, announcement: true }, orderBy: { startsOn: "asc" as const } },
};

/** Campaigns issued by the unit or by any unit above it (a unit takes part in the campaigns of its upper levels). */
export async function campaignsFor(prisma: PrismaClient, unitIds: string[]): Promise<CampaignSummary[]> {
  return prisma.campaign.findMany({ where: { issuingUnitId: { in: unitIds } }, select: CAMPAIGN_SELECT, orderBy: [{ startsOn: "desc" }, { code: "asc" }] });
}

export async function findCampaignByCode(prisma: PrismaClient, code: string): Promise<CampaignSummary | null> {
  return prisma.campaign.findUnique({ where: { code: cleanText(code).toUpperCase() }, select: CAMPAIGN_SELECT });
}

/** The campaign running on `day` (a calendar date) among the given ones: the one that started last. */
export function activeCampaign(campaigns: CampaignSummary[], day: Date): CampaignSummary | undefined {
  return campaigns
    .filter((c) => c.startsOn <= day && day <= c.endsOn)
    .sort((a, b) => b.startsOn.getTime() - a.startsOn.getTime())[0];
}
