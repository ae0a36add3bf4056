// Starts the real application (store, migrations, pg-boss, grammY runner) against the fake Bot API
// server, the way an operator would point it at a self-hosted Bot API server.
import { Writable } from "node:stream";
import { startApp, type App, type AppOptions } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { FakeTelegram, type FakeTelegramOptions } from "../fake-telegram/server.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";

/** Everything the app logged, as text: tests check it for leaked secrets and personal data. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.lines.push(chunk.toString());
    done();
  }
  get text() {
    return this.lines.join("");
  }
}

export interface Harness {
  fake: FakeTelegram;
  db: TestDatabase;
  app: App;
  logs: LogCapture;
  /** Stops the app and starts it again on the same database (a restart, or a crash when `kill`). */
  restart(): Promise<App>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  logLevel?: string;
  /** More configuration, as environment variables (e.g. a webhook). */
  env?: Record<string, string>;
  fake?: FakeTelegramOptions;
  /** PostgreSQL connections in the app's pool (a burst larger than the pool must still be served). */
  poolSize?: number;
  /** A database the test made (e.g. reached through a TcpProxy, see tcp-proxy.ts); destroyed on close. */
  db?: TestDatabase;
  /** Passed on to startApp, e.g. a live reminder schedule with a test clock. */
  app?: Pick<AppOptions, "scheduleReminders" | "remindersCron" | "clock" | "bossTimings" | "broadcastTuning" | "inboxTimings">;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const fake = await FakeTelegram.start(options.fake);
  const db = options.db ?? (await createTestDatabase({ poolSize: options.poolSize }));
  const logs = new LogCapture();
  const config = loadConfig({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, LOG_LEVEL: options.logLevel ?? "debug", ...options.env });
  const launch = () => startApp({ ...config, DATABASE_URL: db.url }, { db, logger: createLogger(config.LOG_LEVEL, logs), botInfo: fake.botInfo, scheduleReminders: false, ...options.app });
  const harness: Harness = {
    fake,
    db,
    logs,
    app: await launch(),
    async restart() {
      await harness.app.stop();
      harness.app = await launch();
      return harness.app;
    },
    async close() {
      await harness.app.stop();
      await fake.close();
      await db.destroy();
    },
  };
  return harness;
}
