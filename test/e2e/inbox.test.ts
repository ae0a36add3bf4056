// Every update is handled once: a re-sent update (Telegram sends one again when unsure it arrived) changes nothing,
// and a burst of workers larger than the store's connection pool pressing "Gửi đơn" together all get an application.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { loadDemo } from "../support/fixtures.ts";
import { joinSteps, workerNo } from "../support/join-form.ts";
import { freePort } from "../support/ports.ts";

const vi = tFor("vi");

/** Plays the first `count` steps of the join form. */
async function playSteps(chat: Chat, count: number, n: number) {
  for (const step of joinSteps(workerNo(n)).slice(0, count)) {
    step.act(chat);
    await chat.expect(step.reply, 30_000);
  }
}

describe("a re-sent update, long polling", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await loadDemo(h.db.prisma);
  });
  afterAll(() => h?.close());

  it("answers an answer sent twice once: the next question, never an error about the copy", async () => {
    const worker = new Chat(h.fake, { id: 3101, first_name: "Lan" });
    await playSteps(worker, 3, 1); // up to the name question
    const since = h.fake.mark();
    const update = worker.send("Nguyễn Thị Lan");
    h.fake.repeat(update);
    await worker.expect(vi("join.fields.birthDate.ask"));
    // The next answer goes on normally: the copy was not read as the birth date.
    await worker.answer("05/09/1995", vi("join.fields.sex.ask"));
    const said = h.fake.calls.slice(since).filter((c) => c.method === "sendMessage").map((c) => String(c.payload.text));
    expect(said).toEqual([vi("join.fields.birthDate.ask"), vi("join.fields.sex.ask")]);
    const stored = await h.db.prisma.inboxUpdate.findMany({ where: { externalId: String(update.update_id) } });
    expect(stored).toHaveLength(1);
    expect(stored[0]?.handledAt).not.toBeNull();
  });
});

describe("a re-sent update, webhook", () => {
  let h: Harness;
  let port: number;
  const SECRET = "inbox-webhook-secret-0123456789";
  beforeAll(async () => {
    port = await freePort();
    h = await startHarness({
      fake: { local: true },
      env: { PORT: String(port), TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram/hook`, TELEGRAM_WEBHOOK_SECRET: SECRET },
    });
  });
  afterAll(() => h?.close());

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
});

describe("a burst larger than the connection pool", { timeout: 300_000 }, () => {
  const WORKERS = 60;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ poolSize: 2, logLevel: "warn" });
    await loadDemo(h.db.prisma);
  });
  afterAll(() => h?.close());

  it(`stores every application when ${WORKERS} workers press "Gửi đơn" at the same moment`, async () => {
    const chats = Array.from({ length: WORKERS }, (_, i) => new Chat(h.fake, { id: 3200 + i, first_name: `CN ${i}` }));
    // Everyone up to the summary, in parallel; then every "Gửi đơn" in the same tick.
    await Promise.all(chats.map((chat, i) => playSteps(chat, 11, 200 + i)));
    const submit = joinSteps(workerNo(0)).at(-1)!;
    for (const chat of chats) submit.act(chat);
    const replies = await Promise.all(chats.map((chat) => chat.expect(submit.reply, 120_000)));
    expect(replies.every((m) => /HS-\d{6}/.test(m.text ?? ""))).toBe(true);
    const names = chats.map((_, i) => workerNo(200 + i).fullName);
    const stored = await h.db.prisma.application.findMany({ where: { fullName: { in: names } }, select: { fullName: true } });
    expect(stored).toHaveLength(WORKERS);
    expect(new Set(stored.map((a) => a.fullName)).size).toBe(WORKERS);
    expect(h.logs.text).not.toMatch(/Unable to start a transaction/);
  });
});
