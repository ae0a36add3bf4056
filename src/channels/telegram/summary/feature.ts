// /summary [unit] [year or campaign]: the progress of a unit's children against their targets, as a compact
// monospace table that fits a phone (paged, 10 units a page), the totals, who is behind, who earns an award, then a
// PNG bar chart of % of target. Buttons drill down into a child, go up a level, or turn pages; their data carries ids
// only (validated by a strict pattern) and the presser is authorized again on every press.
// /export [unit] [year or campaign] [csv]: the same numbers with the units, reports, applications and members as an
// .xlsx (or the summary alone as .csv); personal columns only for roles allowed; every export audited.
// Without a unit: the person's officer unit, else their union, else (admins) the province. Without a period: the
// campaign running now for the unit, else this year. A unit outside the scope and an unknown code get the same answer.
import { Composer, InlineKeyboard, InputFile } from "grammy";
import type { PrismaClient } from "../../../db/database.ts";
import { activeCampaign, campaignsFor } from "../../../drive/campaigns.ts";
import { numberFormat, type Lang, type T } from "../../../i18n/i18n.ts";
import { escapeHtml } from "../../../shared/text.ts";
import { rolesOf } from "../../../organisation/roles.ts";
import { ancestorIds, defaultUpperUnit, findUnit, findUnitByCode, isGrassroots, TYPED_UNIT_CODE } from "../../../organisation/units.ts";
import { authorize, can, unitTarget } from "../../../policy/policy.ts";
import { renderChart, MAX_BARS } from "../../../summary/chart.ts";
import { awardText, exportSummary, MAX_EXPORT_ROWS } from "../../../summary/export.ts";
import { campaignPeriod, computeSummary, resolvePeriod, yearPeriod, type ResolvedPeriod, type Summary } from "../../../summary/rollup.ts";
import { formatCalendarDate, vietnamDate } from "../../../shared/time.ts";
import type { BotContext } from "../context.ts";

export const PAGE_SIZE = 10;
/** sm:<p|d>:<unit id>:<Y2026 | C<campaign id>>:<page> — p: turn a page (edit), d: open a unit (new messages). */
const BUTTON_DATA = /^sm:([pd]):([a-z0-9]{20,32}):(Y\d{4}|C[a-z0-9]{20,32}):(\d{1,4})$/;


/** The unit a person sees without naming one. */
async function defaultUnit(prisma: PrismaClient, personId: string): Promise<string | null> {
  const roles = await rolesOf(prisma, personId);
  const officer = roles.find((r) => r.role === "OFFICER" && r.unitId);
  if (officer?.unitId) return officer.unitId;
  const chair = roles.find((r) => (r.role === "CHAIR" || r.role === "DEPUTY_CHAIR") && r.unitId);
  if (chair?.unitId) return chair.unitId;
  if (roles.some((r) => r.role === "ADMIN")) return (await defaultUpperUnit(prisma))?.id ?? null;
  return null;
}

/** The campaign running today for the unit (its own or an upper level's), else this year (Vietnam time). */
async function defaultPeriod(prisma: PrismaClient, unitId: string): Promise<ResolvedPeriod> {
  const today = vietnamDate(new Date());
  const campaign = activeCampaign(await campaignsFor(prisma, await ancestorIds(prisma, unitId)), today);
  return campaign ? campaignPeriod(prisma, campaign) : yearPeriod(today.getUTCFullYear());
}

type Parsed = { unitId: string; period: ResolvedPeriod; csv: boolean } | { error: string };

/** `/summary LC LC-TCD-2026`, `/export 2025 LC-DK csv`: words in any order; a unit code, a period, "csv". */
async function parseArgs(ctx: BotContext, text: string, allowCsv: boolean): Promise<Parsed> {
  const { prisma } = ctx.deps;
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length > 3) return { error: ctx.t(allowCsv ? "summary.chat.exportUsage" : "summary.chat.usage") };
  let unitId: string | null = null;
  let period: ResolvedPeriod | null = null;
  let csv = false;
  for (const word of words) {
    if (allowCsv && word.toLowerCase() === "csv" && !csv) {
      csv = true;
      continue;
    }
    if (!TYPED_UNIT_CODE.test(word)) return { error: ctx.t(allowCsv ? "summary.chat.exportUsage" : "summary.chat.usage") };
    if (!unitId && !/^\d{4}$/.test(word)) {
      const unit = await findUnitByCode(prisma, word);
      if (unit) {
        unitId = unit.id;
        continue;
      }
    }
    if (!period) {
      const found = await resolvePeriod(prisma, word);
      if (found) {
        period = found;
        continue;
      }
    }
    // Neither a unit nor a period: the same answer as a unit outside the scope, unless it looks like a year.
    return { error: /^\d{4}$/.test(word) ? ctx.t("summary.chat.periodUnknown", { value: word }) : ctx.t("summary.chat.notAllowed") };
  }
  unitId ??= await defaultUnit(prisma, ctx.person.id);
  if (!unitId) return { error: ctx.t("summary.chat.noUnit") };
  return { unitId, period: period ?? (await defaultPeriod(prisma, unitId)), csv };
}

function periodLine(t: T, period: ResolvedPeriod): string {
  const from = formatCalendarDate(period.from);
  const to = formatCalendarDate(period.to);
  return period.campaign
    ? t("summary.chat.periodCampaign", { name: period.campaign.name, from, to })
    : t("summary.chat.periodYear", { year: period.label, from, to });
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** One line of the table, 32 characters: rank, code, target, net increase, % and a mark. */
function tableLine(cells: { rank: string; code: string; target: string; net: string; percent: string; mark: string }): string {
  return `${cells.rank.padEnd(3)}${cut(cells.code, 11).padEnd(12)}${cells.target.padStart(5)} ${cells.net.padStart(5)} ${cells.percent.padStart(4)}${cells.mark}`.trimEnd();
}

export function renderTable(summary: Summary, t: T, lang: Lang, page: number): { text: string; pages: number; page: number } {
  const n = numberFormat(lang, { maximumFractionDigits: 1 });
  const pages = Math.max(1, Math.ceil(summary.rows.length / PAGE_SIZE));
  const at = Math.min(Math.max(0, page), pages - 1);
  const rows = summary.rows.slice(at * PAGE_SIZE, (at + 1) * PAGE_SIZE);
  const lines = [
    tableLine({
      rank: t("summary.chat.columns.rank"),
      code: t("summary.chat.columns.unit"),
      target: t("summary.chat.columns.target"),
      net: t("summary.chat.columns.net"),
      percent: t("summary.chat.columns.percent"),
      mark: "",
    }),
    ...rows.map((r) =>
      tableLine({
        rank: r.rank === null ? "-" : String(r.rank),
        code: r.unit.code,
        target: r.target === null ? "–" : String(r.target),
        net: String(r.net),
        percent: r.percent === null ? "–" : String(Math.round(r.percent)),
        mark: `${r.behind ? "!" : ""}${r.award?.qualifies ? "★" : ""}`,
      }),
    ),
  ];
  const total = summary.total;
  const out = [
    `<b>${escapeHtml(t("summary.chat.title", { unit: summary.unit.name, code: summary.unit.code }))}</b>`,
    escapeHtml(periodLine(t, summary.period)),
    "",
    `<pre>${escapeHtml(lines.join("\n"))}</pre>`,
  ];
  if (pages > 1) out.push(escapeHtml(t("summary.chat.page", { page: at + 1, pages })));
  out.push(
    escapeHtml(
      t("summary.chat.total", {
        target: total.target === null ? t("summary.chat.noTarget") : n.format(total.target),
        admitted: n.format(total.admitted),
        reduced: n.format(total.reduced),
        net: n.format(total.net),
        percent: total.percent === null ? "–" : `${n.format(total.percent)} %`,
      }),
    ),
    escapeHtml(t("summary.chat.extra", { newGrassroots: n.format(total.newGrassroots), party: n.format(total.partyIntroduced), pending: n.format(total.pending) })),
    escapeHtml(t("summary.chat.bot", { joined: n.format(total.joinedByBot), poster: n.format(total.joinedByPoster), link: n.format(total.joinedByLink) })),
    escapeHtml(t("summary.chat.reported", { week: formatCalendarDate(summary.latestWeek), done: total.reportedLatestWeek, total: total.grassroots })),
  );
  const behind = summary.rows.filter((r) => r.behind).map((r) => r.unit.code);
  out.push(escapeHtml(behind.length > 0 ? t("summary.chat.behind", { units: behind.join(", ") }) : t("summary.chat.nobodyBehind")));
  if (summary.period.awards) {
    const earned = summary.rows.filter((r) => r.award?.qualifies);
    out.push(escapeHtml(t("summary.chat.awardsTitle", { award: summary.period.awards.award })));
    if (earned.length === 0) out.push(escapeHtml(t("summary.chat.noAwards")));
    for (const r of earned) out.push(escapeHtml(t("summary.chat.awardLine", { code: r.unit.code, text: awardText(t, r) })));
  }
  out.push("", `<i>${escapeHtml(t("summary.chat.legend"))}</i>`);
  return { text: out.join("\n"), pages, page: at };
}

function periodToken(period: ResolvedPeriod): string {
  return period.campaign ? `C${period.campaign.id}` : `Y${period.label}`;
}

async function keyboardFor(ctx: BotContext, summary: Summary, page: number, pages: number): Promise<InlineKeyboard> {
  const keyboard = new InlineKeyboard();
  const token = periodToken(summary.period);
  const fits = (data: string) => Buffer.byteLength(data) <= 64;
  const rows = summary.rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE).filter((r) => r.unit.id !== summary.unit.id && !isGrassroots(r.unit));
  rows.forEach((r, i) => {
    const data = `sm:d:${r.unit.id}:${token}:0`;
    if (!fits(data)) return;
    keyboard.text(ctx.t("summary.chat.drill", { code: r.unit.code }), data);
    if (i % 2 === 1) keyboard.row();
  });
  keyboard.row();
  if (page > 0) keyboard.text(ctx.t("summary.chat.prev"), `sm:p:${summary.unit.id}:${token}:${page - 1}`);
  if (page < pages - 1) keyboard.text(ctx.t("summary.chat.next"), `sm:p:${summary.unit.id}:${token}:${page + 1}`);
  const unit = await ctx.deps.prisma.unit.findUnique({ where: { id: summary.unit.id }, select: { parentId: true } });
  if (unit?.parentId) {
    // Offered only where the person may look: checked without writing a refusal (the press checks again).
    const mayGoUp = can(await rolesOf(ctx.deps.prisma, ctx.person.id), "summary.view", await unitTarget(ctx.deps.prisma, unit.parentId));
    const data = `sm:d:${unit.parentId}:${token}:0`;
    if (mayGoUp && fits(data)) keyboard.text(ctx.t("summary.chat.up"), data);
  }
  return keyboard;
}

function chartFor(summary: Summary, t: T): Buffer {
  const bars = summary.rows.map((r) => ({ label: `${r.unit.code} · ${r.unit.name}`, percent: r.percent, behind: r.behind }));
  return renderChart({
    title: t("summary.chart.title", { unit: summary.unit.name }),
    subtitle: t("summary.chart.subtitle", { period: periodLine(t, summary.period) }),
    bars,
    noTarget: t("summary.chart.noTarget"),
    more: bars.length > MAX_BARS ? t("summary.chart.more", { count: bars.length - MAX_BARS }) : undefined,
  });
}

/** The table (with its buttons) first, then the chart under it. */
async function sendSummary(ctx: BotContext, summary: Summary): Promise<void> {
  const table = renderTable(summary, ctx.t, ctx.lang, 0);
  await ctx.reply(table.text, { parse_mode: "HTML", reply_markup: await keyboardFor(ctx, summary, 0, table.pages) });
  await ctx.replyWithPhoto(new InputFile(chartFor(summary, ctx.t), `tong-hop-${summary.unit.code}.png`));
}

async function periodFromToken(prisma: PrismaClient, token: string): Promise<ResolvedPeriod | null> {
  if (token.startsWith("Y")) return resolvePeriod(prisma, token.slice(1));
  const campaign = await prisma.campaign.findUnique({ where: { id: token.slice(1) }, select: { id: true, code: true, name: true, startsOn: true, endsOn: true } });
  return campaign ? campaignPeriod(prisma, campaign) : null;
}

export function createSummaryFeature() {
  const feature = new Composer<BotContext>();
  const chats = feature.chatType("private");

  chats.command("summary", async (ctx) => {
    const { prisma } = ctx.deps;
    const parsed = await parseArgs(ctx, ctx.match, false);
    if ("error" in parsed) return ctx.reply(parsed.error);
    const unit = await findUnit(prisma, parsed.unitId);
    if (!unit || !(await authorize(prisma, ctx.person.id, "summary.view", unit.id))) return ctx.reply(ctx.t("summary.chat.notAllowed"));
    const summary = await computeSummary(prisma, unit.id, parsed.period);
    if (!summary) return ctx.reply(ctx.t("summary.chat.notAllowed"));
    await sendSummary(ctx, summary);
  });

  feature.callbackQuery(BUTTON_DATA, async (ctx) => {
    const { prisma } = ctx.deps;
    const [, mode, unitId, token, pageText] = ctx.match as RegExpMatchArray;
    const unit = await findUnit(prisma, unitId!);
    if (!unit || !(await authorize(prisma, ctx.person.id, "summary.view", unit.id))) {
      return ctx.answerCallbackQuery({ text: ctx.t("summary.chat.notAllowed"), show_alert: true });
    }
    const period = await periodFromToken(prisma, token!);
    const summary = period ? await computeSummary(prisma, unit.id, period) : null;
    if (!summary) return ctx.answerCallbackQuery({ text: ctx.t("summary.chat.stale"), show_alert: true });
    await ctx.answerCallbackQuery();
    if (mode === "d") return sendSummary(ctx, summary);
    const table = renderTable(summary, ctx.t, ctx.lang, Number(pageText));
    await ctx
      .editMessageText(table.text, { parse_mode: "HTML", reply_markup: await keyboardFor(ctx, summary, table.page, table.pages) })
      .catch(() => undefined);
  });

  chats.command("export", async (ctx) => {
    const { prisma } = ctx.deps;
    const parsed = await parseArgs(ctx, ctx.match, true);
    if ("error" in parsed) return ctx.reply(parsed.error);
    const result = await exportSummary(prisma, {
      actorId: ctx.person.id,
      unitId: parsed.unitId,
      period: parsed.period,
      format: parsed.csv ? "csv" : "xlsx",
      lang: ctx.lang,
    });
    if (!result.ok) return ctx.reply(ctx.t("summary.chat.notAllowed"));
    const caption = [ctx.t("summary.export.caption", { unit: result.summary.unit.name, period: periodLine(ctx.t, parsed.period) })];
    if (!result.personal) caption.push(ctx.t("summary.export.noPersonal"));
    if (result.truncated) caption.push(ctx.t("summary.export.truncated", { max: MAX_EXPORT_ROWS }));
    await ctx.replyWithDocument(new InputFile(result.file, result.fileName), { caption: caption.join("\n") });
  });

  return feature;
}
