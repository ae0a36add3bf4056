// `npm run bench cards`: what a member card costs. Signing and checking a token (pure CPU); drawing the card picture
// (sent once per member, on approval and on /card); and one check through the verify page as a phone opens it
// (the web chat's server, embedded store): latency, CPU and SQL statements per check.
import { mkdtemp, rm } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startApp } from "../../src/app.ts";
import { cardOf } from "../../src/cards/card.ts";
import { cardPng } from "../../src/cards/image.ts";
import { keyRingFromText } from "../../src/cards/keys.ts";
import { readCardToken, signCardToken } from "../../src/cards/token.ts";
import { loadConfig } from "../../src/config.ts";
import { decideApplication } from "../../src/membership/applications.ts";
import { registry } from "../../src/metrics/metrics.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";
import type { Benchmark } from "./run.ts";

const TOKENS = 100_000;
const PICTURES = 30;
const CHECKS = 300;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function tokenMicros() {
  const ring = keyRingFromText("bench:" + "k".repeat(43));
  const claims = { number: 1_234_567, unitCode: "LC-DK-CSLC", day: "20260512" };
  const token = signCardToken(ring, claims);
  let t0 = performance.now();
  for (let i = 0; i < TOKENS; i++) signCardToken(ring, claims);
  const sign = ((performance.now() - t0) / TOKENS) * 1000;
  t0 = performance.now();
  for (let i = 0; i < TOKENS; i++) readCardToken(ring, token);
  const verify = ((performance.now() - t0) / TOKENS) * 1000;
  return { sign, verify, length: token.length };
}

async function statementsSoFar(): Promise<number> {
  const metric = await registry.getSingleMetric("db_statements_total")?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

async function pictureAndChecks() {
  const dir = await mkdtemp(join(tmpdir(), "bench-cards-"));
  const app = await startApp(loadConfig({ DATA_DIR: join(dir, "data"), WEB_CHAT_PORT: "0", LOG_LEVEL: "silent" }), { scheduleReminders: false });
  try {
    const prisma = app.db.prisma;
    await loadDemo(prisma);
    const chair = await grant(prisma, { id: 1 }, "CHAIR", "LC-DK-CSLC");
    const filed = await fileApplication(prisma, { id: 2 }, "LC-DK-CSLC", { fullName: "Nguyễn Thị Thu Hương" });
    await decideApplication(prisma, { applicationId: filed.applicationId, actorId: chair.id, decision: { kind: "approve" } });
    const card = (await cardOf(prisma, {}, filed.personId))!;

    let t0 = performance.now();
    const first = await cardPng(card);
    const cold = performance.now() - t0;
    const draws: number[] = [];
    for (let i = 0; i < PICTURES; i++) {
      t0 = performance.now();
      await cardPng(card);
      draws.push(performance.now() - t0);
    }

    const link = `${app.webChat!.url}/verify/${card.token}`;
    await fetch(link).then((r) => r.text());
    const statementsBefore = await statementsSoFar();
    const cpuBefore = process.cpuUsage();
    const latencies: number[] = [];
    for (let i = 0; i < CHECKS; i++) {
      t0 = performance.now();
      const response = await fetch(link);
      await response.text();
      if (response.status !== 200) throw new Error(`verify page answered ${response.status}`);
      latencies.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(cpuBefore);
    return {
      cold,
      draw: median(draws),
      bytes: first.length,
      p50: median(latencies),
      p99: [...latencies].sort((a, b) => a - b)[Math.floor(CHECKS * 0.99)]!,
      cpuMs: (cpu.user + cpu.system) / 1000 / CHECKS,
      statements: ((await statementsSoFar()) - statementsBefore) / CHECKS,
    };
  } finally {
    await app.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const bench: Benchmark = {
  title: "Member cards: token, picture, check",
  async run() {
    const token = tokenMicros();
    console.log(`token: sign ${token.sign.toFixed(2)} µs, verify ${token.verify.toFixed(2)} µs, ${token.length} characters`);
    const card = await pictureAndChecks();
    console.log(`picture: ${card.draw.toFixed(1)} ms (cold ${card.cold.toFixed(0)} ms), ${card.bytes} bytes; check p50 ${card.p50.toFixed(1)} ms, ${card.statements.toFixed(2)} statements`);
    return [
      `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "?"}, Node ${process.version}; run on ${new Date().toISOString().slice(0, 10)}; load average when done ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")}.`,
      "",
      "| what | cost |",
      "|---|---|",
      `| sign a token (HMAC-SHA-256, ${TOKENS.toLocaleString("en")} in a row) | ${token.sign.toFixed(2)} µs |`,
      `| read and check a token's signature | ${token.verify.toFixed(2)} µs |`,
      `| token length (key id, 7-digit number, day, union code, signature) | ${token.length} characters |`,
      `| draw the card picture (1012×638 PNG with its QR code; median of ${PICTURES}) | ${card.draw.toFixed(1)} ms, ${Math.round(card.bytes / 1024)} kB |`,
      `| the first picture of a process (loads Skia and the fonts) | ${card.cold.toFixed(0)} ms |`,
      `| one check through \`/verify/<token>\` (embedded store; ${CHECKS} in a row): p50 / p99 | ${card.p50.toFixed(1)} ms / ${card.p99.toFixed(1)} ms |`,
      `| CPU per check (server and this bench's client) | ${card.cpuMs.toFixed(2)} ms |`,
      `| SQL statements per check (the key ring, the member) | ${card.statements.toFixed(2)} |`,
      "",
      "The picture is drawn once per member (on approval, and on /card); it is not on any update's hot path.",
    ].join("\n");
  },
};

export default bench;
