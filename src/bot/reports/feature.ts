// /report [unit code] and the reminders' button "rep:<unitId>": both open the weekly report form. The button's unit is looked
// up and authorized again inside the form, so a stale or forged button changes nothing.
import { Composer } from "grammy";
import { writeAudit } from "../../audit/audit.ts";
import { findUnitByCode, TYPED_UNIT_CODE } from "../../organisation/units.ts";
import { cleanText } from "../../shared/text.ts";
import type { BotContext } from "../context.ts";
import { REPORT_CONVERSATION } from "./conversation.ts";

/** Button data a reminder puts under its message. */
export const reportButtonData = (unitId: string) => `rep:${unitId}`;
const REPORT_BUTTON = /^rep:([A-Za-z0-9_-]{1,40})$/;

export function createReportsFeature() {
  const feature = new Composer<BotContext>();
  feature.chatType("private").command("report", async (ctx) => {
    await ctx.conversation.exitAll();
    // "/report <unit code>": an officer reports for a union of their subtree (or a chair names their own). The unit is
    // authorized inside the form; an unknown code gets the same refusal as one outside the scope.
    const code = cleanText(ctx.match ?? "").toUpperCase();
    if (!code) return ctx.conversation.enter(REPORT_CONVERSATION);
    const unit = TYPED_UNIT_CODE.test(code) ? await findUnitByCode(ctx.deps.prisma, code) : null;
    if (!unit) {
      await writeAudit(ctx.deps.prisma, { actorId: ctx.person.id, action: "denied:report.submit", unitId: null });
      return ctx.reply(ctx.t("reports.not_allowed"));
    }
    await ctx.conversation.enter(REPORT_CONVERSATION, unit.id);
  });
  feature.callbackQuery(REPORT_BUTTON, async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => undefined);
    if (ctx.chat?.type !== "private") return;
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(REPORT_CONVERSATION, ctx.match[1]);
  });
  return feature;
}
