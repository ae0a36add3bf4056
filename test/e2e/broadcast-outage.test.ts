// A database outage in the middle of a broadcast causes no duplicate. The app reaches PostgreSQL through a TCP proxy
// that the test cuts (every connection dropped, new ones refused: the sender lock's session ends too) for longer than
// the claim lease, then restores. Messages sent while the store was away cannot be recorded then; the sender keeps
// those outcomes and writes them before it claims anything again, so when the lease has run out it does not take its
// own sent messages for a dead sender's and send them again. Every recipient gets the announcement exactly once.
// And rows waiting in the sender's queue through a flood-limit pause longer than the lease keep their lease.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBroadcast } from "../../src/broadcasts/broadcasts.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { announcementsTo, seedMembers, until, waitForAll, type Seeded } from "../support/broadcasts.ts";
import { ENGINE } from "../support/database.ts";
import { grant, loadDemo } from "../support/fixtures.ts";
import { createProxiedTestDatabase } from "../support/database.ts";
import type { TcpProxy } from "../support/tcp-proxy.ts";

const OFFICER = { id: 7801, first_name: "Cán bộ" };
const RECIPIENTS = 90;
const LEASE_MS = 2_000;
const OUTAGE_MS = 3 * LEASE_MS;
const MARKER = "#outage";

describe.skipIf(ENGINE !== "postgres")("a database outage in the middle of a broadcast", { timeout: 180_000 }, () => {
  let h: Harness;
  let proxy: TcpProxy;
  let people: Seeded[] = [];

  beforeAll(async () => {
    const proxied = await createProxiedTestDatabase();
    proxy = proxied.proxy;
    h = await startHarness({
      db: proxied.db,
      logLevel: "warn",
      // Slow enough that the outage falls in the middle; a short lease so that it runs out during the outage.
      app: { broadcastTuning: { ratePerSecond: 15, batchSize: 10, concurrency: 2, leaseMs: LEASE_MS, idleMs: 200 } },
    });
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, OFFICER, "OFFICER", "LC-DK");
    people = await seedMembers(h.db.prisma, "LC-DK-CSLC", RECIPIENTS, 910_000);
  });
  afterAll(async () => {
    proxy?.restore();
    await h?.close();
  });

  it("sends every recipient the announcement exactly once", async () => {
    const officer = await h.db.prisma.chatIdentity.findFirstOrThrow({ where: { externalId: String(OFFICER.id) } });
    const unit = (await findUnitByCode(h.db.prisma, "LC-DK-CSLC"))!;
    const created = await createBroadcast(h.db.prisma, officer.personId, {
      audience: "MEMBERS", scopeUnitId: unit.id, language: null, channel: null, text: `Họp toàn thể ${MARKER}`, photoFileId: null, urgent: true, sendAt: new Date(),
    });
    if (!created.ok) throw new Error(created.reason);
    h.app.broadcasts.worker.wake();
    const ids = people.map((p) => p.telegramId);
    const delivered = () => ids.filter((id) => announcementsTo(h.fake, id, MARKER).length > 0).length;

    // A quarter through: the store goes away for three leases.
    await h.fake.waitForCall(() => delivered() >= RECIPIENTS / 4, 60_000);
    const logsBefore = h.logs.lines.length;
    proxy.cut();
    const atCut = delivered();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const duringOutage = delivered() - atCut;
    proxy.restore();

    await waitForAll(h.fake, ids, MARKER, 120_000);
    await until(async () => (await h.db.prisma.outboxMessage.count({ where: { broadcastId: created.id, status: "SENT" } })) === RECIPIENTS, "every row SENT", 60_000);

    const copies = ids.map((id) => announcementsTo(h.fake, id, MARKER).length);
    expect(copies.filter((n) => n !== 1)).toEqual([]);
    // The outage did catch messages sent but not yet recorded (else this test would prove nothing).
    expect(atCut).toBeLessThan(RECIPIENTS);
    expect(h.logs.lines.slice(logsBefore).join("")).toContain("outcomes kept until the store returns");
    console.info(`outage: ${atCut} delivered before the cut, ${duringOutage} during it, ${RECIPIENTS} in the end, each once`);
  });
});

describe("a flood-limit pause longer than the claim lease", { timeout: 120_000 }, () => {
  let h: Harness;
  let people: Seeded[] = [];
  beforeAll(async () => {
    h = await startHarness({
      logLevel: "warn",
      app: { broadcastTuning: { ratePerSecond: 20, batchSize: 10, concurrency: 2, leaseMs: 1_500, idleMs: 200 } },
    });
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, OFFICER, "OFFICER", "LC-DK");
    people = await seedMembers(h.db.prisma, "LC-DK-CSLC", 40, 920_000);
  });
  afterAll(() => h?.close());

  it("keeps the lease of the rows waiting in the sender's queue: none is claimed and sent twice", async () => {
    const officer = await h.db.prisma.chatIdentity.findFirstOrThrow({ where: { externalId: String(OFFICER.id) } });
    const unit = (await findUnitByCode(h.db.prisma, "LC-DK-CSLC"))!;
    // Telegram says "retry after 4 s": every send pauses with ten claimed rows waiting, longer than their lease.
    h.fake.failNext("sendMessage", { error_code: 429, retry_after: 4 });
    const created = await createBroadcast(h.db.prisma, officer.personId, {
      audience: "MEMBERS", scopeUnitId: unit.id, language: null, channel: null, text: "Nghỉ lễ #pause", photoFileId: null, urgent: true, sendAt: new Date(),
    });
    if (!created.ok) throw new Error(created.reason);
    h.app.broadcasts.worker.wake();
    const ids = people.map((p) => p.telegramId);
    await waitForAll(h.fake, ids, "#pause", 90_000);
    await until(async () => (await h.db.prisma.outboxMessage.count({ where: { broadcastId: created.id, status: "SENT" } })) === ids.length, "every row SENT", 60_000);
    expect(h.fake.stats.rejected429).toBeGreaterThanOrEqual(1);
    const copies = ids.map((id) => announcementsTo(h.fake, id, "#pause").length);
    expect(copies.filter((n) => n !== 1)).toEqual([]);
  });
});
