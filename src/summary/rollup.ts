// The admin summary (tổng hợp): progress against targets up the union tree, computed by one aggregate SQL query in
// the database (a recursive walk of the tree, then sums grouped by the chosen unit's children), never by loading
// reports or members into JavaScript. Only the handful of result rows (one per child) come back.
//
// What is counted for a period (a year, or a campaign's dates):
// - admitted, reduced, Party introductions: from the latest version of the weekly reports of the GRASSROOTS unions
//   of each child's subtree, for the weeks whose Monday falls in the period. Upper-level unions' own reports are not
//   added to these (their numbers cover the same members again); they count for the new CĐCS founded (a grassroots
//   union's report always has 0 there).
//   Plus what the bot recorded (admissions decided in chat, leavings recorded in /members) in the weeks a union has
//   not reported yet, so a chair sees their own work at once; a week's report replaces the bot's numbers for that
//   week, never adds to them (botPerUnit in summarySql, over BotWeekTotal).
// - net increase (thực tăng) = admitted − reduced, derived.
// - target: the child's own NET_INCREASE target for the period (the other three metrics are shown in the export);
//   % of target = net / target.
// - joined through the bot: members with source BOT who joined in the period, split by how their application came in
//   (a poster's code, another link such as an invite, or none).
// - pending applications: routed to a unit of the subtree and not yet decided (now, whatever the period).
// - the latest week's report: of the grassroots unions of the subtree, how many have a report for the current week
//   (or, for a period that is over, its last week).
import { Prisma, type TargetMetric, type UnitType } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { findCampaignByCode, type CampaignSummary } from "../drive/campaigns.ts";
import { periodKey, type Period } from "../drive/targets.ts";
import { weekOf } from "../drive/reports.ts";
import { vietnamDate, vietnamDayStart } from "../shared/time.ts";
import { parseAwards, evaluateAward, type AwardResult, type AwardsConfig } from "./awards.ts";

const DAY_MS = 86_400_000;

export interface ResolvedPeriod {
  period: Period;
  key: string;
  /** "2026" or the campaign's code. */
  label: string;
  campaign: { id: string; code: string; name: string } | null;
  /** Calendar dates (UTC midnight), inclusive. */
  from: Date;
  to: Date;
  awards: AwardsConfig | null;
}

export function yearPeriod(year: number): ResolvedPeriod {
  return {
    period: { year },
    key: periodKey({ year }),
    label: String(year),
    campaign: null,
    from: new Date(Date.UTC(year, 0, 1)),
    to: new Date(Date.UTC(year, 11, 31)),
    awards: null,
  };
}

export async function campaignPeriod(prisma: PrismaClient, campaign: Pick<CampaignSummary, "id" | "code" | "name" | "startsOn" | "endsOn">): Promise<ResolvedPeriod> {
  const row = await prisma.campaign.findUnique({ where: { id: campaign.id }, select: { awards: true } });
  return {
    period: { campaignId: campaign.id },
    key: periodKey({ campaignId: campaign.id }),
    label: campaign.code,
    campaign: { id: campaign.id, code: campaign.code, name: campaign.name },
    from: campaign.startsOn,
    to: campaign.endsOn,
    awards: parseAwards(row?.awards),
  };
}

/** "2025" → that year; a campaign code → the campaign; anything else → null. */
export async function resolvePeriod(prisma: PrismaClient, raw: string): Promise<ResolvedPeriod | null> {
  const text = raw.trim();
  if (/^\d{4}$/.test(text)) {
    const year = Number(text);
    return year >= 2000 && year <= 2100 ? yearPeriod(year) : null;
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/.test(text)) return null;
  const campaign = await findCampaignByCode(prisma, text);
  return campaign ? campaignPeriod(prisma, campaign) : null;
}

export interface SummaryCounts {
  target: number | null;
  /** Targets of the other metrics, for the export. */
  targets: Partial<Record<TargetMetric, number>>;
  admitted: number;
  reduced: number;
  /**
   * The parts of admitted and reduced recorded by the bot (admissions decided in chat, leavings recorded in /members)
   * in weeks the union's chair has not reported yet: counted at once, and replaced by the report when it comes.
   */
  botAdmitted: number;
  botReduced: number;
  net: number;
  /** net / target × 100, one decimal; null without a target. */
  percent: number | null;
  newGrassroots: number;
  partyIntroduced: number;
  partyAdmitted: number;
  joinedByBot: number;
  joinedByPoster: number;
  joinedByLink: number;
  pending: number;
  /** Grassroots unions of the subtree (open) and how many have the latest week's report. */
  grassroots: number;
  reportedLatestWeek: number;
}

export interface SummaryRow extends SummaryCounts {
  unit: { id: string; code: string; name: string; type: UnitType; closed: boolean };
  /** 1 = best % of target; units without a target are not ranked (null). */
  rank: number | null;
  /** Below the pace: under 100 % at the end of the period, or under the elapsed share of it while it runs. */
  behind: boolean;
  award: AwardResult | null;
}

export interface Summary {
  unit: { id: string; code: string; name: string; type: UnitType };
  period: ResolvedPeriod;
  /** The week whose reports are checked (a Monday). */
  latestWeek: Date;
  /** Share of the period elapsed on `today`, 0…1. */
  elapsed: number;
  /** The chosen unit's children (the unit itself when it has none), ranked. */
  rows: SummaryRow[];
  /** The whole subtree; `target` is the chosen unit's own target. */
  total: SummaryCounts;
}

interface RawRow {
  branch: string;
  /** Reports' and bot-recorded numbers together (see botPerUnit in summarySql). */
  admitted: number;
  reduced: number;
  bot_admitted: number;
  bot_reduced: number;
  new_grassroots: number;
  party_introduced: number;
  party_admitted: number;
  joined: number;
  joined_poster: number;
  joined_link: number;
  pending: number;
  grassroots: number;
  reported: number;
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
/** A timestamp(3) column holds UTC without a zone: compare with the instant's UTC wall time. */
const utcStamp = (d: Date) => d.toISOString().replace("Z", "");

/**
 * Sums per branch: the chosen unit (its own reports, branch = itself) and each child (its whole subtree). One query;
 * every aggregate is computed in the database.
 */
async function aggregate(prisma: PrismaClient, unitId: string, shape: Shape, period: ResolvedPeriod, latestWeek: Date): Promise<RawRow[]> {
  const sql = summarySql(unitId, shape, period, latestWeek);
  return prisma.$transaction(
    async (tx) => {
      for (const setting of PLANNER_SETTINGS[shape]) await tx.$executeRawUnsafe(setting);
      return tx.$queryRaw<RawRow[]>(sql);
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}

/**
 * Planner settings for each shape (see Shape), for this transaction only; also used by the benchmark's EXPLAIN.
 * - jit off: the estimated costs of these plans pass jit_above_cost, and compiling takes longer than the query
 *   itself (seconds on a busy machine).
 * - whole tree: hash joins (the planner's guess of the walk's size would pick per-unit index probes) and room to
 *   aggregate per unit in memory.
 */
export const PLANNER_SETTINGS: Record<Shape, string[]> = {
  subtree: ["SET LOCAL jit = off"],
  whole: ["SET LOCAL jit = off", "SET LOCAL enable_nestloop = off", "SET LOCAL work_mem = '64MB'"],
};

/**
 * How the query reaches the big tables. The planner cannot estimate the size of a recursive walk (it guesses ~1,500
 * units whatever the tree), so the shape is chosen here:
 * - "subtree": join the walk to reports and members through their unit indexes — right for a part of the tree
 *   (a province inside a nation-wide database touches a few thousand units);
 * - "whole": aggregate reports and members per unit first (one pass over each table, parallel on PostgreSQL), then
 *   join those per-unit sums to the walk — right for a top-level unit, whose subtree is the whole table.
 */
export type Shape = "subtree" | "whole";

const GRASSROOTS_SQL = Prisma.sql`('GRASSROOTS', 'FREELANCE_GRASSROOTS')`;
const NO_REPORTS = Prisma.sql`SELECT NULL::text AS "unitId", 0 AS admitted, 0 AS reduced, 0 AS "newGrassroots", 0 AS "partyIntroduced", 0 AS "partyAdmitted" WHERE false`;

const addDays = (d: Date, days: number) => new Date(d.getTime() + days * DAY_MS);
const firstOfMonth = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));

/**
 * The calendar days from…to (inclusive) as the whole months inside them (from the first of a month until, not
 * including, the first of a later one) and the days left over at either end.
 */
export function splitPeriod(from: Date, to: Date): { months: { from: Date; until: Date } | null; weeks: { from: Date; to: Date }[] } {
  const monthsFrom = from.getUTCDate() === 1 ? from : firstOfMonth(addDays(firstOfMonth(from), 31));
  const monthsUntil = firstOfMonth(addDays(to, 1));
  if (monthsFrom >= monthsUntil) return { months: null, weeks: [{ from, to }] };
  const weeks = [];
  if (from < monthsFrom) weeks.push({ from, to: addDays(monthsFrom, -1) });
  if (monthsUntil <= to) weeks.push({ from: monthsUntil, to });
  return { months: { from: monthsFrom, until: monthsUntil }, weeks };
}

/** The roll-up query itself (exported for the benchmark's EXPLAIN ANALYZE). */
export function summarySql(unitId: string, shape: Shape, period: ResolvedPeriod, latestWeek: Date): Prisma.Sql {
  const fromInstant = vietnamDayStart(period.from);
  const toInstant = vietnamDayStart(addDays(period.to, 1));
  const week = Prisma.sql`${isoDay(latestWeek)}::date`;
  const joinedFrom = Prisma.sql`${utcStamp(fromInstant)}::timestamp`;
  const joinedTo = Prisma.sql`${utcStamp(toInstant)}::timestamp`;

  const tree = Prisma.sql`
    tree AS (
      SELECT u.id, u.id AS branch, u.type IN ${GRASSROOTS_SQL} AS grassroots, u."closedAt" IS NULL AS open, 0 AS depth
      FROM "Unit" u WHERE u.id = ${unitId}
      UNION ALL
      SELECT c.id, CASE WHEN t.depth = 0 THEN c.id ELSE t.branch END, c.type IN ${GRASSROOTS_SQL}, c."closedAt" IS NULL, t.depth + 1
      FROM "Unit" c JOIN tree t ON c."parentId" = t.id
      WHERE t.depth < 32
    )`;

  // Per unit: sums of the latest reports in the period. Whole months come from ReportMonthTotal (kept by triggers, a
  // twelfth of the rows of a year's weekly reports); the weeks of a month the period only partly covers, from the
  // reports themselves.
  const join = (alias: string) => (shape === "subtree" ? Prisma.sql`JOIN tree t ON t.id = ${Prisma.raw(alias)}."unitId"` : Prisma.empty);
  const { months, weeks } = splitPeriod(period.from, period.to);
  const sources: Prisma.Sql[] = [];
  if (months) {
    sources.push(Prisma.sql`
      SELECT s."unitId", s.admitted, s.reduced, s."newGrassroots", s."partyIntroduced", s."partyAdmitted"
      FROM "ReportMonthTotal" s ${join("s")}
      WHERE s.month >= ${isoDay(months.from)}::date AND s.month < ${isoDay(months.until)}::date`);
  }
  for (const range of weeks) {
    sources.push(Prisma.sql`
      SELECT r."unitId", r.admitted, r.reduced, r."newGrassroots", r."partyIntroduced", r."partyAdmitted"
      FROM "WeeklyReport" r ${join("r")}
      WHERE r."isLatest" AND r."weekStart" BETWEEN ${isoDay(range.from)}::date AND ${isoDay(range.to)}::date`);
  }
  const reportsPerUnit = Prisma.sql`
    SELECT x."unitId", SUM(x.admitted) AS admitted, SUM(x.reduced) AS reduced, SUM(x."newGrassroots") AS new_grassroots,
      SUM(x."partyIntroduced") AS party_introduced, SUM(x."partyAdmitted") AS party_admitted
    FROM (${sources.length ? Prisma.join(sources, " UNION ALL ") : NO_REPORTS}) x
    GROUP BY x."unitId"`;
  // Per unit: members who joined through the bot in the period. Every such member comes from an approved application
  // and sits in the unit the application was routed to, so this is driven by the applications (far fewer than
  // members, indexed by routed unit and status); each looks up its member by the unique applicationId index
  // (OFFSET 0 keeps that a per-application probe instead of a pass over all members).
  const membersPerUnit = Prisma.sql`
    SELECT a."routedUnitId" AS "unitId",
      COUNT(*) AS joined,
      COUNT(*) FILTER (WHERE su.id IS NOT NULL) AS joined_poster,
      COUNT(*) FILTER (WHERE a.source IS NOT NULL AND su.id IS NULL) AS joined_link
    FROM "Application" a
    CROSS JOIN LATERAL (
      SELECT 1 FROM "Member" mm
      WHERE mm."applicationId" = a.id AND mm.source = 'BOT' AND mm."joinedAt" >= ${joinedFrom} AND mm."joinedAt" < ${joinedTo}
      OFFSET 0
    ) m
    LEFT JOIN "Unit" su ON su.code = upper(btrim(a.source))`;
  const membersWhere = Prisma.sql`a.status = 'APPROVED'`;
  // Per unit: what the bot recorded (members admitted in chat, members' leaving recorded in chat) in the weeks whose
  // Monday falls in the period, as the reports count them, from BotWeekTotal (kept by triggers) — only the weeks not
  // `reported`: a grassroots union's week with a latest report counts the report only (the chair's form was
  // pre-filled from these same records), a week without one counts the bot's records, so nothing is counted twice.
  // Upper-level unions' own reports are not summed (see rep), so members admitted directly into them (workplaces
  // with no union yet) always count from the bot.
  const botPerUnit = Prisma.sql`
    SELECT b."unitId", SUM(b.admitted) AS admitted, SUM(b.reduced) AS reduced
    FROM "BotWeekTotal" b ${join("b")}
    WHERE NOT b.reported AND b."weekStart" BETWEEN ${isoDay(period.from)}::date AND ${isoDay(period.to)}::date
    GROUP BY b."unitId"`;

  const perUnit =
    shape === "whole"
      ? Prisma.sql`
    rep_u AS (${reportsPerUnit}),
    mem_u AS (${membersPerUnit} WHERE ${membersWhere} GROUP BY a."routedUnitId"),
    bot_u AS (${botPerUnit}),`
      : Prisma.sql`
    rep_u AS (${reportsPerUnit}),
    mem_u AS (${membersPerUnit} JOIN tree t ON t.id = a."routedUnitId" WHERE ${membersWhere} GROUP BY a."routedUnitId"),
    bot_u AS (${botPerUnit}),`;

  return Prisma.sql`
    WITH RECURSIVE ${tree},
    ${perUnit}
    rep AS (
      SELECT t.branch,
        COALESCE(SUM(x.admitted) FILTER (WHERE t.grassroots), 0)::int AS admitted,
        COALESCE(SUM(x.reduced) FILTER (WHERE t.grassroots), 0)::int AS reduced,
        COALESCE(SUM(x.new_grassroots), 0)::int AS new_grassroots,
        COALESCE(SUM(x.party_introduced) FILTER (WHERE t.grassroots), 0)::int AS party_introduced,
        COALESCE(SUM(x.party_admitted) FILTER (WHERE t.grassroots), 0)::int AS party_admitted
      FROM rep_u x JOIN tree t ON t.id = x."unitId"
      GROUP BY t.branch
    ),
    bot AS (
      SELECT t.branch, COALESCE(SUM(x.admitted), 0)::int AS admitted, COALESCE(SUM(x.reduced), 0)::int AS reduced
      FROM bot_u x JOIN tree t ON t.id = x."unitId"
      GROUP BY t.branch
    ),
    latest AS (
      SELECT t.branch, COUNT(*)::int AS reported
      FROM "WeeklyReport" r JOIN tree t ON t.id = r."unitId"
      WHERE r."isLatest" AND r."weekStart" = ${week} AND t.grassroots AND t.open
      GROUP BY t.branch
    ),
    mem AS (
      SELECT t.branch, SUM(x.joined)::int AS joined, SUM(x.joined_poster)::int AS joined_poster, SUM(x.joined_link)::int AS joined_link
      FROM mem_u x JOIN tree t ON t.id = x."unitId"
      GROUP BY t.branch
    ),
    pend AS (
      SELECT t.branch, SUM(x.n)::int AS pending
      FROM (SELECT a."routedUnitId", COUNT(*) AS n FROM "Application" a WHERE a.status = 'PENDING' GROUP BY a."routedUnitId") x
      JOIN tree t ON t.id = x."routedUnitId"
      GROUP BY t.branch
    ),
    grass AS (
      SELECT t.branch, COUNT(*) FILTER (WHERE t.grassroots AND t.open)::int AS grassroots
      FROM tree t GROUP BY t.branch
    )
    SELECT g.branch,
      COALESCE(rep.admitted, 0) + COALESCE(bot.admitted, 0) AS admitted, COALESCE(rep.reduced, 0) + COALESCE(bot.reduced, 0) AS reduced,
      COALESCE(bot.admitted, 0) AS bot_admitted, COALESCE(bot.reduced, 0) AS bot_reduced,
      COALESCE(rep.new_grassroots, 0) AS new_grassroots,
      COALESCE(rep.party_introduced, 0) AS party_introduced, COALESCE(rep.party_admitted, 0) AS party_admitted,
      COALESCE(mem.joined, 0) AS joined, COALESCE(mem.joined_poster, 0) AS joined_poster, COALESCE(mem.joined_link, 0) AS joined_link,
      COALESCE(pend.pending, 0) AS pending,
      g.grassroots, COALESCE(latest.reported, 0) AS reported
    FROM grass g
    LEFT JOIN rep ON rep.branch = g.branch
    LEFT JOIN bot ON bot.branch = g.branch
    LEFT JOIN latest ON latest.branch = g.branch
    LEFT JOIN mem ON mem.branch = g.branch
    LEFT JOIN pend ON pend.branch = g.branch`;
}

function percentOf(net: number, target: number | null): number | null {
  if (target === null || target <= 0) return null;
  return Math.round((net * 1000) / target) / 10;
}

function counts(raw: Omit<RawRow, "branch">, targets: Partial<Record<TargetMetric, number>>): SummaryCounts {
  const net = raw.admitted - raw.reduced;
  const target = targets.NET_INCREASE ?? null;
  return {
    target,
    targets,
    admitted: raw.admitted,
    reduced: raw.reduced,
    botAdmitted: raw.bot_admitted,
    botReduced: raw.bot_reduced,
    net,
    percent: percentOf(net, target),
    newGrassroots: raw.new_grassroots,
    partyIntroduced: raw.party_introduced,
    partyAdmitted: raw.party_admitted,
    joinedByBot: raw.joined,
    joinedByPoster: raw.joined_poster,
    joinedByLink: raw.joined_link,
    pending: raw.pending,
    grassroots: raw.grassroots,
    reportedLatestWeek: raw.reported,
  };
}

const ZERO: Omit<RawRow, "branch"> = {
  admitted: 0, reduced: 0, bot_admitted: 0, bot_reduced: 0, new_grassroots: 0, party_introduced: 0, party_admitted: 0, joined: 0, joined_poster: 0, joined_link: 0,
  pending: 0, grassroots: 0, reported: 0,
};

/**
 * The summary of `unitId` for a period, on `now`. No authorization here: callers check "summary.view" first
 * (the CLI acts everywhere).
 */
export async function computeSummary(prisma: PrismaClient, unitId: string, period: ResolvedPeriod, now: Date = new Date()): Promise<Summary | null> {
  const found = await prisma.unit.findUnique({ where: { id: unitId }, select: { id: true, code: true, name: true, type: true, parentId: true } });
  if (!found) return null;
  const { parentId, ...unit } = found;
  const today = vietnamDate(now);
  const lastDay = today < period.to ? today : period.to;
  const latestWeek = weekOf(lastDay.getTime() + 12 * 3_600_000);
  const days = (period.to.getTime() - period.from.getTime()) / DAY_MS + 1;
  const elapsed = Math.min(1, Math.max(0, ((today.getTime() - period.from.getTime()) / DAY_MS + 1) / days));

  // A top-level unit's subtree is the whole tree: aggregate per unit first (see Shape).
  const shape: Shape = parentId === null ? "whole" : "subtree";
  const [raw, children, targetRows] = await Promise.all([
    aggregate(prisma, unit.id, shape, period, latestWeek),
    prisma.unit.findMany({ where: { parentId: unit.id }, select: { id: true, code: true, name: true, type: true, closedAt: true } }),
    prisma.target.findMany({
      where: { periodKey: period.key, OR: [{ unitId: unit.id }, { unit: { parentId: unit.id } }] },
      select: { unitId: true, metric: true, value: true },
    }),
  ]);
  const targetsOf = (id: string) => Object.fromEntries(targetRows.filter((t) => t.unitId === id).map((t) => [t.metric, t.value])) as Partial<Record<TargetMetric, number>>;
  const rawOf = new Map(raw.map((r) => [r.branch, r]));

  const shown = children.length > 0 ? children : [{ ...unit, closedAt: null }];
  const rows: SummaryRow[] = shown.map((c) => {
    const c0 = counts(rawOf.get(c.id) ?? { branch: c.id, ...ZERO }, targetsOf(c.id));
    // With no children the unit itself is the only row: its counts are the whole (own branch).
    const behind = c0.target !== null && c0.target > 0 && c0.net * 1 < c0.target * (elapsed >= 1 ? 1 : elapsed);
    return {
      ...c0,
      unit: { id: c.id, code: c.code, name: c.name, type: c.type, closed: c.closedAt !== null },
      rank: null,
      behind,
      award: period.awards ? evaluateAward(period.awards, c.code, { target: c0.target, net: c0.net }) : null,
    };
  });
  rows.sort(
    (a, b) =>
      (b.percent ?? -Infinity) - (a.percent ?? -Infinity) || b.net - a.net || a.unit.name.localeCompare(b.unit.name, "vi"),
  );
  let rank = 0;
  for (const row of rows) if (row.percent !== null) row.rank = ++rank;

  const sum = { ...ZERO };
  for (const r of raw) for (const k of Object.keys(ZERO) as (keyof typeof ZERO)[]) sum[k] += r[k];
  return { unit, period, latestWeek, elapsed, rows, total: counts(sum, targetsOf(unit.id)) };
}
