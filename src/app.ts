// The running application: store, migrations, job queue and the Telegram bot, started in that order
// and stopped in reverse. Used by src/main.ts and by the end-to-end tests alike.
import { BotError, type Bot } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import { servesWebChat, type Config } from "./config.ts";
import { openDatabase, type Database } from "./db/database.ts";
import { applyMigrations } from "./db/schema-engine.ts";
import { startBoss, type BossTimings, type PgBoss } from "./jobs/boss.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createBot } from "./bot/bot.ts";
import type { BotContext } from "./bot/context.ts";
import { registerTelegramJobs } from "./bot/jobs.ts";
import { cardSettings } from "./cards/card.ts";
import { verifyRoutes } from "./cards/verify-page.ts";
import { scheduleReminders } from "./bot/reminders/send.ts";
import { startPolling, type Polling } from "./channels/telegram/polling.ts";
import { startWebhook, telegramWebhookHandler } from "./channels/telegram/webhook.ts";
import { ZaloApi } from "./channels/zalo/api.ts";
import { ZaloGateway } from "./channels/zalo/gateway.ts";
import { startZaloPolling, zaloWebhookHandler } from "./channels/zalo/polling.ts";
import { ChannelRouter } from "./channels/router.ts";
import { registerRetentionJob } from "./privacy/retention.ts";
import { WebGateway } from "./channels/web/gateway.ts";
import { prepareDemo } from "./channels/web/demo.ts";
import { webSender } from "./channels/web/sender.ts";
import { startWebChat, type WebChatServer } from "./channels/web/server.ts";
import { Transcript } from "./channels/web/transcript.ts";
import { Inbox } from "./inbox/inbox.ts";
import { isTransient } from "./db/transient.ts";
import { recordUpdate, watchStore, type Outcome } from "./metrics/metrics.ts";
import { zaloSender } from "./channels/zalo/sender.ts";
import { startHttpServer, type HttpServer } from "./http/server.ts";
import { readinessChecks } from "./http/readiness.ts";
import { publishCommands, refreshRoleMenus } from "./bot/commands.ts";
import {
  createBroadcastDelivery,
  registerBroadcastJobs,
  type BroadcastDelivery,
  type BroadcastTuning,
} from "./bot/broadcasts/delivery.ts";

export interface App {
  db: Database;
  boss: PgBoss;
  bot: Bot<BotContext>;
  logger: Logger;
  /** The health check and webhook server, when one runs (PORT set, or webhook mode). */
  http?: HttpServer;
  /** The broadcast outbox sender of this instance. */
  broadcasts: BroadcastDelivery;
  /** Where every channel's updates are stored before they are handled. */
  inbox: Inbox;
  /** The local web chat, when it runs (no Telegram token, or WEB_CHAT=true). */
  webChat?: WebChatServer;
  stop(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  /** An already opened database (tests share one between app restarts). */
  db?: Database;
  botInfo?: UserFromGetMe;
  /** Run the reminders on their real-time schedule (default). Tests turn it off and call them with a fixed clock. */
  scheduleReminders?: boolean;
  /** The reminders' cron (default every 15 minutes); tests use "* * * * *" to see the live schedule fire. */
  remindersCron?: string;
  /** The clock the reminder job reads (default: the real one); tests drive it. */
  clock?: () => Date;
  /** How often pg-boss looks at its schedules (seconds, default 30 and 5); tests shorten them. */
  bossTimings?: BossTimings;
  /** Broadcast pacing overrides (tests and the bench run against a fake with other limits). */
  broadcastTuning?: Partial<BroadcastTuning>;
  /** Poll Telegram for updates (default true); a second test instance that only sends turns it off. */
  polling?: boolean;
  /** How long the storing instance alone may handle an update, and how often others look for lapsed ones (tests). */
  inboxTimings?: { leaseSeconds?: number; sweepSeconds?: number };
}

/** Who the bot is when it has no Telegram token and so cannot ask Telegram (the web chat alone). */
const WEB_ONLY_BOT: UserFromGetMe = {
  id: 1,
  is_bot: true,
  first_name: "congdoan",
  username: "congdoan_bot",
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

export async function startApp(settings: Config, options: AppOptions = {}): Promise<App> {
  const telegram = !!settings.TELEGRAM_BOT_TOKEN;
  // Without a token nothing is sent to Telegram (the router refuses it); grammY still wants a token to hold.
  const config = { ...settings, TELEGRAM_BOT_TOKEN: settings.TELEGRAM_BOT_TOKEN ?? "0:web-chat-only" };
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const db = options.db ?? (await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: config.DATABASE_POOL_SIZE }));
  const applied = await applyMigrations(db.adapterFactory);
  logger.info({ engine: db.engine, applied }, "database ready");

  const boss = await startBoss(db, (err) => logger.error({ err }, "job queue error"), options.bossTimings);
  // One bot serves every channel: the chats of Zalo and of the web chat through their gateways (src/channels/router.ts).
  const channels = new ChannelRouter(logger, telegram);
  const zalo = config.ZALO_BOT_TOKEN ? new ZaloGateway(new ZaloApi(config.ZALO_BOT_TOKEN, { apiRoot: config.ZALO_API_ROOT }), db.prisma) : undefined;
  if (zalo) channels.add(zalo);
  const transcript = servesWebChat(settings) ? new Transcript(db.prisma) : undefined;
  if (transcript) {
    channels.add(new WebGateway(transcript));
    const demo = await prepareDemo(db.prisma);
    logger.info(demo, "web chat demo ready");
  }
  const deps = { prisma: db.prisma, boss, logger, config, channels };
  const bot = createBot(deps, {
    token: config.TELEGRAM_BOT_TOKEN,
    apiRoot: config.TELEGRAM_API_ROOT,
    botInfo: options.botInfo ?? (telegram ? undefined : WEB_ONLY_BOT),
  });
  await registerTelegramJobs(boss, {
    api: bot.api,
    prisma: db.prisma,
    logger,
    cards: cardSettings(config),
    clock: options.clock,
    botUsername: () => (bot.isInited() ? bot.botInfo.username : undefined),
    applicationReminderDays: config.APPLICATION_REMINDER_DAYS,
  });
  await registerRetentionJob(boss, { prisma: db.prisma, logger, months: config.RETENTION_MONTHS, clock: options.clock });
  if (options.scheduleReminders ?? true) await scheduleReminders(boss, options.remindersCron);
  const webhook =
    config.TELEGRAM_WEBHOOK_URL && config.TELEGRAM_WEBHOOK_SECRET
      ? await startWebhook(bot, { url: config.TELEGRAM_WEBHOOK_URL, secret: config.TELEGRAM_WEBHOOK_SECRET })
      : undefined;
  // Broadcasts: the outbox sender (one active across instances) and the job that starts scheduled ones.
  // A broadcast left SENDING by a crash is picked up again by the sender as soon as it runs.
  const broadcasts = createBroadcastDelivery({
    db,
    api: bot.api,
    logger,
    config,
    clock: options.clock,
    tuning: options.broadcastTuning,
    otherSenders: [...(zalo ? [zaloSender(zalo.api)] : []), ...(transcript ? [webSender(transcript)] : [])],
  });
  await registerBroadcastJobs(boss, { db, delivery: broadcasts, clock: options.clock });
  broadcasts.start();
  // Every channel's updates go through the inbox: stored, then handled one chat at a time. As many chats at once as
  // the store has connections for, twice over (a handler spends part of its time waiting on the platform).
  await bot.init();
  const inbox = new Inbox({
    prisma: db.prisma,
    logger,
    concurrency: Math.max(4, db.poolSize * 2),
    // Webhooks let a load balancer spread one chat's updates over several instances (see src/inbox/chat-lease.ts).
    exclusiveChats: Boolean(webhook || (zalo && config.ZALO_WEBHOOK_URL)),
    ...options.inboxTimings,
    // grammY wraps what a handler threw in a BotError.
    isRetryable: (err) => isTransient(err instanceof BotError ? err.error : err),
    handle: async (update) => {
      const started = performance.now();
      let outcome: Outcome = "error";
      try {
        if (update.channel === "TELEGRAM") {
          await bot.handleUpdate(update.payload as Update);
        } else {
          const converted = await channels.toUpdate(update.channel, update.payload);
          if (converted) await bot.handleUpdate(converted);
        }
        outcome = "ok";
      } finally {
        recordUpdate({ channel: update.channel, kind: updateKind(update.payload), outcome }, (performance.now() - started) / 1000);
      }
    },
  });
  const polls = telegram && !webhook && options.polling !== false;
  // A long-polling instance is the only one Telegram serves, so what an earlier run left is all its own.
  await inbox.start(polls || !telegram);
  const polling: Polling | undefined = polls ? await startPolling(bot, inbox, logger) : undefined;
  const zaloHook = zalo && config.ZALO_WEBHOOK_URL && config.ZALO_WEBHOOK_SECRET ? { url: config.ZALO_WEBHOOK_URL, secret: config.ZALO_WEBHOOK_SECRET } : undefined;
  const routes = {
    ...(webhook && config.TELEGRAM_WEBHOOK_SECRET ? { [webhook.path]: telegramWebhookHandler(inbox, config.TELEGRAM_WEBHOOK_SECRET, logger) } : {}),
    ...(zalo && zaloHook ? { [new URL(zaloHook.url).pathname]: zaloWebhookHandler(inbox, zaloHook.secret, logger) } : {}),
  };
  // A public address means card QR codes point here (/verify/<token>): the page must be served (the web chat serves it too).
  const port = config.PORT ?? (webhook || zaloHook || (config.PUBLIC_URL && !transcript) ? 8080 : undefined);
  const pages = verifyRoutes(db.prisma, cardSettings(config));
  // Loopback unless something outside must reach it; HOST decides when set.
  const host = config.HOST ?? (webhook || zaloHook || config.PUBLIC_URL ? "0.0.0.0" : "127.0.0.1");
  const http = port
    ? await startHttpServer({ port, host, logger, healthy: () => db.prisma.$queryRaw`SELECT 1`.then(() => true), readiness: readinessChecks(db, boss), routes, pages })
    : undefined;
  const unwatch = watchStore({
    outboxPending: () => db.prisma.outboxMessage.count({ where: { status: "PENDING" } }),
    activeConversations: () => db.prisma.conversationState.count(),
    failedJobs: async () =>
      (await db.prisma.$queryRaw<{ queue: string; count: number }[]>`SELECT name AS queue, COUNT(*)::int AS count FROM pgboss.job WHERE state = 'failed' GROUP BY name`),
    pool: () => db.poolStats(),
  });
  // Zalo: a webhook once the route is served (Zalo test-calls it), else long polling, which needs no webhook set.
  if (zalo && zaloHook) await zalo.api.setWebhook(zaloHook.url, zaloHook.secret);
  else if (zalo) await zalo.api.deleteWebhook();
  const zaloPolling = zalo && !zaloHook ? startZaloPolling(inbox, zalo, logger) : undefined;
  if (telegram) await publishCommands(bot.api).catch((err: unknown) => logger.warn({ err }, "could not publish the command menu"));
  // Role holders' own menus, in the background and paced; stopped with the app.
  const menus = new AbortController();
  const menusDone = telegram
    ? refreshRoleMenus({ api: bot.api, prisma: db.prisma, logger }, { signal: menus.signal }).catch((err: unknown) =>
        logger.warn({ err }, "could not refresh the role menus"),
      )
    : Promise.resolve();
  const webChat = transcript
    ? await startWebChat({ host: config.WEB_CHAT_HOST, port: config.WEB_CHAT_PORT, password: config.WEB_CHAT_PASSWORD, prisma: db.prisma, transcript, inbox, logger, pages })
    : undefined;
  if (webChat) logger.info({ url: webChat.url }, "web chat ready");
  logger.info({ bot: bot.botInfo.username }, "bot started");

  let stopping: Promise<void> | undefined;
  return {
    db,
    boss,
    bot,
    logger,
    http,
    broadcasts,
    inbox,
    webChat,
    stop: () =>
      (stopping ??= (async () => {
        // Finish the updates in hand, then the jobs in hand, then close the store.
        // In webhook mode the webhook stays registered: other instances, or this one restarted, serve it.
        await http?.close();
        await webChat?.close();
        await polling?.stop();
        await zaloPolling?.stop();
        // Updates being handled are finished; those still queued stay in the inbox for the next start. The
        // deadlines add up to well under the 10 s an orchestrator waits before it kills (src/main.ts).
        await inbox.stop(5_000);
        menus.abort();
        await menusDone;
        await broadcasts.stop();
        await boss.stop({ graceful: true, wait: true, timeout: 3_000 });
        unwatch();
        if (!options.db) await db.close();
        logger.info("stopped");
      })()),
  };
}

/** What kind of update, for the metrics: Telegram's update field (message, callback_query, …) or Zalo's event name. */
function updateKind(payload: unknown): string {
  const p = payload as Record<string, unknown>;
  return typeof p.event_name === "string" ? p.event_name : (Object.keys(p).find((k) => k !== "update_id") ?? "unknown");
}
