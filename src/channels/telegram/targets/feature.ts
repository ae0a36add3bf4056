// /targets [unit code]: the targets (chỉ tiêu) of a unit for the current year (Vietnam time) and for the campaign
// running now (or the next one), from the unit's own campaigns or its upper levels'. Without a code: the unit of the
// person's first role. Officers see the units of their subtree, chairs their own union (policy "target.view"); a unit
// that does not exist and one outside the scope get the same answer, so codes cannot be probed.
import { Composer } from "grammy";
import type { TargetMetric } from "../../../generated/prisma/client.ts";
import { activeCampaign, campaignsFor, type CampaignSummary } from "../../../drive/campaigns.ts";
import { METRICS, targetsFor, type Period } from "../../../drive/targets.ts";
import { rolesOf } from "../../../organisation/roles.ts";
import { ancestorIds, findUnit, findUnitByCode } from "../../../organisation/units.ts";
import { authorize } from "../../../policy/policy.ts";
import { cleanText } from "../../../shared/text.ts";
import { formatCalendarDate, vietnamDay } from "../../../shared/time.ts";
import type { BotContext } from "../context.ts";

/** The campaign running on `today`, else the next one to start. */
function currentOrNext(campaigns: CampaignSummary[], today: Date): CampaignSummary | undefined {
  return (
    activeCampaign(campaigns, today) ??
    campaigns.filter((c) => c.startsOn > today).sort((a, b) => a.startsOn.getTime() - b.startsOn.getTime())[0]
  );
}

export function createTargetsFeature() {
  const composer = new Composer<BotContext>();
  composer.command("targets", async (ctx) => {
    const { prisma } = ctx.deps;
    const code = cleanText(ctx.match ?? "").toUpperCase().slice(0, 64);
    let unitId: string | undefined;
    if (code) unitId = (await findUnitByCode(prisma, code))?.id;
    else unitId = (await rolesOf(prisma, ctx.person.id)).find((r) => r.unitId)?.unitId ?? undefined;
    if (!code && !unitId) {
      await ctx.reply(ctx.t("targets.chat.usage"));
      return;
    }
    const unit = unitId ? await findUnit(prisma, unitId) : null;
    if (!unit || !(await authorize(prisma, ctx.person.id, "target.view", unit.id))) {
      await ctx.reply(ctx.t("targets.chat.notAllowed", { code }));
      return;
    }
    const number = new Intl.NumberFormat(ctx.lang === "vi" ? "vi-VN" : "en-GB");
    const lines = (targets: { metric: TargetMetric; value: number }[]) =>
      METRICS.map((metric) => {
        const found = targets.find((t) => t.metric === metric);
        return ctx.t("targets.chat.line", { metric: ctx.t(`targets.metrics.${metric}`), value: found ? number.format(found.value) : ctx.t("targets.chat.notSet") });
      });
    const { y, m, d } = vietnamDay(new Date());
    const today = new Date(Date.UTC(y, m - 1, d));
    const yearly = await targetsFor(prisma, unit.id, { year: y });
    const out = [ctx.t("targets.chat.title", { unit: unit.name, code: unit.code }), "", ctx.t("targets.chat.year", { year: y }), ...lines(yearly)];
    const campaign = currentOrNext(await campaignsFor(prisma, await ancestorIds(prisma, unit.id)), today);
    if (campaign) {
      const period: Period = { campaignId: campaign.id };
      out.push(
        "",
        ctx.t("targets.chat.campaign", { name: campaign.name, code: campaign.code, from: formatCalendarDate(campaign.startsOn), to: formatCalendarDate(campaign.endsOn) }),
        ...campaign.waves.map((w) => ctx.t("targets.chat.wave", { name: w.name, from: formatCalendarDate(w.startsOn), to: formatCalendarDate(w.endsOn) })),
        ...lines(await targetsFor(prisma, unit.id, period)),
      );
    } else out.push("", ctx.t("targets.chat.noCampaign"));
    await ctx.reply(out.join("\n"));
  });
  return composer;
}
