// What an operator watches and relies on: /readyz says whether this instance can serve (store, migrations, job
// queue) and which check failed; /metrics moves as the bot works; the webhook edge refuses oversized and malformed
// bodies, unknown paths and a wrong secret with the right status, counting each refusal by route, never by path;
// the HTTP server listens on loopback unless told otherwise; and SIGTERM ends the process within 10 s even while an
// update waits on a Bot API call that never answers.
import { rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REMINDERS_QUEUE } from "../../src/bot/reminders/send.ts";
import { FakeTelegram } from "../fake-telegram/server.ts";
import { startNode } from "../bench/child-process.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { valueOf } from "../support/metrics.ts";
import { Chat } from "../support/chat.ts";
import { createTestDataDir, ENGINE } from "../support/database.ts";
import { freePort } from "../support/ports.ts";
import { SHORT_LIVED_NODE_FLAGS } from "../support/node-args.ts";

const SECRET = "operations-secret-0123456789";

describe("operating the bot", () => {
  let h: Harness;
  let base: string;
  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    h = await startHarness({
      fake: { local: true },
      env: { PORT: String(port), TELEGRAM_WEBHOOK_URL: `${base}/telegram/hook`, TELEGRAM_WEBHOOK_SECRET: SECRET },
    });
  });
  afterAll(() => h?.close());

  const scrape = async () => (await fetch(`${base}/metrics`)).text();
  /** The status of a post whose body the server may refuse before it has all arrived (then it closes the socket). */
  const postLarge = (bytes: number) =>
    new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${base}/telegram/hook`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": bytes, "x-telegram-bot-api-secret-token": SECRET },
      });
      request.on("response", (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on("error", (err) => (err.message.includes("EPIPE") || err.message.includes("ECONNRESET") ? undefined : reject(err)));
      request.end(Buffer.alloc(bytes, 32));
    });
  const post = (body: string | Uint8Array, secret = SECRET) =>
    fetch(`${base}/telegram/hook`, { method: "POST", headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret }, body });

  it("/metrics moves as the bot works: updates handled, reminder runs, and the store's gauges", async () => {
    const before = await scrape();
    const worker = new Chat(h.fake, { id: 9301, first_name: "Hoa" });
    worker.send("/help");
    await worker.expect(/\/status/);
    const jobId = await h.app.boss.send(REMINDERS_QUEUE, {});
    await expect.poll(async () => (await h.app.boss.getJobById(REMINDERS_QUEUE, jobId!))?.state, { timeout: 15_000 }).toBe("completed");

    const after = await scrape();
    const handled = 'bot_updates_handled_total{channel="TELEGRAM",kind="message",outcome="ok"}';
    expect(valueOf(after, handled)).toBeGreaterThan(valueOf(before, handled));
    const runs = `reminder_runs_total{job="${REMINDERS_QUEUE}",outcome="ok"}`;
    expect(valueOf(after, runs)).toBe(valueOf(before, runs) + 1);
    expect(after).toMatch(/^outbox_pending \d+$/m);
    expect(after).toMatch(/^conversations_active \d+$/m);
    expect(after).toMatch(/^db_pool_connections\{state="in_use"\} \d+$/m);
    expect(after).toMatch(/^db_pool_connections\{state="waiting"\} 0$/m);
    // Nothing personal in the metrics: no names, no chat ids.
    expect(after).not.toContain("Hoa");
    expect(after).not.toContain("9301");
  });

  it("refuses an oversized body, malformed JSON, a wrong secret and unknown paths, counting each by route", async () => {
    const before = await scrape();
    expect(await postLarge(2 * 1024 * 1024)).toBe(413);
    expect((await post("{ not json")).status).toBe(400);
    expect((await post("{}", "wrong-secret-000000000000000")).status).toBe(401);
    expect((await fetch(`${base}/wp-admin/setup.php?x=1`)).status).toBe(404);
    const after = await scrape();
    for (const [route, status] of [["/telegram/hook", 413], ["/telegram/hook", 400], ["/telegram/hook", 401], ["unknown", 404]] as const) {
      const series = `http_refused_total{route="${route}",status="${status}"}`;
      expect(valueOf(after, series), series).toBe(valueOf(before, series) + 1);
    }
    expect(after).not.toContain("wp-admin");
    expect(h.logs.text).toContain('"msg":"http request refused"');
    expect(h.logs.text).not.toContain("not json");
  });

  it("says once that the Bot API stopped answering and once that it is back, however many updates failed meanwhile", async () => {
    const occurrences = (msg: string) => h.logs.lines.filter((l) => l.includes(`"msg":"${msg}"`)).length;
    h.fake.failNext("sendMessage", { error_code: 502, times: 9 });
    const workers = [9311, 9312, 9313].map((id) => new Chat(h.fake, { id }));
    for (const worker of workers) worker.send("/help");
    await expect.poll(() => h.fake.callsTo("sendMessage").filter((c) => c.response && !c.response.ok).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(9);
    // The fake records a call before the bot reads its answer: the log line follows a moment later.
    await expect.poll(() => occurrences("telegram api unreachable"), { timeout: 30_000 }).toBe(1);
    const worker = new Chat(h.fake, { id: 9314 });
    worker.send("/help");
    await worker.expect(/\/status/);
    await expect.poll(() => occurrences("telegram api back"), { timeout: 30_000 }).toBe(1);
    expect(occurrences("telegram api unreachable")).toBe(1);
  });

  it("listens on loopback only unless a webhook or HOST says otherwise", async () => {
    const port = await freePort();
    const local = await startHarness({ env: { PORT: String(port) } });
    try {
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const outside = Object.values(networkInterfaces()).flat().find((a) => a && a.family === "IPv4" && !a.internal)?.address;
      if (outside) await expect(fetch(`http://${outside}:${port}/healthz`)).rejects.toThrow();
    } finally {
      await local.close();
    }
  });

  it("/readyz is ready, then names the check that fails: migrations missing, job queue stopped", async () => {
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });

    const last = await h.db.prisma.$queryRaw<{ id: string }[]>`SELECT id FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1`;
    await h.db.prisma.$executeRaw`UPDATE _prisma_migrations SET finished_at = NULL WHERE id = ${last[0]!.id}`;
    let answer = await fetch(`${base}/readyz`);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({ status: "not ready", failed: ["migrations"] });
    await h.db.prisma.$executeRaw`UPDATE _prisma_migrations SET finished_at = now() WHERE id = ${last[0]!.id}`;

    await h.app.boss.stop({ graceful: false, wait: true });
    answer = await fetch(`${base}/readyz`);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({ status: "not ready", failed: ["jobs"] });
    // The process is alive, only not ready: /healthz still answers.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

describe.skipIf(ENGINE !== "pglite")("stopping", { timeout: 150_000 }, () => {
  it("exits within 10 s of SIGTERM while an update waits on a Bot API call that never answers", async () => {
    const fake = await FakeTelegram.start();
    let dataDir: string | undefined;
    try {
      let calledOut!: () => void;
      const called = new Promise<void>((resolve) => (calledOut = resolve));
      fake.stub("sendMessage", () => {
        calledOut();
        return new Promise(() => undefined);
      });
      // A migrated folder store: initdb and the migrations on `memory://` took half a minute on a busy machine.
      dataDir = await createTestDataDir("congdoan-stop-");
      const bot = startNode("src/main.ts", [], { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, DATA_DIR: dataDir, LOG_LEVEL: "warn", PORT: undefined }, SHORT_LIVED_NODE_FLAGS);
      await fake.waitForPoll(90_000, 0).catch((err: Error) => {
        throw new Error(`${err.message}\n${bot.stderrTail()}`);
      });
      new Chat(fake, { id: 9400 }).send("/help");
      await called;
      const sent = Date.now();
      bot.process.kill("SIGTERM");
      await bot.exited;
      expect(Date.now() - sent).toBeLessThan(10_000);
    } finally {
      await fake.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }
  });
});
