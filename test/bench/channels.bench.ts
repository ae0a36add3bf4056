// `npm run bench channels`: what the channel seam (src/channels/router.ts) costs, and what one web chat exchange costs.
// - The router on Telegram's path: every Bot API call now passes its transformer; measured against the bare call.
// - The web chat, as `npm start` runs it without a token (in this process, on a fresh embedded store): a person sends
//   /help through the page's HTTP API and waits for the answer, one after another; per exchange: latency, this
//   process's CPU, statements sent to the store (db_statements_total) and bytes the store grew by.
import { mkdtemp, rm } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { ApiCallFn } from "grammy";
import { startApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { ChannelRouter } from "../../src/channels/router.ts";
import { createLogger } from "../../src/logger.ts";
import { registry } from "../../src/metrics/metrics.ts";
import { listen } from "../support/web-chat.ts";
import type { Benchmark } from "./run.ts";

const CALLS = 200_000;
const EXCHANGES = 300;

async function routerOverheadMicros(): Promise<number> {
  const router = new ChannelRouter(createLogger("silent"), true);
  const prev = (async () => ({ ok: true, result: true })) as unknown as ApiCallFn;
  const payload = { chat_id: 123_456_789, text: "Xin chào", reply_markup: { inline_keyboard: [[{ text: "a", callback_data: "b" }]] } };
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) await router.transformer(prev, "sendMessage", payload);
    const t1 = performance.now();
    for (let i = 0; i < CALLS; i++) await prev("sendMessage", payload);
    const t2 = performance.now();
    rounds.push(((t1 - t0 - (t2 - t1)) / CALLS) * 1000);
  }
  return rounds.sort((a, b) => a - b)[2]!;
}

async function statementsSoFar(): Promise<number> {
  const metric = await registry.getSingleMetric("db_statements_total")?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

async function webExchanges() {
  const dir = await mkdtemp(join(tmpdir(), "bench-web-"));
  const app = await startApp(loadConfig({ DATA_DIR: join(dir, "data"), WEB_CHAT_PORT: "0", LOG_LEVEL: "silent" }), { scheduleReminders: false });
  const url = app.webChat!.url;
  const size = async () =>
    Number((await app.db.prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT (pg_total_relation_size('"WebMessage"') + pg_total_relation_size('"InboxUpdate"'))::bigint AS n`))[0]!.n);
  try {
    const chat = "w-00be0c11";
    const post = (text: string) =>
      fetch(`${url}/api/chats/${chat}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
    // The answer is waited for as an open page learns of it: from the live stream.
    const live = await listen(url, chat);
    const answer = () => live.next((m) => m.from === "bot");
    await post("/help");
    await answer();
    const bytesBefore = await size();
    const statementsBefore = await statementsSoFar();
    const cpuBefore = process.cpuUsage();
    const latencies: number[] = [];
    for (let i = 0; i < EXCHANGES; i++) {
      const started = performance.now();
      await post("/help");
      await answer();
      latencies.push(performance.now() - started);
    }
    const cpu = process.cpuUsage(cpuBefore);
    live.close();
    const statements = (await statementsSoFar()) - statementsBefore;
    const bytes = (await size()) - bytesBefore;
    latencies.sort((a, b) => a - b);
    return {
      p50: latencies[Math.floor(EXCHANGES * 0.5)]!,
      p99: latencies[Math.floor(EXCHANGES * 0.99)]!,
      cpuMs: (cpu.user + cpu.system) / 1000 / EXCHANGES,
      statements: statements / EXCHANGES,
      bytes: bytes / EXCHANGES,
    };
  } finally {
    await app.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const bench: Benchmark = {
  title: "Channels: the seam's cost, and one web chat exchange",
  async run() {
    const overhead = await routerOverheadMicros();
    console.log(`router: ${overhead.toFixed(3)} µs per Telegram call`);
    const web = await webExchanges();
    console.log(`web: p50 ${web.p50.toFixed(1)} ms, p99 ${web.p99.toFixed(1)} ms, ${web.cpuMs.toFixed(2)} CPU ms, ${web.statements.toFixed(2)} statements, ${Math.round(web.bytes)} bytes`);
    return [
      `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "?"}, Node ${process.version}; run on ${new Date().toISOString().slice(0, 10)}; load average when done ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")}.`,
      "",
      `**The router on Telegram's path.** Every Bot API call passes \`ChannelRouter.transformer\`, which reads the chat id and hands a Telegram call on untouched: **${overhead.toFixed(2)} µs per call** over a bare call (median of 5 rounds of ${CALLS.toLocaleString("en")} calls). A join-form update makes one or two calls and costs about 6 ms of CPU (\`npm run bench join\`), so the seam is below 0.01 % of it.`,
      "",
      `**One web chat exchange** (\`npm start\` without a token, embedded store; /help sent through the page's API and its answer read back, ${EXCHANGES} in a row after a first one that creates the person):`,
      "",
      "| p50 sent→answer shown | p99 | CPU ms/exchange (the whole process: HTTP, inbox, bot, store, and this bench's own client) | SQL statements/exchange | bytes stored/exchange (WebMessage + InboxUpdate, indexes included) |",
      "|---|---|---|---|---|",
      `| ${web.p50.toFixed(1)} ms | ${web.p99.toFixed(1)} ms | ${web.cpuMs.toFixed(2)} | ${web.statements.toFixed(2)} | ${Math.round(web.bytes).toLocaleString("en")} |`,
      "",
      "An exchange is two messages (the person's and the bot's), each one row, and one inbox row; the answer reaches the page over its live stream (Server-Sent Events).",
    ].join("\n");
  },
};

export default bench;
