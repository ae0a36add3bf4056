// `npm run bench webhook`: what one update costs the store in webhook mode, where chat leases keep a chat on one
// instance (src/inbox/chat-lease.ts), against long polling, where one instance needs none. One worker sends /help
// and waits for the answer, 100 times, on a fresh embedded store; statements counted by db_statements_total.
import os from "node:os";
import { startApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { registry } from "../../src/metrics/metrics.ts";
import { FakeTelegram } from "../fake-telegram/server.ts";
import { Chat } from "../support/chat.ts";
import { freePort } from "../support/ports.ts";
import type { Benchmark } from "./run.ts";

const UPDATES = 100;

async function statements(): Promise<number> {
  const metric = await registry.getSingleMetric("db_statements_total")?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

async function perUpdate(mode: "polling" | "webhook"): Promise<number> {
  const fake = await FakeTelegram.start({ local: true });
  const port = await freePort();
  const env: Record<string, string> = { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, DATA_DIR: "memory://", LOG_LEVEL: "silent" };
  if (mode === "webhook") Object.assign(env, { PORT: String(port), TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`, TELEGRAM_WEBHOOK_SECRET: "bench-secret-0123456789" });
  const app = await startApp(loadConfig(env), { logger: createLogger("silent"), botInfo: fake.botInfo, scheduleReminders: false });
  try {
    const chat = new Chat(fake, { id: 77 });
    chat.send("/help");
    await chat.expect(/\/status/);
    const before = await statements();
    for (let i = 0; i < UPDATES; i++) {
      chat.send("/help");
      await chat.expect(/\/status/);
    }
    return ((await statements()) - before) / UPDATES;
  } finally {
    await app.stop();
    await fake.close();
  }
}

const bench: Benchmark = {
  title: "Webhook mode: what chat leases cost per update",
  async run() {
    const polling = await perUpdate("polling");
    const webhook = await perUpdate("webhook");
    console.log(`polling ${polling.toFixed(2)}, webhook ${webhook.toFixed(2)} statements per update`);
    return [
      `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "?"}, Node ${process.version}; run on ${new Date().toISOString().slice(0, 10)}.`,
      "",
      "| mode | SQL statements per /help update (store, mark handled, leases) |",
      "|---|---|",
      `| long polling (one instance, no leases) | ${polling.toFixed(2)} |`,
      `| webhook (chat leases: take the chat, read its updates, let go) | ${webhook.toFixed(2)} |`,
      "",
      "The difference is the lease: for every update posted, one statement to take (or keep) the chat and one to read what other instances stored for it; one more to let go once the chat has nothing left in hand. Long polling serves one instance and pays none of it.",
    ].join("\n");
  },
};

export default bench;
