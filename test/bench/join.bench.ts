// `npm run bench join [-- --sizes 10,200 --engines pglite,postgres]`: a poster campaign's crowd joining at once.
// Simulated workers go through the whole join form (12 updates each, the next answer as soon as the reply arrives)
// against the bot run as `npm start` runs it (a child process, its own fake Bot API, a fresh store: a PGlite folder
// and a PostgreSQL database), and against a bare grammY + conversations bot with its state in memory doing a form
// of the same length, side by side. Measures throughput, latency, CPU, SQL and memory per update, applications
// stored against workers who pressed "Gửi đơn" (the bench fails if they differ), and start-up to the first reply.
// Sizes and engines also from BENCH_JOIN_SIZES / BENCH_JOIN_ENGINES; BENCH_JOIN_STEP_TIMEOUT_S fails a worker
// whose reply takes longer (default 180).
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { openDatabase } from "../../src/db/database.ts";
import { FakeTelegram } from "../fake-telegram/server.ts";
import { cpuMs, killAll, memoryMb, runNode, startNode, stopChild, type Child } from "./child-process.ts";
import { baselineSteps, botSteps, type Step } from "./join-steps.ts";
import { percentile, runSwarm, type SwarmOptions, type SwarmResult } from "./join-workers.ts";
import { TcpProxy, throughProxy } from "../support/tcp-proxy.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { writeSection } from "./report.ts";
import type { Benchmark } from "./run.ts";
import { admin, urlFor } from "./server.ts";

const TITLE = "Joining at peak: the whole join form, many workers at once";
type Engine = "pglite" | "postgres";

function option(name: string, env: string, fallback: string): string {
  const args = process.argv;
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i >= 0) return args[i]!.includes("=") ? args[i]!.split("=")[1]! : (args[i + 1] ?? fallback);
  return process.env[env] ?? fallback;
}

const SIZES = option("sizes", "BENCH_JOIN_SIZES", "10,200,1000,5000").split(",").map(Number).filter((n) => n > 0);
const ENGINES = option("engines", "BENCH_JOIN_ENGINES", "pglite,postgres").split(",").filter((e): e is Engine => e === "pglite" || e === "postgres");
/** Explicit, or 180 s and 100 ms more per worker beyond 1,800 (a 5,000-worker crowd on a busy machine queues long). */
const STEP_TIMEOUT_S = option("step-timeout", "BENCH_JOIN_STEP_TIMEOUT_S", "");
const stepTimeoutMs = (workers: number) => (STEP_TIMEOUT_S ? Number(STEP_TIMEOUT_S) : Math.max(180, workers * 0.1)) * 1000;
const START_TIMEOUT_MS = 120_000;
/** Workers of the run with PostgreSQL cut in the middle (0: no such run), and for how long it is cut. */
const RESTART_WORKERS = Number(option("restart-workers", "BENCH_JOIN_RESTART_WORKERS", "200"));
const CUT_MS = 5_000;

// ---------------------------------------------------------------------------------------------------------------
// Stores

interface Store {
  engine: Engine;
  /** What the bot and the CLI are started with. */
  env: Record<string, string | undefined>;
  applications(): Promise<number>;
  destroy(): Promise<void>;
}

async function createStore(engine: Engine): Promise<Store> {
  if (engine === "pglite") {
    const dataDir = await mkdtemp(join(tmpdir(), "bench-join-"));
    return {
      engine,
      env: { DATA_DIR: dataDir, DATABASE_URL: undefined },
      async applications() {
        // Only while no bot runs: PGlite is one process's database.
        const db = await openDatabase({ dataDir });
        try {
          return await db.prisma.application.count();
        } finally {
          await db.close();
        }
      },
      destroy: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `bench_join_${process.pid}`;
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  const url = urlFor(name);
  return {
    engine,
    env: { DATABASE_URL: url, DATA_DIR: undefined },
    async applications() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM "Application"`)).rows[0]!.n);
      } finally {
        await client.end();
      }
    },
    destroy: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Bots

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

type Kind = "bot" | "baseline";

interface Running {
  child: Child;
  pid: number;
  port: number;
  /** Spawn → the reply to a /start that was waiting for it. */
  startupMs: number;
}

let probeId = 41_000_000;

/** Starts a bot against `fake` with a /start already queued, and waits for its reply. */
async function launch(kind: Kind, fake: FakeTelegram, store: Store | undefined): Promise<Running> {
  const port = await freePort();
  const probe = { id: probeId++, first_name: "Probe", language_code: "vi" };
  const since = fake.mark();
  fake.sendText(probe, "/start");
  const env = { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, LOG_LEVEL: "warn", PORT: String(port), ...store?.env };
  const t0 = performance.now();
  const child = kind === "bot" ? startNode("src/main.ts", [], env) : startNode("test/bench/baseline-bot.ts", [], env);
  const died = child.exited.then((code) => Promise.reject(new Error(`the ${kind} exited (${code}) before answering /start:\n${child.stderrTail()}`)));
  died.catch(() => undefined);
  try {
    await Promise.race([fake.waitForCall((c) => c.method === "sendMessage" && String(c.payload.chat_id) === String(probe.id), START_TIMEOUT_MS, since), died]);
  } catch (error) {
    await stopChild(child, 5_000);
    throw new Error(`${(error as Error).message}\n${kind} stderr:\n${child.stderrTail()}`);
  }
  const startupMs = performance.now() - t0;
  if (kind === "bot") await waitForMetrics(port, child);
  return { child, pid: child.process.pid!, port, startupMs };
}

async function waitForMetrics(port: number, child: Child): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the bot serves no /metrics on port ${port}:\n${child.stderrTail()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** db_statements_total from the bot's /metrics, summed over engines. */
async function statementsSoFar(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let total = 0;
  for (const m of text.matchAll(/^db_statements_total(?:\{[^}]*\})? ([0-9.e+]+)$/gm)) total += Number(m[1]);
  return total;
}

// ---------------------------------------------------------------------------------------------------------------
// One run: a crowd of workers against one bot

interface RunResult {
  kind: Kind;
  engine?: Engine;
  workers: number;
  swarm: SwarmResult;
  updatesPerSecond: number;
  p50: number;
  p99: number;
  cpuMsPerUpdate: number;
  /** undefined for the baseline (no database). */
  sqlPerUpdate?: number;
  /** VmHWM over the process's life, and the largest VmRSS sampled during the run. */
  peakRssMb: number;
  loadRssMb: number;
  idleRssMb: number;
  /** Applications stored by this run (rows added; the baseline: its replies). */
  stored: number;
  startupMs: number;
  /** CPU of the bench's own process (fake Bot API and workers) per update: it shares the machine with the bot. */
  benchCpuMsPerUpdate: number;
  /** The child's last log lines, kept when workers got stuck. */
  logTail?: string;
}

let nextWorkerId = 10_000_000;

/**
 * The bot's runs share one fake Bot API per store, as one bot token keeps its update ids across restarts (the inbox
 * drops an update id it has seen); the baseline gets a fresh one each time.
 */
async function crowd(
  kind: Kind,
  workers: number,
  store: Store | undefined,
  steps: (n: number) => Step[],
  botFake?: FakeTelegram,
  extra: Pick<SwarmOptions, "retryReply" | "progress"> = {},
): Promise<RunResult> {
  const before = kind === "bot" ? await store!.applications() : 0;
  const fake = botFake ?? (await FakeTelegram.start());
  let running: Running | undefined;
  try {
    running = await launch(kind, fake, store);
    const { pid, port, child, startupMs } = running;
    const idleRssMb = memoryMb(pid, "VmRSS");
    const statements0 = kind === "bot" ? await statementsSoFar(port) : 0;
    const cpu0 = cpuMs(pid);
    const own0 = process.cpuUsage();
    let loadRssMb = idleRssMb;
    const sampler = setInterval(() => {
      try {
        loadRssMb = Math.max(loadRssMb, memoryMb(pid, "VmRSS"));
      } catch {
        // exited; the abort below says so
      }
    }, 200);
    let stopping = false;
    const abort = child.exited.then((code) =>
      stopping ? new Promise<never>(() => undefined) : Promise.reject(new Error(`the ${kind} exited (${code}) during the run:\n${child.stderrTail()}`)),
    );
    abort.catch(() => undefined);
    const firstId = nextWorkerId;
    nextWorkerId += workers + 1000;
    let swarm: SwarmResult;
    try {
      swarm = await runSwarm({ fake, firstId, workers, steps, stepTimeoutMs: stepTimeoutMs(workers), abort, ...extra });
    } finally {
      clearInterval(sampler);
    }
    const cpu = cpuMs(pid) - cpu0;
    const own = process.cpuUsage(own0);
    const statements = kind === "bot" ? (await statementsSoFar(port)) - statements0 : undefined;
    const peakRssMb = memoryMb(pid, "VmHWM");
    // What the bot logged is the first thing to read when workers got stuck.
    const logTail = swarm.failures.length ? child.stderrTail() : undefined;
    stopping = true;
    await stopChild(child);
    running = undefined;
    const stored = kind === "bot" ? (await store!.applications()) - before : swarm.completed;
    const sorted = [...swarm.latencies].sort((a, b) => a - b);
    return {
      kind,
      engine: store?.engine,
      workers,
      swarm,
      updatesPerSecond: swarm.updates / (swarm.durationMs / 1000),
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      cpuMsPerUpdate: cpu / Math.max(1, swarm.updates),
      sqlPerUpdate: statements === undefined ? undefined : statements / Math.max(1, swarm.updates),
      peakRssMb,
      loadRssMb,
      idleRssMb,
      stored,
      startupMs,
      logTail,
      benchCpuMsPerUpdate: (own.user + own.system) / 1000 / Math.max(1, swarm.updates),
    };
  } finally {
    if (running) await stopChild(running.child, 5_000);
    if (!botFake) await fake.close();
  }
}

interface CutResult {
  run: RunResult;
  cutAfter: number;
  dropped: number;
}

/**
 * The bot on PostgreSQL through a proxy that drops every connection and refuses new ones for CUT_MS once half the
 * updates are answered, as a database restart would. Workers told "try again" answer again unless the bot goes on.
 */
async function crowdWithCut(store: Store, fake: FakeTelegram, workers: number): Promise<CutResult> {
  const direct = new URL(store.env.DATABASE_URL!);
  const proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
  const cutAfter = Math.floor((workers * botSteps(0).length) / 2);
  let cut: Promise<void> | undefined;
  try {
    const run = await crowd("bot", workers, { ...store, env: { ...store.env, DATABASE_URL: throughProxy(store.env.DATABASE_URL!, proxy) } }, botSteps, fake, {
      retryReply: tFor("vi")("error"),
      progress: (updates) => {
        if (updates >= cutAfter && !cut) {
          console.log(`  cutting PostgreSQL for ${CUT_MS / 1000} s after ${updates} updates`);
          proxy.cut();
          cut = new Promise((resolve) => setTimeout(resolve, CUT_MS)).then(() => proxy.restore());
        }
      },
    });
    return { run, cutAfter, dropped: proxy.dropped };
  } finally {
    await cut?.catch(() => undefined);
    await proxy.close();
  }
}

/** Spawn → first reply to /start, on the store as it is now; the bot is stopped again. */
async function startup(fake: FakeTelegram, store: Store): Promise<number> {
  const running = await launch("bot", fake, store);
  await stopChild(running.child);
  return running.startupMs;
}

// ---------------------------------------------------------------------------------------------------------------
// Report

const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en") : "—");
const n1 = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : "—");
const ms = (x: number) => (!Number.isFinite(x) ? "—" : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`);
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "—");
const beside = (bot: string, baseline: string, r: string) => `${bot} (${baseline}; ${r})`;

interface EngineResult {
  engine: Engine;
  freshStartMs?: number;
  existingStartMs: number[];
  runs: Array<{ bot?: RunResult; baseline?: RunResult; error?: string }>;
}

function engineTable(e: EngineResult): string[] {
  const rows = e.runs.map(({ bot, baseline, error }) => {
    if (!bot || !baseline) return `| ${n0(bot?.workers ?? baseline?.workers ?? NaN)} | failed: ${(error ?? "").split("\n")[0]} ||||||||`;
    const lost = bot.swarm.submitted - bot.stored;
    return [
      `| ${n0(bot.workers)}`,
      beside(`**${n0(bot.updatesPerSecond)}**`, n0(baseline.updatesPerSecond), ratio(bot.updatesPerSecond, baseline.updatesPerSecond)),
      beside(ms(bot.p50), ms(baseline.p50), ratio(bot.p50, baseline.p50)),
      beside(`**${ms(bot.p99)}**`, ms(baseline.p99), ratio(bot.p99, baseline.p99)),
      beside(n1(bot.cpuMsPerUpdate), n1(baseline.cpuMsPerUpdate), ratio(bot.cpuMsPerUpdate, baseline.cpuMsPerUpdate)),
      n1(bot.sqlPerUpdate ?? NaN),
      beside(`**${n0(bot.peakRssMb)}**`, n0(baseline.peakRssMb), ratio(bot.peakRssMb, baseline.peakRssMb)),
      `${n0(bot.idleRssMb)} / ${n0(bot.loadRssMb)}`,
      `${n0(bot.stored)} of ${n0(bot.swarm.submitted)} ${lost === 0 && bot.swarm.submitted === bot.workers ? "✅" : "❌"}${bot.swarm.failures.length ? ` (${bot.swarm.failures.length} workers stuck)` : ""}`,
      `${n1(bot.benchCpuMsPerUpdate)} / ${n1(baseline.benchCpuMsPerUpdate)} |`,
    ].join(" | ");
  });
  return [
    `### ${e.engine === "postgres" ? "PostgreSQL" : "PGlite (embedded)"}`,
    "",
    "Each cell: this bot (the baseline; ratio bot/baseline).",
    "",
    "| workers | updates/s | p50 update→reply | p99 update→reply | CPU ms/update | SQL statements/update | peak RSS MB (VmHWM) | RSS MB idle / max under load | applications stored of submitted | bench's own CPU ms/update (bot run / baseline run) |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ];
}

function goals(results: EngineResult[]): string[] {
  const find = (engine: Engine, workers: number) => results.find((r) => r.engine === engine)?.runs.find((r) => r.bot?.workers === workers)?.bot;
  const findBase = (engine: Engine, workers: number) => results.find((r) => r.engine === engine)?.runs.find((r) => r.bot?.workers === workers)?.baseline;
  const verdict = (ok: boolean | undefined) => (ok === undefined ? "not measured" : ok ? "✅ met" : "❌ not met");
  const lines: string[] = [];
  const all = results.flatMap((r) => r.runs);
  const lost = all.map((r) => (r.bot ? r.bot.swarm.submitted - r.bot.stored : NaN));
  const anyFailed = all.some((r) => r.error || !r.bot || r.bot.swarm.failures.length > 0 || r.bot.swarm.submitted !== r.bot.workers);
  lines.push(
    `| 0 applications lost at every size, on both engines | ${all.length ? `${lost.filter((n) => n === 0).length} of ${all.length} runs lose none${anyFailed ? "; some workers got stuck or a run failed" : ""}` : "—"} | ${verdict(all.length ? lost.every((n) => n === 0) && !anyFailed : undefined)} |`,
  );
  const pg1000 = find("postgres", 1000);
  const base1000 = findBase("postgres", 1000);
  lines.push(
    `| 1,000 workers on PostgreSQL: ≥ 0.5 × the baseline's throughput | ${pg1000 && base1000 ? `${n0(pg1000.updatesPerSecond)} vs ${n0(base1000.updatesPerSecond)} updates/s = ${ratio(pg1000.updatesPerSecond, base1000.updatesPerSecond)}` : "—"} | ${verdict(pg1000 && base1000 ? pg1000.updatesPerSecond >= 0.5 * base1000.updatesPerSecond : undefined)} |`,
  );
  for (const engine of ["postgres", "pglite"] as const) {
    const r10 = find(engine, 10);
    lines.push(`| p99 < 50 ms at 10 workers (${engine === "postgres" ? "PostgreSQL" : "PGlite"}) | ${r10 ? ms(r10.p99) : "—"} | ${verdict(r10 ? r10.p99 < 50 : undefined)} |`);
  }
  lines.push(`| Peak RSS < 250 MB at 1,000 workers on PostgreSQL | ${pg1000 ? `${n0(pg1000.peakRssMb)} MB` : "—"} | ${verdict(pg1000 ? pg1000.peakRssMb < 250 : undefined)} |`);
  const lite1000 = find("pglite", 1000);
  lines.push(`| Peak RSS at 1,000 workers on PGlite, as close to that as PGlite allows | ${lite1000 ? `${n0(lite1000.peakRssMb)} MB (idle ${n0(lite1000.idleRssMb)} MB)` : "—"} | (reported) |`);
  for (const r of results) {
    const worst = Math.max(...r.existingStartMs);
    lines.push(
      `| Start to first reply < 3 s on an existing store (${r.engine === "postgres" ? "PostgreSQL" : "PGlite"}) | ${r.existingStartMs.length ? `${r.existingStartMs.map(ms).join(", ")} (${r.existingStartMs.length} starts)` : "—"} | ${verdict(r.existingStartMs.length ? worst < 3000 : undefined)} |`,
    );
  }
  return ["| goal | measured | |", "|---|---|---|", ...lines];
}

// ---------------------------------------------------------------------------------------------------------------

const bench: Benchmark = {
  title: TITLE,
  async run() {
    const stores: Store[] = [];
    const fakes: FakeTelegram[] = [];
    const cleanUp = async () => {
      killAll();
      await Promise.allSettled(fakes.map((f) => f.close()));
      await Promise.allSettled(stores.map((s) => s.destroy()));
    };
    const onSignal = () => void cleanUp().finally(() => process.exit(130));
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const problems: string[] = [];
    const results: EngineResult[] = [];
    const baselineStarts: number[] = [];
    let cutResult: CutResult | undefined;
    let cutError: string | undefined;
    try {
      for (const engine of ENGINES) {
        const store = await createStore(engine);
        stores.push(store);
        const fake = await FakeTelegram.start();
        fakes.push(fake);
        const result: EngineResult = { engine, existingStartMs: [], runs: [] };
        results.push(result);
        console.log(`${engine}: start on a fresh store…`);
        result.freshStartMs = await startup(fake, store);
        console.log(`${engine}: fresh start ${ms(result.freshStartMs)}; loading the demo units`);
        await runNode("src/cli/main.ts", ["load-demo"], store.env);
        result.existingStartMs.push(await startup(fake, store));
        const checkRun = (label: string, bot: RunResult) => {
          if (bot.stored !== bot.swarm.submitted) {
            problems.push(`${label}: ${bot.swarm.submitted} workers pressed "Gửi đơn" but ${bot.stored} applications were stored`);
          }
          if (bot.swarm.failures.length) {
            problems.push(`${label}: ${bot.swarm.failures.length} workers got stuck, e.g.\n  ${bot.swarm.failures.slice(0, 5).join("\n  ")}\n  the first one's chat:\n    ${(bot.swarm.firstStuckChat ?? "").split("\n").join("\n    ")}\n  the bot's last log lines:\n    ${(bot.logTail ?? "").split("\n").join("\n    ")}`);
          }
        };
        for (const workers of SIZES) {
          console.log(`${engine}, ${workers} workers: baseline…`);
          const entry: EngineResult["runs"][number] = {};
          result.runs.push(entry);
          try {
            entry.baseline = await crowd("baseline", workers, undefined, baselineSteps);
            baselineStarts.push(entry.baseline.startupMs);
            console.log(summary(entry.baseline));
            console.log(`${engine}, ${workers} workers: the bot…`);
            entry.bot = await crowd("bot", workers, store, botSteps, fake);
            console.log(summary(entry.bot));
            result.existingStartMs.push(entry.bot.startupMs);
            checkRun(`${engine}, ${workers} workers`, entry.bot);
            if (entry.baseline.swarm.failures.length) {
              problems.push(`baseline, ${workers} workers: ${entry.baseline.swarm.failures.length} workers got stuck, e.g.\n  ${entry.baseline.swarm.failures.slice(0, 3).join("\n  ")}\n  its last log lines:\n    ${(entry.baseline.logTail ?? "").split("\n").join("\n    ")}`);
            }
          } catch (error) {
            entry.error = (error as Error).message;
            problems.push(`${engine}, ${workers} workers: ${entry.error}`);
            console.error(entry.error);
          }
        }
        if (engine === "postgres" && RESTART_WORKERS > 0) {
          console.log(`postgres, ${RESTART_WORKERS} workers, connections cut for ${CUT_MS / 1000} s mid-run…`);
          try {
            cutResult = await crowdWithCut(store, fake, RESTART_WORKERS);
            console.log(summary(cutResult.run));
            checkRun(`PostgreSQL cut mid-run, ${RESTART_WORKERS} workers`, cutResult.run);
          } catch (error) {
            cutError = (error as Error).message;
            problems.push(`PostgreSQL cut mid-run: ${cutError}`);
            console.error(cutError);
          }
        }
      }
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await cleanUp();
    }

    const version = await admin<{ v: string }>("SELECT split_part(version(), ' on ', 1) AS v").then((r) => r[0]?.v ?? "PostgreSQL", () => "PostgreSQL");
    const markdown = [
      `Simulated workers go through the whole join form at once — /start from a poster's link, language, consent, name, birth date, sex, phone, nationality, workplace, job, ethnicity (skipped), summary, "Gửi đơn": 12 updates each, the next sent as soon as the reply to the previous one arrives — against the bot run as \`npm start\` runs it (a child process, demo units loaded by the CLI beforehand, fake Bot API \`test/fake-telegram\` in the bench's process) and, side by side in the same run, a bare grammY + @grammyjs/conversations bot with its state in memory and a form of the same length (\`test/bench/baseline-bot.ts\`, @grammyjs/runner with \`sequentialize\`).`,
      "",
      `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${version}; run on ${new Date().toISOString().slice(0, 10)}; load average when done ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")} (the machine is shared, and the workers and the fake Bot API share it with the bot).`,
      "",
      "Updates/s: replies received ÷ (first update sent → last reply). Latency: an update sent → the reply the worker waits for. CPU: the child's utime + stime (/proc/<pid>/stat) during the run ÷ updates. SQL: `db_statements_total` from the bot's `GET /metrics` before and after (every statement or script sent to the store, pg-boss's included; a transaction counts BEGIN and COMMIT). Peak RSS: VmHWM of the child's life (start-up included); also RSS idle before the run and the largest sampled under load. Stored: rows added to `Application`, against the workers who pressed \"Gửi đơn\"; the bench fails if they differ.",
      "",
      ...results.flatMap((r) => [...engineTable(r), ""]),
      "### Start-up to the first reply",
      "",
      "Spawn of `node --import tsx src/main.ts` → the reply to a /start that was waiting at the fake.",
      "",
      "| store | fresh (migrations included) | existing (each start) |",
      "|---|---|---|",
      ...results.map((r) => `| ${r.engine === "postgres" ? "PostgreSQL" : "PGlite"} | ${ms(r.freshStartMs ?? NaN)} | ${r.existingStartMs.map(ms).join(", ")} |`),
      `| baseline (in memory) | ${baselineStarts.length ? baselineStarts.map(ms).join(", ") : "—"} | |`,
      "",
      "### PostgreSQL cut in the middle of a run",
      "",
      cutSection(cutResult, cutError),
      "",
      "### Goals (issue 12)",
      "",
      ...goals(results),
      `| 0 applications lost with the database restarted in the middle (PostgreSQL, connections cut for ${CUT_MS / 1000} s) | ${cutResult ? `${n0(cutResult.run.stored)} stored of ${n0(cutResult.run.swarm.submitted)} submitted, ${cutResult.run.swarm.failures.length} workers stuck` : (cutError ?? "—")} | ${cutResult ? (cutResult.run.stored === cutResult.run.swarm.submitted && cutResult.run.swarm.submitted === cutResult.run.workers && !cutResult.run.swarm.failures.length ? "✅ met" : "❌ not met") : cutError ? "❌ not met" : "not measured"} |`,
      ...(problems.length ? ["", "### Failures of this run", "", ...problems.map((p) => `- ${p.split("\n")[0]}`)] : []),
    ].join("\n");
    if (problems.length) {
      // The numbers are still worth keeping; then fail loudly.
      await writeSection("join", TITLE, markdown);
      console.log(markdown);
      throw new Error(`join bench failed:\n- ${problems.join("\n- ")}`);
    }
    return markdown;
  },
};

function cutSection(cut: CutResult | undefined, error: string | undefined): string {
  if (!cut) return error ? `Failed: ${error.split("\n")[0]}` : "Not run (`--restart-workers 0`, or PostgreSQL not among the engines).";
  const r = cut.run;
  return [
    `${n0(r.workers)} workers against the bot on PostgreSQL through a TCP proxy (\`test/support/tcp-proxy.ts\`) that, once ${n0(cut.cutAfter)} updates were answered, dropped every open connection (${n0(cut.dropped)}) and refused new ones for ${CUT_MS / 1000} s, as a server restart does. A worker told "${tFor("vi")("error")}" sends the same answer again 2 s later, unless the question it waits for came meanwhile.`,
    "",
    "| workers | updates/s | p50 | p99 | \"try again\" replies | workers stuck | applications stored of submitted |",
    "|---|---|---|---|---|---|---|",
    `| ${n0(r.workers)} | ${n0(r.updatesPerSecond)} | ${ms(r.p50)} | ${ms(r.p99)} | ${n0(r.swarm.retried)} | ${r.swarm.failures.length} | ${n0(r.stored)} of ${n0(r.swarm.submitted)} ${r.stored === r.swarm.submitted && r.swarm.submitted === r.workers ? "✅" : "❌"} |`,
  ].join("\n");
}

function summary(r: RunResult): string {
  return `  ${r.kind}${r.engine ? ` (${r.engine})` : ""}: ${r.workers} workers, ${r.swarm.updates} updates in ${ms(r.swarm.durationMs)} = ${n0(r.updatesPerSecond)}/s, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, CPU ${n1(r.cpuMsPerUpdate)} ms/update, SQL ${n1(r.sqlPerUpdate ?? NaN)}/update, VmHWM ${n0(r.peakRssMb)} MB, bench's own CPU ${n1(r.benchCpuMsPerUpdate)} ms/update, stored ${r.stored} of ${r.swarm.submitted}${r.swarm.failures.length ? `, ${r.swarm.failures.length} stuck` : ""}`;
}

export default bench;
