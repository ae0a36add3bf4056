// /summary [unit] [year or campaign]: the progress of a unit's children against their targets, as a compact
// monospace table that fits a phone (paged, 10 units a page; each unit by its short name, its code on demand with a
// button), the totals, who is behind, who earns an award, then a PNG bar chart of net increase against target
// (counts and %). Numbers are grouped the reader's way (10.000.000). Buttons drill down into a child, go up a level,
// turn pages or show the codes; their data carries ids only (validated by a strict pattern) and the presser is
// authorized again on every press.
// /export [unit] [year or campaign] [csv]: the same numbers with the units, reports, applications and members as an
// .xlsx (or the summary alone as .csv); personal columns only for roles allowed; every export audited.
// Without a unit: the person's officer unit, else their union, else (admins) the province. Without a period: the
// campaign running now for the unit, else this year. A unit outside the scope and an unknown code get the same answer.
import { Composer, InlineKeyboard } from "grammy";
import { fileToSend } from "../../channels/files.ts";
import type { PrismaClient } from "../../db/database.ts";
import { activeCampaign, campaignsFor } from "../../drive/campaigns.ts";
import { numberFormat, type Lang, type T } from "../../i18n/i18n.ts";
import { escapeHtml } from "../../shared/text.ts";
import { rolesOf } from "../../organisation/roles.ts";
import { ancestorIds, defaultUpperUnit, findUnit, findUnitByCode, isGrassroots, TYPED_UNIT_CODE } from "../../organisation/units.ts";
import { authorize, can, unitTarget } from "../../policy/policy.ts";
import { renderChart, MAX_BARS } from "../../summary/chart.ts";
import { charCount, fitLabels, shortUnitNames } from "../../summary/labels.ts";
import { awardText, exportSummary, MAX_EXPORT_ROWS } from "../../summary/export.ts";
import { campaignPeriod, computeSummary, resolvePeriod, yearPeriod, type ResolvedPeriod, type Summary } from "../../summary/rollup.ts";
import { formatCalendarDate, vietnamDate } from "../../shared/time.ts";
import type { BotContext } from "../context.ts";

export const PAGE_SIZE = 10;
/**
 * sm:<p|c|d>:<unit id>:<Y2026 | C<campaign id>>:<page> — p: show a page (edit), c: the same page with the units'
 * codes, d: open a unit (new messages).
 */
const BUTTON_DATA = /^sm:([pcd]):([a-z0-9]{20,32}):(Y\d{4}|C[a-z0-9]{20,32}):(\d{1,4})$/;


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

/** The width of the table in characters: what a phone shows without wrapping. */
export const TABLE_WIDTH = 32;
const INDENT = "   ";

/**
 * The table, two lines a unit: its rank and short name (cut in the middle when long, keeping what tells it apart),
 * then its numbers in columns: target, net increase, % and a mark. With `codes`, each unit's code heads its numbers.
 */
function tableLines(summary: Summary, rows: Summary["rows"], t: T, lang: Lang, codes: boolean): string[] {
  const n = numberFormat(lang, { maximumFractionDigits: 1 });
  const names = nameMap(summary);
  const ranks = rows.map((r) => (r.rank === null ? "-" : String(r.rank)));
  const rankWidth = Math.max(2, ...ranks.map((r) => r.length)) + 1;
  const fitted = fitLabels(
    rows.map((r) => names.get(r.unit.id) ?? r.unit.name),
    (text) => charCount(text) <= TABLE_WIDTH - rankWidth,
  );
  const cells = rows.map((r) => ({
    code: r.unit.code,
    target: r.target === null ? "–" : n.format(r.target),
    net: n.format(r.net),
    percent: r.percent === null ? "–" : n.format(Math.round(r.percent)),
    mark: `${r.behind ? "!" : ""}${r.award?.qualifies ? "★" : ""}${r.botAdmitted + r.botReduced > 0 ? "*" : ""}`,
  }));
  const header = {
    code: "",
    target: t("summary.chat.columns.target"),
    net: t("summary.chat.columns.net"),
    percent: t("summary.chat.columns.percent"),
    mark: "",
  };
  const width = (key: "code" | "target" | "net" | "percent") => Math.max(...[header, ...cells].map((c) => charCount(c[key])));
  const [wCode, wTarget, wNet, wPercent] = [width("code"), Math.max(4, width("target")), Math.max(4, width("net")), Math.max(3, width("percent"))];
  const numbers = (c: (typeof cells)[number]) =>
    `${INDENT}${codes ? `${c.code.padEnd(wCode)} ` : ""}${c.target.padStart(wTarget)} ${c.net.padStart(wNet)} ${c.percent.padStart(wPercent)} ${c.mark}`.trimEnd();
  const lines = [`${t("summary.chat.columns.rank").padEnd(rankWidth)}${t("summary.chat.columns.unit")}`, numbers(header)];
  rows.forEach((r, i) => lines.push(`${ranks[i]!.padEnd(rankWidth)}${fitted[i]}`, numbers(cells[i]!)));
  return lines;
}

/** The short name of each unit of the summary, by unit id. */
function nameMap(summary: Summary): Map<string, string> {
  const short = shortUnitNames(summary.rows.map((r) => r.unit.name));
  return new Map(summary.rows.map((r, i) => [r.unit.id, short[i] ?? r.unit.name]));
}

export function renderTable(summary: Summary, t: T, lang: Lang, page: number, codes = false): { text: string; pages: number; page: number } {
  const n = numberFormat(lang, { maximumFractionDigits: 1 });
  const pages = Math.max(1, Math.ceil(summary.rows.length / PAGE_SIZE));
  const at = Math.min(Math.max(0, page), pages - 1);
  const rows = summary.rows.slice(at * PAGE_SIZE, (at + 1) * PAGE_SIZE);
  const names = nameMap(summary);
  const nameOf = (r: Summary["rows"][number]) => names.get(r.unit.id) ?? r.unit.name;
  const total = summary.total;
  const out = [
    `<b>${escapeHtml(t("summary.chat.title", { unit: summary.unit.name, code: summary.unit.code }))}</b>`,
    escapeHtml(periodLine(t, summary.period)),
    "",
    `<pre>${escapeHtml(tableLines(summary, rows, t, lang, codes).join("\n"))}</pre>`,
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
    ...(total.botAdmitted + total.botReduced > 0
      ? [escapeHtml(t("summary.chat.botRecorded", { admitted: n.format(total.botAdmitted), reduced: n.format(total.botReduced) }))]
      : []),
    escapeHtml(t("summary.chat.extra", { newGrassroots: n.format(total.newGrassroots), party: n.format(total.partyIntroduced), pending: n.format(total.pending) })),
    escapeHtml(t("summary.chat.bot", { joined: n.format(total.joinedByBot), poster: n.format(total.joinedByPoster), link: n.format(total.joinedByLink) })),
    escapeHtml(t("summary.chat.reported", { week: formatCalendarDate(summary.latestWeek), done: n.format(total.reportedLatestWeek), total: n.format(total.grassroots) })),
  );
  const behind = summary.rows.filter((r) => r.behind).map(nameOf);
  out.push(escapeHtml(behind.length > 0 ? t("summary.chat.behind", { units: behind.join(", ") }) : t("summary.chat.nobodyBehind")));
  if (summary.period.awards) {
    const earned = summary.rows.filter((r) => r.award?.qualifies);
    out.push(escapeHtml(t("summary.chat.awardsTitle", { award: summary.period.awards.award })));
    if (earned.length === 0) out.push(escapeHtml(t("summary.chat.noAwards")));
    for (const r of earned) out.push(escapeHtml(t("summary.chat.awardLine", { unit: nameOf(r), text: awardText(t, r) })));
  }
  out.push("", `<i>${escapeHtml(t("summary.chat.legend"))}</i>`);
  return { text: out.join("\n"), pages, page: at };
}

function periodToken(period: ResolvedPeriod): string {
  return period.campaign ? `C${period.campaign.id}` : `Y${period.label}`;
}

/** A drill-down button's text: the unit's short name, cut in the middle (distinct) to fit a button. */
const BUTTON_NAME = 24;

async function keyboardFor(ctx: BotContext, summary: Summary, page: number, pages: number, codes = false): Promise<InlineKeyboard> {
  const keyboard = new InlineKeyboard();
  const token = periodToken(summary.period);
  const fits = (data: string) => Buffer.byteLength(data) <= 64;
  const names = nameMap(summary);
  const rows = summary.rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE).filter((r) => r.unit.id !== summary.unit.id && !isGrassroots(r.unit));
  const labels = fitLabels(
    rows.map((r) => names.get(r.unit.id) ?? r.unit.name),
    (text) => charCount(text) <= BUTTON_NAME,
  );
  rows.forEach((r, i) => {
    const data = `sm:d:${r.unit.id}:${token}:0`;
    if (!fits(data)) return;
    keyboard.text(ctx.t("summary.chat.drill", { unit: codes ? r.unit.code : labels[i] }), data);
    if (i % 2 === 1) keyboard.row();
  });
  keyboard.row();
  // Turning pages keeps the codes shown or hidden (c: with codes, p: names only).
  const mode = codes ? "c" : "p";
  if (page > 0) keyboard.text(ctx.t("summary.chat.prev"), `sm:${mode}:${summary.unit.id}:${token}:${page - 1}`);
  if (page < pages - 1) keyboard.text(ctx.t("summary.chat.next"), `sm:${mode}:${summary.unit.id}:${token}:${page + 1}`);
  const unit = await ctx.deps.prisma.unit.findUnique({ where: { id: summary.unit.id }, select: { parentId: true } });
  if (unit?.parentId) {
    // Offered only where the person may look: checked without writing a refusal (the press checks again).
    const mayGoUp = can(await rolesOf(ctx.deps.prisma, ctx.person.id), "summary.view", await unitTarget(ctx.deps.prisma, unit.parentId));
    const data = `sm:d:${unit.parentId}:${token}:0`;
    if (mayGoUp && fits(data)) keyboard.text(ctx.t("summary.chat.up"), data);
  }
  const toggle = `sm:${codes ? "p" : "c"}:${summary.unit.id}:${token}:${page}`;
  if (summary.rows.length > 0 && fits(toggle)) keyboard.row().text(ctx.t(codes ? "summary.chat.hideCodes" : "summary.chat.showCodes"), toggle);
  return keyboard;
}

function chartFor(summary: Summary, t: T, lang: Lang): Buffer {
  const n = numberFormat(lang, { maximumFractionDigits: 1 });
  const names = nameMap(summary);
  const bars = summary.rows.map((r) => ({
    label: names.get(r.unit.id) ?? r.unit.name,
    percent: r.percent,
    behind: r.behind,
    value:
      r.target === null || r.percent === null
        ? t("summary.chart.noTargetValue", { net: n.format(r.net) })
        : t("summary.chart.value", { net: n.format(r.net), target: n.format(r.target), percent: n.format(r.percent) }),
  }));
  return renderChart({
    title: t("summary.chart.title", { unit: summary.unit.name }),
    subtitle: t("summary.chart.subtitle", { period: periodLine(t, summary.period) }),
    bars,
    percentLabel: (p) => t("summary.chart.percent", { percent: n.format(p) }),
    more: bars.length > MAX_BARS ? t("summary.chart.more", { count: n.format(bars.length - MAX_BARS) }) : undefined,
  });
}

/** The table (with its buttons) first, then the chart under it. */
async function sendSummary(ctx: BotContext, summary: Summary): Promise<void> {
  const table = renderTable(summary, ctx.t, ctx.lang, 0);
  await ctx.reply(table.text, { parse_mode: "HTML", reply_markup: await keyboardFor(ctx, summary, 0, table.pages) });
  await ctx.replyWithPhoto(fileToSend(chartFor(summary, ctx.t, ctx.lang), `tong-hop-${summary.unit.code}.png`));
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
    const codes = mode === "c";
    const table = renderTable(summary, ctx.t, ctx.lang, Number(pageText), codes);
    await ctx
      .editMessageText(table.text, { parse_mode: "HTML", reply_markup: await keyboardFor(ctx, summary, table.page, table.pages, codes) })
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
    await ctx.replyWithDocument(fileToSend(result.file, result.fileName), { caption: caption.join("\n") });
  });

  return feature;
}
