// `npm run bench summary`: the latency of the admin summary (src/summary/rollup.ts, one aggregate SQL query) on
// synthetic data generated in the database with generate_series, in throw-away databases migrated by the project's
// own migration code:
// - province size (1,000 units, 50,000 members, a year of weekly reports) on PGlite and on PostgreSQL;
// - nation size (100,000 units, 10 million members, 5 million weekly reports) on PostgreSQL only. Generating it takes
//   minutes, so it runs when BENCH_NATION=1, or when a complete `bench_nation` database is already there (it is kept
//   for the next run; BENCH_NATION=regenerate builds it again).
// PostgreSQL: the server of ./server.ts. Goals: < 300 ms at province size, < 3 s at nation size (median of 7 runs).
import { performance } from "node:perf_hooks";
import os from "node:os";
import { openDatabase, type Database } from "../../src/db/database.ts";
import { applyMigrations } from "../../src/db/schema-engine.ts";
import { computeSummary, PLANNER_SETTINGS, summarySql, yearPeriod, type Shape } from "../../src/summary/rollup.ts";
import type { Benchmark } from "./run.ts";
import { admin, urlFor } from "./server.ts";

const RUNS = 7;
const YEAR = 2026;
const NOW = new Date(Date.UTC(YEAR, 11, 20));

interface Spec {
  name: string;
  /** Provinces under the root (0: the root is the province). */
  provinces: number;
  communes: number;
  grassroots: number;
  members: number;
  weeks: number;
  applications: number;
  /**
   * One grassroots union-week in this many has no report (chairs who have not reported yet): what the bot recorded in
   * those weeks counts in the summary from BotWeekTotal (issue 11), so the bench reads that part too.
   */
  unreportedEvery: number;
}

export const PROVINCE: Spec = { name: "province", provinces: 0, communes: 30, grassroots: 969, members: 50_000, weeks: 52, applications: 1_000, unreportedEvery: 4 };
export const NATION: Spec = { name: "nation", provinces: 63, communes: 63 * 30, grassroots: 100_000 - 1 - 63 - 63 * 30, members: 10_000_000, weeks: 51, applications: 100_000, unreportedEvery: 4 };

function units(spec: Spec): number {
  return 1 + spec.provinces + spec.communes + spec.grassroots;
}

/** The weekly reports generated: every grassroots union-week but those with (g + w) % unreportedEvery = 0. */
function reports(spec: Spec): number {
  let n = 0;
  for (let w = 0; w < spec.weeks; w++) for (let g = 1; g <= spec.grassroots; g++) if ((g + w) % spec.unreportedEvery !== 0) n++;
  return n;
}

/** The generating statements, one per call (the drivers run one statement at a time). */
export function generate(spec: Spec): string[] {
  const { provinces: P, communes: C, grassroots: G, members: M, weeks: W, applications: A, unreportedEvery: U } = spec;
  const communeParent = P > 0 ? `'p' || ((i - 1) % ${P} + 1)` : `'root'`;
  return [
    `INSERT INTO "Unit" (id, code, name, "searchName", type, "parentId", "updatedAt")
     VALUES ('root', 'ROOT', 'Liên đoàn Lao động (gốc)', 'lien doan lao dong goc', 'PROVINCE_FEDERATION', NULL, now())`,
    ...(P > 0
      ? [`INSERT INTO "Unit" (id, code, name, "searchName", type, "parentId", "updatedAt")
          SELECT 'p' || i, 'P' || i, 'LĐLĐ tỉnh số ' || i, 'ldld tinh so ' || i, 'PROVINCE_FEDERATION', 'root', now() FROM generate_series(1, ${P}) i`]
      : []),
    `INSERT INTO "Unit" (id, code, name, "searchName", type, "parentId", "updatedAt")
     SELECT 'c' || i, 'C' || i, 'Công đoàn xã số ' || i, 'cong doan xa so ' || i, 'COMMUNE_UNION', ${communeParent}, now() FROM generate_series(1, ${C}) i`,
    `INSERT INTO "Unit" (id, code, name, "searchName", type, "parentId", "workerCount", "memberCount", "updatedAt")
     SELECT 'g' || i, 'G' || i, 'Công đoàn cơ sở số ' || i, 'cong doan co so so ' || i, 'GRASSROOTS', 'c' || ((i - 1) % ${C} + 1), 120, 100, now()
     FROM generate_series(1, ${G}) i`,
    `INSERT INTO "Person" (id, "updatedAt") SELECT 'pp' || i, now() FROM generate_series(1, ${A}) i`,
    `INSERT INTO "Application" (id, "personId", channel, "unitId", "routedUnitId", "fullName", "birthDate", sex, phone, nationality,
       "jobPosition", status, source, "consentId", "createdAt", "updatedAt")
     SELECT 'a' || i, 'pp' || i, 'TELEGRAM', 'g' || (i % ${G} + 1), 'g' || (i % ${G} + 1), 'Người lao động ' || i, DATE '1990-01-01', 'MALE',
       '+849' || lpad(i::text, 8, '0'), 'VIETNAMESE', 'Công nhân',
       (CASE WHEN i % 2 = 0 THEN 'PENDING' ELSE 'APPROVED' END)::"ApplicationStatus",
       CASE i % 3 WHEN 0 THEN 'G' || (i % ${G} + 1) WHEN 1 THEN 'inv_bench' ELSE NULL END,
       'bench', TIMESTAMP '${YEAR}-01-01' + (i % 360) * INTERVAL '1 day', now()
     FROM generate_series(1, ${A}) i`,
    `INSERT INTO "Member" (id, "unitId", "applicationId", "fullName", source, "joinedAt", "leftOn", "leaveReason")
     SELECT 'm' || i, 'g' || (i % ${G} + 1),
       CASE WHEN i <= ${A} AND i % 2 = 1 THEN 'a' || i END,
       'Đoàn viên ' || i,
       (CASE WHEN i <= ${A} AND i % 2 = 1 THEN 'BOT' ELSE 'IMPORT' END)::"MemberSource",
       TIMESTAMP '${YEAR - 1}-07-01' + ((i::bigint * 7919) % 540) * INTERVAL '1 day',
       CASE WHEN i % 37 = 0 THEN DATE '${YEAR}-01-01' + (i % 330) END,
       (CASE WHEN i % 37 = 0 THEN 'LEFT_COMPANY' END)::"LeaveReason"
     FROM generate_series(1, ${M}) i`,
    `INSERT INTO "WeeklyReport" (id, "unitId", "weekStart", version, "isLatest", admitted, reduced, reductions, "totalMembers", "totalWorkers", "partyIntroduced")
     SELECT 'r' || g || '_' || w, 'g' || g, DATE '${YEAR}-01-05' + 7 * w, 1, true, (g * 31 + w * 17) % 7, (g * 13 + w * 5) % 3, '{}', 100, 120, (g + w) % 2
     FROM generate_series(1, ${G}) g CROSS JOIN generate_series(0, ${W - 1}) w
     WHERE (g + w) % ${U} <> 0`,
    `INSERT INTO "Target" (id, "unitId", year, "periodKey", metric, value, "updatedAt")
     SELECT 't' || u.id, u.id, ${YEAR}, 'Y${YEAR}', 'NET_INCREASE', 50 + (length(u.id) * 37) % 400, now()
     FROM "Unit" u WHERE u."parentId" = 'root' OR u.id = 'root'`,
    `CREATE TABLE IF NOT EXISTS bench_meta (spec text PRIMARY KEY, done_at timestamptz NOT NULL DEFAULT now())`,
    `INSERT INTO bench_meta (spec) VALUES ('${JSON.stringify(spec)}')`,
    `ANALYZE`,
  ];
}

async function fill(db: Database, spec: Spec): Promise<number> {
  const started = performance.now();
  for (const statement of generate(spec)) await db.prisma.$executeRawUnsafe(statement);
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function time(db: Database, unitId: string): Promise<{ median: number; min: number; max: number; rows: number }> {
  const period = yearPeriod(YEAR);
  const first = await computeSummary(db.prisma, unitId, period, NOW); // warm-up, not counted
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await computeSummary(db.prisma, unitId, period, NOW);
    times.push(performance.now() - start);
  }
  return { median: median(times), min: Math.min(...times), max: Math.max(...times), rows: first?.rows.length ?? 0 };
}

async function explain(db: Database, unitId: string, shape: Shape): Promise<string> {
  const period = yearPeriod(YEAR);
  const sql = summarySql(unitId, shape, period, new Date(Date.UTC(YEAR, 11, 14)));
  const rows = await db.prisma.$transaction(
    async (tx) => {
      for (const setting of PLANNER_SETTINGS[shape]) await tx.$executeRawUnsafe(setting);
      return tx.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN (ANALYZE, BUFFERS) ${sql.text}`, ...sql.values);
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}




async function postgres(name: string, spec: Spec, keep: "drop" | "reuse"): Promise<{ db: Database; generatedMs: number | null }> {
  const exists = (await admin(`SELECT 1 FROM pg_database WHERE datname = '${name}'`)).length > 0;
  if (exists && keep === "reuse") {
    const db = await openDatabase({ url: urlFor(name), dataDir: "" });
    // Kept data meets the current schema: migrations added since fill what they derive (e.g. the month totals).
    await applyMigrations(db.adapterFactory);
    const done = await db.prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM pg_tables t WHERE t.tablename = 'bench_meta'`,
    );
    if (done[0]?.n === 1) {
      const meta = await db.prisma.$queryRawUnsafe<{ spec: string }[]>(`SELECT spec FROM bench_meta`);
      if (meta[0]?.spec === JSON.stringify(spec)) {
        // How long the kept data took to generate: from the end of the migrations to the marker.
        const took = await db.prisma.$queryRawUnsafe<{ ms: number | null }[]>(
          `SELECT (EXTRACT(EPOCH FROM (SELECT max(done_at) FROM bench_meta) - (SELECT max(finished_at) FROM _prisma_migrations WHERE finished_at < (SELECT max(done_at) FROM bench_meta))) * 1000)::float8 AS ms`,
        );
        return { db, generatedMs: took[0]?.ms ?? null };
      }
    }
    await db.close();
  }
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  const db = await openDatabase({ url: urlFor(name), dataDir: "" });
  await applyMigrations(db.adapterFactory);
  const generatedMs = await fill(db, spec);
  return { db, generatedMs };
}

/** What the last measured plan showed (written with the numbers of the run of 2026-12-04; see the plan below it). */
const NATION_NOTE =
  "Reading (nation): the reports' part reads ReportMonthTotal, the monthly sums that triggers keep from the weekly reports (1.2 million rows instead of 3.75 million, a year being twelve whole months; about half of the time in the plan below); the tree walk (100,000 units, hash joins) and the bot-joined members (driven by the applications) take most of the rest. What the bot recorded in weeks not yet reported (issue 11: admissions and leavings recorded in the bot count at once; a union-week with a report counts the report instead) comes from BotWeekTotal, kept by triggers with a `reported` flag, so only unreported unit-weeks are read: with one union-week in 4 unreported, 66,233 such rows, 83 ms of the plan below. Before and after issue 11: 1.62 s without the bot's part (run of 2026-12-02, every week reported); 1.46 s with it but every week reported (2026-12-04, load 3.9); 1.13 s with a quarter of the union-weeks unreported (this run, a quieter machine; fewer weekly reports too). Computing the bot's part at query time instead (grouping members by week and probing the reports for each of ~300,000 unit-weeks) took the nation summary to 5.4 s. Before the month totals the same query took 3.1–3.7 s, nearly all of it one pass over the 5 million weekly reports (a covering index on them gave no gain). A province inside the nation-size database reads its units' month totals through the primary key (unitId, month). Statistics matter: the migrations end with ANALYZE so the planner sees the filled tables.";

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

const bench: Benchmark = {
  title: "Admin summary (/summary roll-up)",
  async run() {
    const lines: string[] = [];
    const results: string[] = [];
    const row = (size: string, engine: string, unit: string, r: Awaited<ReturnType<typeof time>>, goal: number, generated: number | null) => {
      console.log(`${size} / ${engine} / ${unit}: median ${fmt(r.median)} (min ${fmt(r.min)}, max ${fmt(r.max)}); generated in ${generated === null ? "-" : fmt(generated)}`);
      results.push(
        `| ${size} | ${engine} | ${unit} | ${r.rows} | **${fmt(r.median)}** | ${fmt(r.min)}–${fmt(r.max)} | ${r.median < goal ? "✅" : "❌"} < ${fmt(goal)} | ${generated === null ? "reused" : fmt(generated)} |`,
      );
    };

    // Province size on PGlite (in memory).
    {
      console.log("province / PGlite: generating");
      const db = await openDatabase({ dataDir: "memory://" });
      await applyMigrations(db.adapterFactory);
      const generated = await fill(db, PROVINCE);
      row("province", "PGlite", "province (30 children)", await time(db, "root"), 300, generated);
      await db.close();
    }
    // Province size on PostgreSQL.
    {
      console.log("province / PostgreSQL: generating");
      const { db, generatedMs } = await postgres("bench_province", PROVINCE, "drop");
      row("province", "PostgreSQL", "province (30 children)", await time(db, "root"), 300, generatedMs);
      await db.close();
      await admin(`DROP DATABASE IF EXISTS bench_province WITH (FORCE)`);
    }
    // Nation size on PostgreSQL: on request, or when already generated.
    const wanted = process.env.BENCH_NATION;
    const present = (await admin(`SELECT 1 FROM pg_database WHERE datname = 'bench_nation'`)).length > 0;
    if (wanted === "1" || wanted === "regenerate" || present) {
      console.log("nation / PostgreSQL: generating or reusing (minutes)");
      const { db, generatedMs } = await postgres("bench_nation", NATION, wanted === "regenerate" ? "drop" : "reuse");
      row("nation", "PostgreSQL", "nation (63 provinces)", await time(db, "root"), 3000, generatedMs);
      row("nation", "PostgreSQL", "one province (≈1,590 units)", await time(db, "p1"), 300, null);
      const plan = await explain(db, "root", "whole");
      console.log(plan);
      lines.push("", "EXPLAIN ANALYZE of the nation-size query (root), top lines:", "", "```", ...plan.split("\n").filter((l) => /actual time|Execution Time/.test(l)).slice(0, 40).map((l) => l.replace(/\s*\(cost=[^)]*\)/, "")), "```");
      await db.close();
    } else {
      lines.push("", "Nation size not run: set `BENCH_NATION=1` (generation takes minutes; the database `bench_nation` is kept for later runs).");
    }

    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    const pgVersion = ((await admin("SHOW server_version")) as { server_version: string }[])[0]?.server_version ?? "?";
    return [
      `Median of ${RUNS} runs of \`computeSummary\` (after one warm-up), year ${YEAR}, all roll-ups in one SQL query. ` +
        `Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${pgVersion}; ` +
        `run on ${new Date().toISOString().slice(0, 10)}.`,
      "",
      `Sizes: province = ${units(PROVINCE).toLocaleString("en")} units, ${PROVINCE.members.toLocaleString("en")} members, ${reports(PROVINCE).toLocaleString("en")} weekly reports (one union-week in ${PROVINCE.unreportedEvery} not reported), ${PROVINCE.applications.toLocaleString("en")} applications; ` +
        `nation = ${units(NATION).toLocaleString("en")} units, ${NATION.members.toLocaleString("en")} members, ${reports(NATION).toLocaleString("en")} weekly reports (likewise), ${NATION.applications.toLocaleString("en")} applications.`,
      "",
      "| size | engine | summary of | rows | median | min–max | goal | data generated in |",
      "|---|---|---|---|---|---|---|---|",
      ...results,
      "",
      `Load average when done: ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")} on ${os.cpus().length} cores (the machine is shared with other work).`,
      ...(lines.some((l) => l.startsWith("EXPLAIN")) ? ["", NATION_NOTE] : []),
      ...lines,
    ].join("\n");
  },
};

export default bench;
