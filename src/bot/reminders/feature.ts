// /reminders: a person sees whether reminders are on and turns them off or on with one button.
// /report_status [unit code]: an officer sees which grassroots unions of their scope have and have not
// reported this week, and nudges the missing ones' chairs with one tap. Buttons carry ids only; the
// unit is looked up and the presser authorized again on every press.
import { Composer, InlineKeyboard } from "grammy";
import { nudgeMissing, reportStatus, type StatusUnit } from "../../drive/report-status.ts";
import { remindersOn, setRemindersOn, vietnamWeekStart } from "../../drive/reminders.ts";
import type { T } from "../../i18n/i18n.ts";
import { defaultUpperUnit, findUnitByCode, TYPED_UNIT_CODE } from "../../organisation/units.ts";
import { formatCalendarDate } from "../../shared/time.ts";
import type { BotContext, Deps } from "../context.ts";
import { telegramDeliver } from "./send.ts";

const TOGGLE_DATA = /^rmd:(on|off)$/;
const NUDGE_DATA = /^rsn:([a-z0-9]{20,32}):(\d{4}-\d{2}-\d{2})$/;
/** Names listed per group; the rest are counted. Keeps the message phone-sized. */
const LIST_AT_MOST = 25;
const DAY = 86_400_000;

function toggleView(on: boolean, t: T) {
  return {
    text: t(on ? "reminders.state_on" : "reminders.state_off"),
    keyboard: new InlineKeyboard().text(t(on ? "reminders.turn_off" : "reminders.turn_on"), on ? "rmd:off" : "rmd:on"),
  };
}

function listUnits(units: StatusUnit[], t: T): string {
  const shown = units.slice(0, LIST_AT_MOST).map((u) => `• ${u.name} (${u.code})`);
  if (units.length > LIST_AT_MOST) shown.push(t("report_status.more", { count: units.length - LIST_AT_MOST }));
  return shown.join("\n");
}

/** The unit /report_status looks at: the typed code, else the person's own officer unit, else (admins) the province. */
async function statusUnitFor(ctx: BotContext, typed: string): Promise<{ id: string } | "not_found" | "none"> {
  const { prisma } = ctx.deps;
  if (typed) {
    const unit = TYPED_UNIT_CODE.test(typed) ? await findUnitByCode(prisma, typed) : null;
    return unit ?? "not_found";
  }
  const grants = await prisma.roleGrant.findMany({ where: { personId: ctx.person.id, role: { in: ["OFFICER", "ADMIN"] } }, orderBy: { createdAt: "asc" } });
  const officer = grants.find((g) => g.role === "OFFICER" && g.unitId);
  if (officer?.unitId) return { id: officer.unitId };
  if (grants.some((g) => g.role === "ADMIN")) return (await defaultUpperUnit(prisma)) ?? "none";
  return "none";
}

export function createRemindersFeature(deps: Deps) {
  const feature = new Composer<BotContext>();
  const chats = feature.chatType("private");

  chats.command("reminders", async (ctx) => {
    const view = toggleView(await remindersOn(deps.prisma, ctx.person.id), ctx.t);
    await ctx.reply(view.text, { reply_markup: view.keyboard });
  });

  feature.callbackQuery(TOGGLE_DATA, async (ctx) => {
    const on = ctx.match[1] === "on";
    await setRemindersOn(deps.prisma, ctx.person.id, on);
    const view = toggleView(on, ctx.t);
    await ctx.answerCallbackQuery({ text: ctx.t(on ? "reminders.turned_on" : "reminders.turned_off") });
    await ctx.editMessageText(view.text, { reply_markup: view.keyboard }).catch(() => undefined);
  });

  chats.command("report_status", async (ctx) => {
    const typed = ctx.match.trim();
    const target = await statusUnitFor(ctx, typed);
    if (target === "not_found") return ctx.reply(ctx.t("report_status.unit_not_found", { code: typed.slice(0, 40) }));
    if (target === "none") return ctx.reply(ctx.t("report_status.forbidden"));
    const weekStart = vietnamWeekStart(new Date());
    const status = await reportStatus(deps.prisma, { actorId: ctx.person.id, unitId: target.id, weekStart });
    if (!status.ok) return ctx.reply(ctx.t(status.reason === "forbidden" ? "report_status.forbidden" : "report_status.unit_not_found", { code: typed }));
    const total = status.reported.length + status.missing.length;
    const parts = [
      ctx.t("report_status.title", {
        unit: status.unit.name,
        from: formatCalendarDate(weekStart),
        to: formatCalendarDate(new Date(weekStart.getTime() + 6 * DAY)),
      }),
      ctx.t("report_status.summary", { done: status.reported.length, total }),
    ];
    if (total === 0) parts.push(ctx.t("report_status.no_units"));
    if (status.missing.length > 0) parts.push(`${ctx.t("report_status.missing", { count: status.missing.length })}\n${listUnits(status.missing, ctx.t)}`);
    if (status.reported.length > 0) parts.push(`${ctx.t("report_status.reported", { count: status.reported.length })}\n${listUnits(status.reported, ctx.t)}`);
    const keyboard = status.missing.length > 0
      ? new InlineKeyboard().text(ctx.t("report_status.nudge"), `rsn:${status.unit.id}:${weekStart.toISOString().slice(0, 10)}`)
      : undefined;
    await ctx.reply(parts.join("\n\n"), keyboard ? { reply_markup: keyboard } : undefined);
  });

  feature.callbackQuery(NUDGE_DATA, async (ctx) => {
    const [, unitId, week] = ctx.match;
    const weekStart = new Date(`${week}T00:00:00Z`);
    const current = vietnamWeekStart(new Date());
    // Only this week's or last week's list may nudge: older buttons are stale.
    const fresh = weekStart.getTime() === current.getTime() || weekStart.getTime() === current.getTime() - 7 * DAY;
    if (!fresh) return ctx.answerCallbackQuery({ text: ctx.t("report_status.stale"), show_alert: true });
    const result = await nudgeMissing(
      deps.prisma,
      { actorId: ctx.person.id, unitId: unitId!, weekStart, now: new Date() },
      telegramDeliver({ api: ctx.api, prisma: deps.prisma, logger: deps.logger }),
    );
    if (!result.ok) return ctx.answerCallbackQuery({ text: ctx.t(`report_status.${result.reason === "forbidden" ? "forbidden" : "stale"}`), show_alert: true });
    await ctx.answerCallbackQuery();
    if (result.sent > 0) return ctx.reply(ctx.t("report_status.nudged", { count: result.sent }));
    await ctx.reply(ctx.t(result.already > 0 ? "report_status.nudged_already" : "report_status.nobody"));
  });

  return feature;
}
