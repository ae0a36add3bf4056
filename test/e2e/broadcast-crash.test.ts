// A broadcast survives kill -9. The bot runs as a child process (`node --import tsx src/main.ts`, the way
// `npm start` runs it) against the fake Bot API; it is killed with SIGKILL in the middle of a broadcast and
// started again, and must then finish by itself: every recipient gets the message, and the only repeats
// are messages that were in flight (at most one claimed batch).
import { spawn, type ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBroadcast, formatBroadcastRef } from "../../src/broadcasts/broadcasts.ts";
import { tuningFor } from "../../src/bot/broadcasts/delivery.ts";
import { openDatabase, type Database } from "../../src/db/database.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { FakeTelegram } from "../fake-telegram/server.ts";
import { announcementsTo, seedMembers, waitForAll, type Seeded } from "../support/broadcasts.ts";
import { createTestDatabase, createTestDataDir, ENGINE, type TestDatabase } from "../support/database.ts";
import { grant, loadDemo } from "../support/fixtures.ts";
import { nodeArgs } from "../support/node-args.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const OFFICER = { id: 7701, first_name: "Cán bộ" };
const RATE = 50;
const RECIPIENTS = 300;

describe("a broadcast killed with kill -9 resumes on restart", { timeout: 180_000 }, () => {
  let fake: FakeTelegram;
  let pg: TestDatabase | undefined;
  let dataDir: string | undefined;
  let env: Record<string, string>;
  let people: Seeded[] = [];
  let ref = 0;
  const children: ChildProcess[] = [];

  /** The store, opened from this process while no bot runs (PGlite allows one process at a time). */
  const openStore = async (): Promise<Database> => (pg ? pg : openDatabase({ dataDir: dataDir!, url: undefined }));
  const closeStore = async (db: Database) => {
    if (!pg) await db.close();
  };

  function startBot(): ChildProcess {
    const child = spawn(process.execPath, nodeArgs("src/main.ts"), { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    child.stderr?.on("data", () => undefined);
    children.push(child);
    return child;
  }
  const exited = (child: ChildProcess) =>
    new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));

  beforeAll(async () => {
    fake = await FakeTelegram.start({ enforceLimits: true, globalPerSecond: 100 });
    if (ENGINE === "postgres") pg = await createTestDatabase();
    else dataDir = await createTestDataDir("congdoan-crash-");
    const db = await openStore();
    await loadDemo(db.prisma);
    const officer = await grant(db.prisma, OFFICER, "OFFICER", "LC-DK");
    people = await seedMembers(db.prisma, "LC-DK-CSLC", RECIPIENTS, 900_000);
    const unit = (await findUnitByCode(db.prisma, "LC-DK-CSLC"))!;
    // Urgent, so that quiet hours (the child runs on the real clock) cannot hold it back.
    const created = await createBroadcast(db.prisma, officer.id, {
      audience: "MEMBERS", scopeUnitId: unit.id, language: null, channel: null, text: "Crash test #crash", photoFileId: null, urgent: true, sendAt: new Date(),
    });
    if (!created.ok) throw new Error(created.reason);
    ref = created.ref;
    await closeStore(db);
    env = {
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      LOG_LEVEL: "warn",
      BROADCAST_RATE_PER_SECOND: String(RATE),
      ...(pg ? { DATABASE_URL: pg.url! } : { DATA_DIR: dataDir! }),
    };
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await Promise.all(children.map(exited));
    await fake?.close();
    await pg?.destroy();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("finishes after the restart: nobody lost, repeats at most one claimed batch", async () => {
    const first = startBot();
    // Killed once a third has gone out: mid-batch, with sends in flight.
    await fake.waitForCall(() => fake.stats.sent >= RECIPIENTS / 3, 90_000);
    first.kill("SIGKILL");
    await exited(first);
    const beforeRestart = people.filter((p) => announcementsTo(fake, p.telegramId, "#crash").length > 0).length;
    expect(beforeRestart).toBeLessThan(RECIPIENTS);

    const second = startBot();
    await waitForAll(fake, people.map((p) => p.telegramId), "#crash", 120_000);
    // The final report (sent once the broadcast is DONE), then a clean stop.
    const report = tFor("vi")("broadcasts.report", { ref: formatBroadcastRef(ref), total: RECIPIENTS, sent: RECIPIENTS, failed: 0, unreachable: 0, skipped: 0 });
    await fake.waitForCall((c) => c.method === "sendMessage" && String(c.payload.chat_id) === String(OFFICER.id) && c.payload.text === report, 60_000);
    second.kill("SIGTERM");
    await exited(second);

    const copies = people.map((p) => announcementsTo(fake, p.telegramId, "#crash").length);
    expect(copies.filter((n) => n === 0)).toEqual([]);
    const repeats = copies.reduce((sum, n) => sum + (n - 1), 0);
    console.info(`kill -9 after ${beforeRestart} of ${RECIPIENTS} recipients had the message; ${repeats} repeated after the restart`);
    expect(repeats).toBeLessThanOrEqual(tuningFor({ TELEGRAM_PAID_BROADCAST: false, BROADCAST_RATE_PER_SECOND: RATE }).batchSize);

    const db = await openStore();
    try {
      const broadcast = await db.prisma.broadcast.findFirstOrThrow({ where: { ref } });
      expect(broadcast.status).toBe("DONE");
      expect(await db.prisma.outboxMessage.count({ where: { broadcastId: broadcast.id, status: "SENT" } })).toBe(RECIPIENTS);
    } finally {
      await closeStore(db);
    }
  });
});
