// The store fails after an update was stored. For a moment (a restart, a failover): the update is handled again once
// the store is back, in order, and nobody is told anything went wrong. For good: the person is told to try again,
// and that update is then done; it is never handed out again, where it would be read as the next question's answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { loadDemo } from "../support/fixtures.ts";
import { playJoinSteps } from "../support/join-form.ts";

const vi = tFor("vi");

describe("an update answered with 'try again' while the store fails", { timeout: 120_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    // Leases of a second and a sweep every second: a lapsed update would be taken up again at once.
    h = await startHarness({ logLevel: "warn", app: { inboxTimings: { leaseSeconds: 1, sweepSeconds: 1 } } });
    await loadDemo(h.db.prisma);
  });
  afterAll(async () => {
    await h?.db.prisma.$executeRawUnsafe(`DROP TRIGGER IF EXISTS store_fails ON "InboxUpdate"`);
    await h?.close();
  });

  // A reply goes out just before its form is saved: waiting for the save makes a failure hit the next update only.
  const allHandled = () =>
    expect.poll(() => h.db.prisma.inboxUpdate.count({ where: { handledAt: null } }), { timeout: 30_000, interval: 100 }).toBe(0);

  /** A worker at the name question, everything before it saved. */
  async function atNameQuestion(id: number, n: number): Promise<Chat> {
    const worker = new Chat(h.fake, { id, first_name: "CN" });
    await playJoinSteps(worker, 3, n);
    await allHandled();
    return worker;
  }

  it("is not handled a second time when the store returns", async () => {
    const worker = await atNameQuestion(3301, 7);
    // Updates are still stored, but nothing can be marked handled, nor a form saved with it: the store is failing.
    await h.db.prisma.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION store_fails() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'the store is failing'; END $$ LANGUAGE plpgsql`);
    await h.db.prisma.$executeRawUnsafe(`CREATE TRIGGER store_fails BEFORE UPDATE ON "InboxUpdate" FOR EACH ROW EXECUTE FUNCTION store_fails()`);
    const failed = worker.send("Nguyễn Thị Lan");
    await worker.expect(vi("error"), 30_000);
    // The bot has also failed to record the update as done (it logs that) before the store comes back.
    await expect.poll(() => h.logs.text.includes("could not mark an update handled"), { timeout: 30_000, interval: 100 }).toBe(true);
    await h.db.prisma.$executeRawUnsafe(`DROP TRIGGER store_fails ON "InboxUpdate"`);

    // The worker does as told.
    const since = h.fake.mark();
    worker.send("Nguyễn Thị Lan");
    await worker.expect(vi("join.fields.birthDate.ask"), 30_000);
    // The failed update is marked done once the store is back (from then on no sweep can take it up).
    await expect
      .poll(async () => (await h.db.prisma.inboxUpdate.findFirst({ where: { externalId: String(failed.update_id) } }))?.handledAt ?? null, { timeout: 30_000, interval: 250 })
      .not.toBeNull();
    await worker.answer("05/09/1995", vi("join.fields.sex.ask"));
    const said = h.fake.calls.slice(since).filter((c) => c.method === "sendMessage").map((c) => String(c.payload.text));
    expect(said).toEqual([vi("join.fields.birthDate.ask"), vi("join.fields.sex.ask")]);
  });

  it("is handled again, in order, when the store fails only for a moment, without a word to the person", async () => {
    const worker = await atNameQuestion(3302, 8);
    // A serialization failure: what PostgreSQL answers in a failover or under a conflicting write, "not now".
    await h.db.prisma.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION store_fails_briefly() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'not now' USING ERRCODE = '40001'; END $$ LANGUAGE plpgsql`);
    await h.db.prisma.$executeRawUnsafe(`CREATE TRIGGER store_fails BEFORE UPDATE ON "InboxUpdate" FOR EACH ROW EXECUTE FUNCTION store_fails_briefly()`);
    const since = h.fake.mark();
    worker.send("Nguyễn Thị Hoa");
    // The answer travels on while the store fails; the bot has seen the failure before the store returns.
    await expect.poll(() => h.logs.text.includes("the store failed; handling the update again shortly"), { timeout: 30_000, interval: 100 }).toBe(true);
    await h.db.prisma.$executeRawUnsafe(`DROP TRIGGER store_fails ON "InboxUpdate"`);
    await worker.expect(vi("join.fields.birthDate.ask"), 30_000);
    await worker.answer("05/09/1995", vi("join.fields.sex.ask"));
    const said = h.fake.calls.slice(since).filter((c) => c.method === "sendMessage").map((c) => String(c.payload.text));
    expect(said).not.toContain(vi("error"));
    expect(said.at(-1)).toBe(vi("join.fields.sex.ask"));
    await allHandled();
    // The operator reads it once each way, not once per failed attempt.
    const lines = (msg: string) => h.logs.lines.filter((l) => l.includes(`"msg":"${msg}"`)).length;
    expect(lines("store unreachable")).toBeGreaterThanOrEqual(1);
    expect(lines("store back")).toBe(lines("store unreachable"));
  });
});
