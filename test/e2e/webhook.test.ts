// Webhook mode: Telegram (here the fake, as a self-hosted Bot API server in --local mode) posts updates to the
// bot's HTTP server with the secret header; the bot answers them, refuses forged posts, and reports its health.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { freePort } from "../support/ports.ts";

const vi = tFor("vi");
const SECRET = "webhook-secret-0123456789abcdef";


describe("webhook mode", () => {
  let h: Harness;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    h = await startHarness({
      fake: { local: true },
      env: { PORT: String(port), TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram/hook`, TELEGRAM_WEBHOOK_SECRET: SECRET },
    });
  });
  afterAll(() => h?.close());

  it("registers the webhook with its secret and serves a worker's messages through it", async () => {
    const setWebhook = h.fake.callsTo("setWebhook").at(-1);
    expect(setWebhook?.payload).toMatchObject({ url: `http://127.0.0.1:${port}/telegram/hook`, secret_token: SECRET });
    expect(h.fake.callsTo("getUpdates")).toHaveLength(0);

    const worker = new Chat(h.fake, { id: 2001, first_name: "Hoa" });
    worker.send("/help");
    await worker.expect(/\/status/);
    worker.send("/status");
    await worker.expect(vi("status.none"));
  });

  it("refuses an update posted without the secret, and the forged update does nothing", async () => {
    const before = h.fake.calls.length;
    const forged = await fetch(`http://127.0.0.1:${port}/telegram/hook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": "wrong-secret-0000000000" },
      body: JSON.stringify({ update_id: 1, message: { message_id: 1, date: 0, chat: { id: 2002, type: "private" }, from: { id: 2002, is_bot: false, first_name: "X" }, text: "/status" } }),
    });
    expect(forged.status).toBe(401);
    const count = await h.db.prisma.chatIdentity.count({ where: { externalId: "2002" } });
    expect(count).toBe(0);
    expect(h.fake.calls.slice(before).filter((c) => c.method === "sendMessage")).toHaveLength(0);
  });

  it("handles a post of an update already received once, and refuses a body that is not an update", async () => {
    const worker = new Chat(h.fake, { id: 3102, first_name: "Hoa" });
    const since = h.fake.mark();
    const update = worker.send("/status");
    await worker.expect(vi("status.none"));
    const post = (body: string) =>
      fetch(`http://127.0.0.1:${port}/telegram/hook`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
        body,
      });
    // Telegram did not get the first 200 in time and posts the same update again.
    expect((await post(JSON.stringify(update))).status).toBe(200);
    expect((await post("{ not json")).status).toBe(400);
    expect((await post(JSON.stringify({ hello: 1 }))).status).toBe(400);
    // A later message is answered; by then the copy would have been answered too.
    worker.send("/help");
    await worker.expect(/\/status/);
    const statusReplies = h.fake.calls.slice(since).filter((c) => c.method === "sendMessage" && c.payload.text === vi("status.none"));
    expect(statusReplies).toHaveLength(1);
  });

  it("counts the updates it handled in /metrics, by channel, kind and outcome", async () => {
    const worker = new Chat(h.fake, { id: 2010, first_name: "Mai" });
    worker.send("/help");
    await worker.expect(/\/status/);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const handled = /bot_updates_handled_total\{channel="TELEGRAM",kind="message",outcome="ok"\} (\d+)/.exec(text);
    expect(Number(handled?.[1])).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/bot_update_duration_seconds_count\{channel="TELEGRAM"\} \d+/);
  });

  it("answers the health check while the store is reachable", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });
});
