// Two bot instances on one PostgreSQL database: both run the outbox sender, only the one holding the sender
// lock sends, and no recipient gets the broadcast twice, also when the active instance stops in the middle
// and the other takes over. (PGlite is embedded in one process, so this runs on PostgreSQL only.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.ts";
import { createBroadcast } from "../../src/broadcasts/broadcasts.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { FakeTelegram } from "../fake-telegram/server.ts";
import { LogCapture } from "../support/app.ts";
import { announcementsTo, seedMembers, until, waitForAll, type Seeded } from "../support/broadcasts.ts";
import { createTestDatabase, ENGINE, type TestDatabase } from "../support/database.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const OFFICER = { id: 7801, first_name: "Cán bộ" };
const RECIPIENTS = 240;

describe.skipIf(ENGINE !== "postgres")("two instances sharing one PostgreSQL", { timeout: 120_000 }, () => {
  let fake: FakeTelegram;
  let db: TestDatabase;
  let apps: App[] = [];
  let people: Seeded[] = [];
  let officerId = "";

  beforeAll(async () => {
    fake = await FakeTelegram.start({ enforceLimits: true, globalPerSecond: 100 });
    db = await createTestDatabase();
    await loadDemo(db.prisma);
    officerId = (await grant(db.prisma, OFFICER, "OFFICER", "LC-DK")).id;
    people = await seedMembers(db.prisma, "LC-DK-CSLC", RECIPIENTS, 950_000);
    const config = loadConfig({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, LOG_LEVEL: "warn" });
    const launch = (polling: boolean) =>
      startApp(
        { ...config, DATABASE_URL: db.url },
        {
          logger: createLogger("warn", new LogCapture()),
          botInfo: fake.botInfo,
          scheduleReminders: false,
          polling,
          broadcastTuning: { ratePerSecond: 60, batchSize: 30, concurrency: 4, idleMs: 200 },
        },
      );
    // Only one instance polls (Telegram answers 409 to a second poller); both send.
    apps = [await launch(true), await launch(false)];
  });

  afterAll(async () => {
    for (const app of apps) await app.stop();
    await fake?.close();
    await db?.destroy();
  });

  it("sends each recipient exactly one copy, also when the sending instance stops midway", async () => {
    const unit = (await findUnitByCode(db.prisma, "LC-DK-CSLC"))!;
    const created = await createBroadcast(db.prisma, officerId, {
      audience: "MEMBERS", scopeUnitId: unit.id, language: null, channel: null, text: "Two instances #twice", photoFileId: null, urgent: true, sendAt: new Date(),
    });
    if (!created.ok) throw new Error(created.reason);
    for (const app of apps) app.broadcasts.worker.wake();

    await fake.waitForCall(() => fake.stats.sent >= RECIPIENTS / 3, 60_000);
    const active = apps.filter((a) => a.broadcasts.worker.stats.claimed > 0);
    expect(active).toHaveLength(1);
    await active[0]!.stop(); // the other instance takes the lock and carries on
    await waitForAll(fake, people.map((p) => p.telegramId), "#twice", 60_000);
    await until(async () => (await db.prisma.broadcast.findUniqueOrThrow({ where: { id: created.id } })).status === "DONE", "the broadcast to finish");

    const copies = people.map((p) => announcementsTo(fake, p.telegramId, "#twice").length);
    expect(copies.filter((n) => n !== 1)).toEqual([]);
    expect(apps.every((a) => a.broadcasts.worker.stats.claimed > 0)).toBe(true);
  });
});
