// Several instances behind a load balancer on one PostgreSQL, in webhook mode: a chat's updates reach any of them,
// some twice and to two instances at once, yet each chat is answered exactly as one instance answers it. 24
// workers fill the join form at once, two of their answers sent back to back without waiting, through a balancer
// (in this file) that sends each update Telegram posts to a random instance and one in eight to a second one too.
// Each worker's transcript (the bot's messages to them, in order) is compared with the one a single instance gives
// the same worker on its own store. (PGlite is embedded in one process, so this runs on PostgreSQL only.)
import { createServer, type Server } from "node:http";
import { describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { FakeTelegram } from "../fake-telegram/server.ts";
import { LogCapture } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { createTestDatabase, ENGINE, type TestDatabase } from "../support/database.ts";
import { loadDemo } from "../support/fixtures.ts";
import { joinSteps, workerNo } from "../support/join-form.ts";
import { freePort } from "../support/ports.ts";

// Enough chats for every instance to meet duplicates and interleaved answers; throughput at scale is `npm run bench webhook`.
const CHATS = 24;
const SECRET = "instances-secret-0123456789";
const FIRST_ID = 640_000;
/** Steps whose update is sent without waiting for the previous step's answer: full name, then birth date. */
const BACK_TO_BACK = 3;

interface Cluster {
  fake: FakeTelegram;
  db: TestDatabase;
  apps: App[];
  balancer: Server;
  duplicates: number;
  close(): Promise<void>;
}

/** `instances` bots on one fresh database, all reached through one balancer at the webhook address Telegram knows. */
async function startCluster(instances: number): Promise<Cluster> {
  const fake = await FakeTelegram.start({ local: true });
  const db = await createTestDatabase();
  await loadDemo(db.prisma);
  const ports = await Promise.all(Array.from({ length: instances }, () => freePort()));
  const balancerPort = await freePort();
  const cluster: Partial<Cluster> & { duplicates: number } = { duplicates: 0 };
  let sent = 0;
  const balancer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const forward = (port: number) =>
        fetch(`http://127.0.0.1:${port}${req.url}`, { method: "POST", headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": String(req.headers["x-telegram-bot-api-secret-token"] ?? "") }, body });
      const first = ports[Math.floor(Math.random() * ports.length)]!;
      // Telegram was not sure the first delivery arrived: the same update again, at once, to another instance.
      if (ports.length > 1 && ++sent % 8 === 0) {
        cluster.duplicates++;
        void forward(ports.find((p) => p !== first)!).catch(() => undefined);
      }
      forward(first).then(
        (r) => res.writeHead(r.status).end(),
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((resolve) => balancer.listen(balancerPort, "127.0.0.1", resolve));
  const apps: App[] = [];
  for (const port of ports) {
    const config = loadConfig({
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${balancerPort}/telegram/hook`,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      PORT: String(port),
      DATABASE_POOL_SIZE: "4",
      LOG_LEVEL: "warn",
    });
    apps.push(await startApp({ ...config, DATABASE_URL: db.url }, { logger: createLogger("warn", new LogCapture()), botInfo: fake.botInfo, scheduleReminders: false }));
  }
  return Object.assign(cluster, {
    fake,
    db,
    apps,
    balancer,
    async close() {
      for (const app of apps) await app.stop();
      await new Promise((resolve) => balancer.close(resolve));
      await fake.close();
      await db.destroy();
    },
  }) as Cluster;
}

/** Plays worker `n` through the whole join form, the two text answers back to back. */
async function playWorker(fake: FakeTelegram, n: number): Promise<void> {
  const chat = new Chat(fake, { id: FIRST_ID + n, first_name: `W${n}` });
  const steps = joinSteps(workerNo(n));
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    step.act(chat);
    if (i === BACK_TO_BACK) {
      const next = steps[++i]!;
      next.act(chat);
      await chat.expect(step.reply, 120_000);
      await chat.expect(next.reply, 120_000);
    } else await chat.expect(step.reply, 120_000);
  }
}

/** The bot's messages to each worker, as shown now (edits applied), with application numbers made comparable. */
function transcripts(fake: FakeTelegram): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (let n = 0; n < CHATS; n++) {
    const texts = fake.messagesTo({ id: FIRST_ID + n }).map((m) => (m.text ?? m.caption ?? "").replace(/HS-\d{6}/g, "HS-######"));
    out.set(n, texts);
  }
  return out;
}

async function run(instances: number): Promise<{ transcripts: Map<number, string[]>; duplicates: number; applications: number }> {
  const cluster = await startCluster(instances);
  try {
    await Promise.all(Array.from({ length: CHATS }, (_, n) => playWorker(cluster.fake, n)));
    const applications = await cluster.db.prisma.application.count();
    return { transcripts: transcripts(cluster.fake), duplicates: cluster.duplicates, applications };
  } finally {
    await cluster.close();
  }
}

describe.skipIf(ENGINE !== "postgres")("three instances on one PostgreSQL, webhook mode", { timeout: 600_000 }, () => {

  it("answers each of 24 workers exactly as one instance does, with updates spread, doubled and back to back", async () => {
    // Side by side: the single instance's answers are the reference, computed on a store of its own.
    const [single, three] = await Promise.all([run(1), run(3)]);
    // One update in eight was delivered twice: about 1.5 per chat.
    expect(three.duplicates).toBeGreaterThan(CHATS);
    expect(three.applications).toBe(CHATS);
    expect(single.applications).toBe(CHATS);
    // Each differing worker with the first message that differs, one instance's then three's.
    const differing = [...single.transcripts].flatMap(([n, texts]) => {
      const other = three.transcripts.get(n) ?? [];
      const at = texts.findIndex((t, i) => t !== other[i]);
      const i = at === -1 && texts.length !== other.length ? texts.length : at;
      return i === -1 ? [] : [`worker ${n}, message ${i}: ${JSON.stringify(texts[i]?.slice(0, 90))} ≠ ${JSON.stringify(other[i]?.slice(0, 90))}`];
    });
    expect(differing).toEqual([]);
    // Every worker's form was answered step by step: twelve answers, nothing doubled, no error among them.
    for (const texts of three.transcripts.values()) expect(texts.length).toBe(single.transcripts.get(0)!.length);
  });
});
