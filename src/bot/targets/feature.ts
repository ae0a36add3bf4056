// /targets [unit code]: the targets (chỉ tiêu) of a unit for the current year (Vietnam time) and for the campaign
// running now (or the next one), from the unit's own campaigns or its upper levels'. Without a code: the unit of the
// person's first role. Officers see the units of their subtree, chairs their own union (policy "target.view"); a unit
// that does not exist and one outside the scope get the same answer, so codes cannot be probed. Under it, a "Set a
// target" button for those who may set the unit's targets (policy "target.set").
// /set_target [unit code], /import_targets and /targets_template: setting targets in chat (see set-conversation.ts and
// import-conversation.ts).
import { Composer, InlineKeyboard } from "grammy";
import { fileToSend } from "../../channels/files.ts";
import type { TargetMetric } from "../../generated/prisma/client.ts";
import { campaignsFor } from "../../drive/campaigns.ts";
import { targetTemplate } from "../../drive/target-template.ts";
import { METRICS, targetsFor, type Period } from "../../drive/targets.ts";
import { numberFormat } from "../../i18n/i18n.ts";
import { rolesOf } from "../../organisation/roles.ts";
import { ancestorIds, findUnit, findUnitByCode } from "../../organisation/units.ts";
import { authorize, unitsWhere } from "../../policy/policy.ts";
import { cleanText } from "../../shared/text.ts";
import { formatCalendarDate, vietnamDate } from "../../shared/time.ts";
import type { BotContext, Deps } from "../context.ts";
import { maySetTargets, TARGET_IMPORT_CONVERSATION } from "./import-conversation.ts";
import { currentCampaignCode, currentOrNext } from "./periods.ts";
import { SET_TARGET_CONVERSATION, settableUnit } from "./set-conversation.ts";

const SET_BUTTON = /^tgs:([A-Za-z0-9_-]{1,40})$/;

export function createTargetsFeature(deps: Deps) {
  const composer = new Composer<BotContext>();
  const chats = composer.chatType("private");

  chats.command("set_target", async (ctx) => {
    await ctx.conversation.exitAll();
    const code = cleanText(ctx.match ?? "").toUpperCase().slice(0, 64);
    if (!code) {
      if (!(await maySetTargets(deps, ctx.person.id))) return ctx.reply(ctx.t("targets.set.refused"));
      return ctx.conversation.enter(SET_TARGET_CONVERSATION);
    }
    const unit = await settableUnit(deps, ctx.person.id, { code });
    if (!unit) return ctx.reply(ctx.t("targets.set.notAllowed", { code }));
    await ctx.conversation.enter(SET_TARGET_CONVERSATION, unit.id);
  });

  composer.callbackQuery(SET_BUTTON, async (ctx) => {
    const unit = await settableUnit(deps, ctx.person.id, { id: ctx.match[1]! });
    if (!unit) return ctx.answerCallbackQuery({ text: ctx.t("targets.set.forbidden"), show_alert: true });
    await ctx.answerCallbackQuery();
    if (ctx.chat?.type !== "private") return;
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(SET_TARGET_CONVERSATION, unit.id);
  });

  chats.command("import_targets", async (ctx) => {
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(TARGET_IMPORT_CONVERSATION);
  });

  chats.command("targets_template", async (ctx) => {
    if (!(await maySetTargets(deps, ctx.person.id))) return ctx.reply(ctx.t("targets.importChat.refused"));
    const campaignCode = await currentCampaignCode(deps.prisma);
    await ctx.replyWithDocument(fileToSend(await targetTemplate(ctx.lang, campaignCode), "targets-template.xlsx"), { caption: ctx.t("targets.importChat.templateCaption") });
  });
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
    const number = numberFormat(ctx.lang);
    const lines = (targets: { metric: TargetMetric; value: number }[]) =>
      METRICS.map((metric) => {
        const found = targets.find((t) => t.metric === metric);
        return ctx.t("targets.chat.line", { metric: ctx.t(`targets.metrics.${metric}`), value: found ? number.format(found.value) : ctx.t("targets.chat.notSet") });
      });
    const today = vietnamDate(new Date());
    const y = today.getUTCFullYear();
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
    // The button only for those who may set this unit's targets; checked without auditing (nothing was attempted yet).
    const settable = await unitsWhere(prisma, ctx.person.id, "target.set");
    const canSet = settable === "everywhere" || settable.includes(unit.id);
    const keyboard = canSet ? new InlineKeyboard().text(ctx.t("targets.set.button"), `tgs:${unit.id}`) : undefined;
    await ctx.reply(out.join("\n"), keyboard ? { reply_markup: keyboard } : undefined);
  });
  return composer;
}
