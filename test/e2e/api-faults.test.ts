// A failing Bot API does not freeze a chat: while every upload gets an HTML 502 from a proxy in front of the Bot
// API, a chair who asks for an export or a poster is told the file could not be sent, their next /help is answered
// within seconds, the failure is logged once per call (method and reason, nothing personal, no token), and once the
// fault clears the same request works at once. And when the store fails before the person is known, the "try
// again" reply is in the language of their Telegram app.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const en = tFor("en");

const CHAIR = { id: 3101, first_name: "Chủ tịch Lò Văn Páo" };

interface LogLine {
  level: number;
  msg: string;
  method?: string;
  code?: number | string;
  attempts?: number;
}

describe("Bot API faults", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, CHAIR, "CHAIR", "LC-DK-CSLC");
  });
  afterAll(() => h?.close());
  afterEach(() => h.fake.clearFaults()); // a failed test must not leave its outage to the next

  const failedCalls = (since: number) =>
    h.logs.lines
      .slice(since)
      .map((line) => JSON.parse(line) as LogLine)
      .filter((l) => l.msg === "telegram api call failed");

  it("while uploads get an HTML 502: the chair is told the file could not be sent, /help is answered at once, and it works again when the fault clears", async () => {
    const chair = new Chat(h.fake, CHAIR);
    const logsBefore = h.logs.lines.length;
    h.fake.failNext("sendDocument", { error_code: 502, html: true, times: Infinity });
    h.fake.failNext("sendPhoto", { error_code: 502, html: true, times: Infinity });

    const exportCalls = h.fake.mark();
    const exportAsked = Date.now();
    chair.send("/export");
    await chair.expect(vi("error_file_not_sent"), 20_000);
    const toldAfter = Date.now() - exportAsked;
    // A couple of quick retries, then given up: not retried for minutes.
    const attempts = h.fake.calls.slice(exportCalls).filter((c) => c.method === "sendDocument");
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    expect(attempts.length).toBeLessThanOrEqual(3);
    expect(attempts.every((c) => c.status === 502)).toBe(true);

    // The same chat is not held: /help right after is answered within seconds.
    let asked = Date.now();
    chair.send("/help");
    await chair.expect(vi("help.intro"), 10_000);
    const helpAfter = Date.now() - asked;
    expect(helpAfter).toBeLessThan(10_000);

    // A poster starts with the QR code photo: the same, for sendPhoto.
    chair.send("/poster");
    await chair.expect(vi("error_file_not_sent"), 20_000);
    asked = Date.now();
    chair.send("/help");
    await chair.expect(vi("help.intro"), 10_000);
    expect(Date.now() - asked).toBeLessThan(10_000);

    // One warn line per failed call, naming the method and why, with nothing about the person or the bot's token.
    const failures = failedCalls(logsBefore);
    expect(failures.map((l) => l.method).sort()).toEqual(["sendDocument", "sendPhoto"]);
    for (const line of failures) {
      expect(line.level).toBe(40);
      expect(line.code).toBe("not_json");
      expect(line.attempts).toBe(attempts.length);
    }
    const logged = h.logs.lines.slice(logsBefore).join("");
    expect(logged).not.toContain(h.fake.token);
    expect(logged).not.toContain(h.fake.token.split(":")[1]!);
    expect(logged).not.toContain(String(CHAIR.id));
    expect(logged).not.toContain("Páo");

    // The fault clears: the next export is delivered at once.
    h.fake.clearFaults();
    const since = h.fake.uploads.length;
    const cleared = h.fake.mark();
    asked = Date.now();
    chair.send("/export");
    await h.fake.waitForCall((c) => c.method === "sendDocument" && c.status === 200, 15_000, cleared);
    expect(Date.now() - asked).toBeLessThan(15_000);
    const [file, ...more] = h.fake.uploads.slice(since).filter((u) => u.chatId === String(CHAIR.id));
    expect(more).toEqual([]);
    expect(file).toMatchObject({ method: "sendDocument" });
    expect(file!.filename).toMatch(/\.xlsx$/);
    expect(file!.size).toBeGreaterThan(0);
    console.info(`HTML 502 on uploads: told after ${toldAfter} ms (${attempts.length} attempts), /help answered after ${helpAfter} ms; export delivered ${Date.now() - asked} ms after the fault cleared`);
  });

  it("gives up on a call the Bot API never answers within seconds: the chat goes on", async () => {
    const chair = new Chat(h.fake, CHAIR);
    const logsBefore = h.logs.lines.length;
    // The poster shows "sending a file…" first; that call now hangs (the request is taken, no answer ever comes).
    h.fake.stub("sendChatAction", () => new Promise(() => undefined));
    try {
      const asked = Date.now();
      chair.send("/poster");
      await chair.expect(vi("posters.document_caption", { unit: "Công đoàn Công ty Cổ phần Cao su Lai Châu" }), 20_000);
      const took = Date.now() - asked;
      expect(took).toBeGreaterThanOrEqual(3_500); // it did wait for the stuck call…
      expect(took).toBeLessThan(15_000); // …but only up to its deadline
    } finally {
      h.fake.stub("sendChatAction", () => true);
    }
    const [failure, ...more] = failedCalls(logsBefore);
    expect(more).toEqual([]);
    expect(failure).toMatchObject({ method: "sendChatAction", code: "timeout", attempts: 1 });
  });

  it("answers a 429 with a short retry_after by waiting it out: the person gets their reply", async () => {
    const chair = new Chat(h.fake, CHAIR);
    h.fake.failNext("sendMessage", { error_code: 429, retry_after: 1, chatId: CHAIR.id });
    const asked = Date.now();
    chair.send("/help");
    await chair.expect(vi("help.intro"), 10_000);
    expect(Date.now() - asked).toBeGreaterThanOrEqual(900);
  });

  it("when the store fails before the person is known, says 'try again' in the language of their Telegram app", async () => {
    const english = new Chat(h.fake, { id: 3102, first_name: "Alex", language_code: "en-GB" }, "en");
    const vietnamese = new Chat(h.fake, { id: 3103, first_name: "Hoa", language_code: "vi" });
    // People cannot be found or created: the update is stored, but the person middleware fails.
    await h.db.prisma.$executeRawUnsafe(`ALTER TABLE "Person" RENAME TO "PersonAway"`);
    try {
      english.send("/status");
      await english.expect(en("error"), 15_000);
      vietnamese.send("/status");
      await vietnamese.expect(vi("error"), 15_000);
    } finally {
      await h.db.prisma.$executeRawUnsafe(`ALTER TABLE "PersonAway" RENAME TO "Person"`);
    }
    // The store back, the same person is served normally.
    english.send("/help");
    await english.expect(en("help.intro"), 15_000);
  });
});
