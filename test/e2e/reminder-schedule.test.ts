// The live reminder schedule: the reminders run from pg-boss's own cron (the schedule stored in the database, its
// timekeeper, the queue and the worker), not from a direct call. The app starts with the real worker and a clock the
// test holds; scheduling "every minute" makes pg-boss fire within seconds, and the chair receives the Friday reminder
// through the fake Telegram server. On PostgreSQL a second bot instance on the same database runs the same schedule
// and extra jobs too, and the chair still gets the reminder once. (PGlite is one in-process connection: two instances
// cannot share it, so that test runs in the postgres project only.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.ts";
import { REMINDERS_QUEUE, scheduleReminders } from "../../src/bot/reminders/send.ts";
import { loadConfig } from "../../src/config.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { createLogger } from "../../src/logger.ts";
import { FakeTelegram } from "../fake-telegram/server.ts";
import { startHarness, LogCapture, type Harness } from "../support/app.ts";
import { ENGINE } from "../support/database.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const vn = (local: string) => new Date(`${local}+07:00`);
const CSLC = "Công đoàn Công ty Cổ phần Cao su Lai Châu";
const CHAIR = { id: 7601, first_name: "Chủ tịch Cao su" };
const EVERY_MINUTE = "* * * * *";
/** pg-boss looks at its schedules every second (default 30 s), so a test does not wait for a minute. */
const FAST = { cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1 };

/** Polls `check` until it returns true; no timing is asserted, the deadline only ends a hung test. */
async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 25_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("the live reminder schedule", () => {
  let h: Harness;
  let now = vn("2026-03-06T15:05");
  const clock = () => now;
  const completedRuns = async () => {
    const rows = await h.db.prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'`,
      REMINDERS_QUEUE,
    );
    return rows[0]?.n ?? 0;
  };

  beforeAll(async () => {
    // The worker is registered at start (as in production); the schedule is added by the test once the data is there.
    h = await startHarness({ logLevel: "warn", app: { clock, bossTimings: FAST } });
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, CHAIR, "CHAIR", "LC-DK-CSLC");
  });
  afterAll(() => h?.close());

  it("fires through pg-boss's cron and the chair receives the Friday reminder", async () => {
    expect(await completedRuns()).toBe(0);
    await scheduleReminders(h.app.boss, EVERY_MINUTE);
    const text = vi("reminders.message.report_due", { unit: CSLC, from: "02/03/2026", to: "08/03/2026" });
    await until(() => h.fake.deliveredTo(CHAIR).some((m) => m.text === text), "the scheduled reminder");
    await until(async () => (await completedRuns()) >= 1, "the scheduled job to complete");
    expect(await h.db.prisma.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM pgboss.schedule WHERE name = $1`, REMINDERS_QUEUE)).toHaveLength(1);
    expect(await h.db.prisma.reminderDelivery.count({ where: { key: { startsWith: "report_due:2026-03-02:" } } })).toBe(1);
  });

  it.skipIf(ENGINE !== "postgres")(
    "two bot instances on one PostgreSQL database deliver a scheduled reminder once (postgres project only)",
    async () => {
      now = vn("2026-03-13T15:05");
      const fake2 = await FakeTelegram.start();
      let app2: App | undefined;
      try {
        const config = loadConfig({ TELEGRAM_BOT_TOKEN: fake2.token, TELEGRAM_API_ROOT: fake2.apiRoot, LOG_LEVEL: "warn" });
        app2 = await startApp(
          { ...config, DATABASE_URL: h.db.url },
          { logger: createLogger("warn", new LogCapture()), botInfo: fake2.botInfo, clock, bossTimings: FAST, remindersCron: EVERY_MINUTE },
        );
        const before = await completedRuns();
        // Besides the shared schedule, each instance queues runs of its own: several workers race for the same reminder.
        for (let i = 0; i < 3; i++) {
          await h.app.boss.send(REMINDERS_QUEUE, {});
          await app2.boss.send(REMINDERS_QUEUE, {});
        }
        await until(async () => (await completedRuns()) >= before + 6, "six reminder runs");
        const text = vi("reminders.message.report_due", { unit: CSLC, from: "09/03/2026", to: "15/03/2026" });
        const copies = [...h.fake.deliveredTo(CHAIR), ...fake2.deliveredTo(CHAIR)].filter((m) => m.text === text);
        expect(copies).toHaveLength(1);
      } finally {
        await app2?.stop();
        await fake2.close();
      }
    },
  );
});
