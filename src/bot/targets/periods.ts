// The periods a target can be set for in chat: this year, next year, and the campaign running now (or the next one)
// among the unit's own and its upper levels' campaigns. Plain JSON, so a conversation can keep them.
import type { PrismaClient } from "../../db/database.ts";
import { activeCampaign, campaignsFor, type CampaignSummary } from "../../drive/campaigns.ts";
import type { Period } from "../../drive/targets.ts";
import { ancestorIds } from "../../organisation/units.ts";
import { vietnamDate } from "../../shared/time.ts";

/** The campaign running on `today`, else the next one to start. */
export function currentOrNext(campaigns: CampaignSummary[], today: Date): CampaignSummary | undefined {
  return (
    activeCampaign(campaigns, today) ??
    campaigns.filter((c) => c.startsOn > today).sort((a, b) => a.startsOn.getTime() - b.startsOn.getTime())[0]
  );
}

export type PeriodOption = { value: string; year: number; campaign?: undefined } | { value: string; year?: undefined; campaign: { id: string; code: string; name: string } };

export async function periodOptions(prisma: PrismaClient, unitId: string, now = new Date()): Promise<PeriodOption[]> {
  const today = vietnamDate(now);
  const y = today.getUTCFullYear();
  const options: PeriodOption[] = [{ value: `y${y}`, year: y }, { value: `y${y + 1}`, year: y + 1 }];
  const campaign = currentOrNext(await campaignsFor(prisma, await ancestorIds(prisma, unitId)), today);
  if (campaign) options.push({ value: `c${campaign.id}`, campaign: { id: campaign.id, code: campaign.code, name: campaign.name } });
  return options;
}

export function periodOf(option: PeriodOption): Period {
  return option.campaign ? { campaignId: option.campaign.id } : { year: option.year };
}

/** The code of any campaign running now or next (the template's example line). */
export async function currentCampaignCode(prisma: PrismaClient, now = new Date()): Promise<string | undefined> {
  const issuers = await prisma.campaign.findMany({ select: { issuingUnitId: true }, distinct: ["issuingUnitId"] });
  return currentOrNext(await campaignsFor(prisma, issuers.map((c) => c.issuingUnitId)), vietnamDate(now))?.code;
}
