// The running application: store, migrations, job queue and the Telegram bot, started in that order
// and stopped in reverse. Used by src/main.ts and by the end-to-end tests alike.
import type { RunnerHandle } from "@grammyjs/runner";
import type { Bot } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { BotConfig } from "./config.ts";
import { openDatabase, type Database } from "./db/database.ts";
import { applyMigrations } from "./db/schema-engine.ts";
import { startBoss, type PgBoss } from "./jobs/boss.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createBot } from "./channels/telegram/bot.ts";
import type { BotContext } from "./channels/telegram/context.ts";
import { registerTelegramJobs } from "./channels/telegram/jobs.ts";
import { scheduleReminders } from "./channels/telegram/reminders/send.ts";
import { startPolling } from "./channels/telegram/polling.ts";
import { publishCommands, refreshRoleMenus } from "./channels/telegram/commands.ts";

export interface App {
  db: Database;
  boss: PgBoss;
  bot: Bot<BotContext>;
  logger: Logger;
  stop(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  /** An already opened database (tests share one between app restarts). */
  db?: Database;
  botInfo?: UserFromGetMe;
  /** Run the reminders on their real-time schedule (default). Tests turn it off and call them with a fixed clock. */
  scheduleReminders?: boolean;
}

export async function startApp(config: BotConfig, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const db = options.db ?? (await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR }));
  const applied = await applyMigrations(db.adapterFactory);
  logger.info({ engine: db.engine, applied }, "database ready");

  const boss = await startBoss(db, (err) => logger.error({ err }, "job queue error"));
  const deps = { prisma: db.prisma, boss, logger, config };
  const bot = createBot(deps, { token: config.TELEGRAM_BOT_TOKEN, apiRoot: config.TELEGRAM_API_ROOT, botInfo: options.botInfo });
  await registerTelegramJobs(boss, { api: bot.api, prisma: db.prisma, logger });
  if (options.scheduleReminders ?? true) await scheduleReminders(boss);
  const runner: RunnerHandle = await startPolling(bot);
  await publishCommands(bot.api).catch((err: unknown) => logger.warn({ err }, "could not publish the command menu"));
  // Role holders' own menus, in the background and paced; stopped with the app.
  const menus = new AbortController();
  const menusDone = refreshRoleMenus({ api: bot.api, prisma: db.prisma, logger }, { signal: menus.signal }).catch((err: unknown) =>
    logger.warn({ err }, "could not refresh the role menus"),
  );
  logger.info({ bot: bot.botInfo.username }, "bot started");

  let stopping: Promise<void> | undefined;
  return {
    db,
    boss,
    bot,
    logger,
    stop: () =>
      (stopping ??= (async () => {
        // Finish the updates in hand, then the jobs in hand, then close the store.
        if (runner.isRunning()) await runner.stop();
        menus.abort();
        await menusDone;
        await boss.stop({ graceful: true, wait: true, timeout: 8_000 });
        if (!options.db) await db.close();
        logger.info("stopped");
      })()),
  };
}
