// Every update is handled once: a re-sent update (Telegram sends one again when unsure it arrived) changes nothing
// (the webhook's case is in webhook.test.ts),
// and a burst of workers larger than the store's connection pool pressing "Gửi đơn" together all get an application.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { loadDemo } from "../support/fixtures.ts";
import { joinSteps, playJoinSteps, workerNo } from "../support/join-form.ts";

const vi = tFor("vi");

describe("a re-sent update, long polling", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await loadDemo(h.db.prisma);
  });
  afterAll(() => h?.close());

  it("answers an answer sent twice once: the next question, never an error about the copy", async () => {
    const worker = new Chat(h.fake, { id: 3101, first_name: "Lan" });
    await playJoinSteps(worker, 3, 1); // up to the name question
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
    await Promise.all(chats.map((chat, i) => playJoinSteps(chat, 11, 200 + i)));
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
