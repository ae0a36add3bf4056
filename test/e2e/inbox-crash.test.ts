// Answers survive kill -9. The bot runs as a child process (`node --import tsx src/main.ts`, as `npm start` runs
// it); 12 workers are in the middle of the join form when it is killed with SIGKILL right after Telegram was told
// their answers arrived. After a restart every answer is handled once: each worker gets the answer to what they
// sent, finishes the form, and the stored application holds exactly their answers.
import { appendFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.ts";
import { startNode, type Child } from "../bench/child-process.ts";
import { FakeTelegram } from "../fake-telegram/server.ts";
import { Chat } from "../support/chat.ts";
import { createTestDatabase, createTestDataDir, ENGINE, type TestDatabase } from "../support/database.ts";
import { loadDemo } from "../support/fixtures.ts";
import { joinSteps, workerNo } from "../support/join-form.ts";
import { SHORT_LIVED_NODE_FLAGS } from "../support/node-args.ts";

const WORKERS = 12;
/** Steps after which the bot is killed: a typed answer and "Gửi đơn" (a button) itself. */
const KILL_AFTER = new Set([3, 11]);

describe("answers in flight at kill -9 are all handled after restart", { timeout: 300_000 }, () => {
  let fake: FakeTelegram;
  let pg: TestDatabase | undefined;
  let dataDir: string | undefined;
  let env: Record<string, string>;
  let bot: Child | undefined;

  const openStore = async (): Promise<Database> => pg ?? openDatabase({ dataDir: dataDir!, url: undefined });
  const closeStore = async (db: Database) => {
    if (!pg) await db.close();
  };
  const startBot = async () => {
    const since = fake.mark();
    // No HTTP port: the test's own environment may name one.
    const child = startNode("src/main.ts", [], { ...env, PORT: undefined }, SHORT_LIVED_NODE_FLAGS);
    bot = child;
    const log = process.env.CRASH_TEST_LOG;
    if (log) for (const stream of [child.process.stdout, child.process.stderr]) stream?.on("data", (chunk: string) => appendFileSync(log, chunk));
    // A bot that stops while starting (a full server, a held lock) says why, instead of a poll timing out.
    let started = false;
    const stopped = child.exited.then((code) => {
      if (!started) throw new Error(`the bot stopped while starting (exit ${code}):\n${child.stderrTail()}`);
    });
    try {
      await Promise.race([fake.waitForPoll(90_000, since), stopped]);
    } finally {
      started = true;
    }
  };
  const stop = async (signal: "SIGKILL" | "SIGTERM") => {
    bot!.process.kill(signal);
    await bot!.exited;
  };

  beforeAll(async () => {
    fake = await FakeTelegram.start();
    if (ENGINE === "postgres") pg = await createTestDatabase();
    else dataDir = await createTestDataDir("congdoan-inbox-crash-");
    const db = await openStore();
    await loadDemo(db.prisma);
    await closeStore(db);
    env = {
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      LOG_LEVEL: process.env.CRASH_TEST_LEVEL ?? "warn",
      ...(pg ? { DATABASE_URL: pg.url! } : { DATA_DIR: dataDir! }),
    };
  });
  afterAll(async () => {
    if (bot && bot.process.exitCode === null && bot.process.signalCode === null) await stop("SIGKILL");
    await fake?.close();
    await pg?.destroy();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("kills the bot twice in the middle of 12 join forms; every worker's application holds their answers", async () => {
    await startBot();
    const chats = Array.from({ length: WORKERS }, (_, i) => new Chat(fake, { id: 4100 + i, first_name: `CN ${i}` }));
    const steps = chats.map((_, i) => joinSteps(workerNo(300 + i)));
    let kills = 0;
    for (let s = 0; s < steps[0]!.length; s++) {
      const sent = chats.map((chat, i) => steps[i]![s]!.act(chat));
      if (KILL_AFTER.has(s)) {
        // Telegram has been told the answers arrived (the bot asked for updates past them): kill at once.
        await Promise.all(sent.map((update) => fake.waitUntilConsumed(update, 30_000)));
        await stop("SIGKILL");
        kills++;
        await startBot();
      }
      await Promise.all(chats.map((chat, i) => chat.expect(steps[i]![s]!.reply, 60_000)));
    }
    expect(kills).toBe(KILL_AFTER.size);

    await stop("SIGTERM");
    const db = await openStore();
    try {
      const stored = await db.prisma.application.findMany({ select: { fullName: true, birthDate: true, phone: true, jobPosition: true } });
      expect(stored).toHaveLength(WORKERS);
      for (let i = 0; i < WORKERS; i++) {
        const w = workerNo(300 + i);
        const mine = stored.find((a) => a.fullName === w.fullName);
        expect(mine, w.fullName).toBeDefined();
        expect(mine!.jobPosition).toBe(w.jobPosition);
        expect(mine!.phone).toBe(`+84${w.phone.slice(1)}`);
      }
      expect(await db.prisma.inboxUpdate.count({ where: { handledAt: null } })).toBe(0);
    } finally {
      await closeStore(db);
    }
  });
});
