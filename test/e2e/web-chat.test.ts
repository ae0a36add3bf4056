// The web chat as a channel, through the page's own HTTP API (the browser test in test/browser plays the same story
// on the real page): the bot's features unchanged, buttons as buttons, edits as edits, the share-phone button as a
// phone field, files both ways, live delivery, and the demo kept to loopback unless a password guards it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { createLogger } from "../../src/logger.ts";
import { writeXlsx } from "../../src/shared/spreadsheet.ts";
import { LogCapture, startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant } from "../support/fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { joinSteps, workerNo, type JoinStep } from "../support/join-form.ts";
import { UNIT_COLUMNS as UNIT_COLUMN_KEYS } from "../../src/organisation/unit-import.ts";
import { listen, textOf, WebChatClient } from "../support/web-chat.ts";

const vi = tFor("vi");

describe("the web chat", () => {
  let db: TestDatabase;
  let app: App;
  let url: string;
  const logs = new LogCapture();
  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig({ WEB_CHAT_PORT: "0", LOG_LEVEL: "info" });
    app = await startApp({ ...config, DATABASE_URL: db.url }, { db, logger: createLogger("info", logs), scheduleReminders: false });
    url = app.webChat!.url;
  });
  afterAll(async () => {
    await app?.stop();
    await db?.destroy();
  });

  it("takes a worker from the poster's code to a member, the chair deciding on the web, the decision arriving live", async () => {
    const worker = new WebChatClient(url, "w-0000a001");
    const live = await listen(url, worker.id);
    const ref = await join(worker, 1);

    // The phone came from the phone field (Telegram's "share my phone number"), stored as a contact.
    const application = await db.prisma.application.findFirstOrThrow({ where: { ref: Number(ref.slice(3)) } });
    expect(application.channel).toBe("WEB");
    expect(application.phone).toBe("+84910000001");

    const chair = new WebChatClient(url, "chair");
    const card = await chair.expect(ref);
    expect(card.buttons!.flat().map((b) => b.label)).toContain(vi("decision.approve"));
    await chair.press(vi("decision.approve"));
    await chair.expect(vi("decision.approved_done"));

    await worker.expect(vi("decision.approved_applicant"));
    // Sent by the bot on its own, it reached the open page without being asked for.
    await expect.poll(() => live.received.some((m) => textOf(m).includes(vi("decision.approved_applicant"))), { timeout: 10_000 }).toBe(true);
    live.close();

    // Each question was asked once: the conversations' replays re-sent nothing through the channel.
    const said = (await worker.messages()).filter((m) => m.from === "bot").map(textOf);
    expect(said.length).toBeGreaterThanOrEqual(13);
    expect(new Set(said).size).toBe(said.length);

    await worker.send("/status");
    const status = await worker.expect("THẺ ĐOÀN VIÊN");
    expect(textOf(status)).toContain(workerNo(1).fullName);
  });

  it("edits a question in place when it is answered, instead of adding a message", async () => {
    const worker = new WebChatClient(url, "w-0000a002");
    await worker.send("/start LC-DK-CSLC");
    const question = await worker.expect(vi("join.language.ask"));
    await worker.press("Tiếng Việt");
    await worker.expect(vi("join.consent.question"));
    const after = (await worker.messages()).find((m) => m.id === question.id)!;
    expect(after.edited).toBe(true);
    expect(after.buttons ?? []).toEqual([]);
    // Nothing else carries the question's id, and the chat did not grow by a copy of it.
    expect((await worker.messages()).filter((m) => textOf(m).includes(vi("join.language.ask")))).toHaveLength(1);
  });

  it("answers bad input with the page's own messages and the bot's, never an error", async () => {
    const worker = new WebChatClient(url, "w-0000a003");
    const tooLong = await fetch(`${url}/api/chats/${worker.id}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "x".repeat(4097) }) });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toEqual({ error: "error_too_long" });
    const empty = await fetch(`${url}/api/chats/${worker.id}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "  " }) });
    expect(await empty.json()).toEqual({ error: "error_empty" });
    const junk = await fetch(`${url}/api/chats/${worker.id}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(junk.status).toBe(400);
    // Only the demo's people: another id is not a chat here.
    const stranger = await fetch(`${url}/api/chats/${encodeURIComponent("../admin")}/messages`);
    expect(stranger.status).toBe(404);
    expect((await fetch(`${url}/api/chats/w-zz/messages`)).status).toBe(404);

    // A forged button press (data no message ever carried) is answered by the bot as on Telegram.
    await worker.send("/start LC-DK-CSLC");
    const question = await worker.expect(vi("join.language.ask"));
    const forged = await fetch(`${url}/api/chats/${worker.id}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ press: { messageId: question.id, data: "f9:zz" } }),
    });
    expect(forged.status).toBe(202);
    await worker.send("🙂".repeat(50));
    await worker.expect(vi("join.language.ask"), { after: question.id });
    expect(logs.text).not.toContain("update failed");
  });

  it("shows the summary's chart inline, served as a PNG", async () => {
    const officer = new WebChatClient(url, "officer");
    await officer.send("/summary");
    const chart = await officer.expect(/./, { after: 0 }).then(async () => {
      for (let i = 0; i < 200; i++) {
        const photo = (await officer.messages()).find((m) => m.file?.kind === "photo");
        if (photo) return photo;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error("no chart");
    });
    const png = await fetch(`${url}${chart.file!.url}`);
    expect(png.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await png.arrayBuffer()).subarray(1, 4).toString()).toBe("PNG");
  });

  it("takes a spreadsheet through the upload field: an admin's unit import is read from the web chat's file", async () => {
    const admin = new WebChatClient(url, "admin");
    await admin.send("/import_units");
    await admin.expect(vi("units.chat.askFile"));
    const file = await writeXlsx([
      {
        name: "Đơn vị",
        columns: UNIT_COLUMNS,
        rows: [{ code: "LC-WEB-CS", name: "Công đoàn cơ sở Thử nghiệm Web", type: "CĐCS", parentCode: "LC-DK", workerCount: 40, memberCount: 12, baselineDate: null, foundedOn: null, closedAt: null }],
      },
    ]);
    const sent = await admin.upload("don-vi.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", file);
    expect(sent.status).toBe(202);
    await admin.expect(vi("units.chat.preview", { fileName: "don-vi.xlsx", created: 1, updated: 0, unchanged: 0 }));
    await admin.press(vi("units.chat.confirm"));
    await admin.expect(vi("units.import.done", { fileName: "don-vi.xlsx", created: 1, updated: 0, unchanged: 0 }));
    expect(await db.prisma.unit.findUnique({ where: { code: "LC-WEB-CS" } })).not.toBeNull();
    // The file shows in the conversation as the person's own download.
    const upload = (await admin.messages()).find((m) => m.from === "me" && m.file);
    expect(upload?.file).toMatchObject({ kind: "document", name: "don-vi.xlsx" });
    expect((await fetch(`${url}${upload!.file!.url}`)).headers.get("content-disposition")).toContain("attachment");
  });

  it("is reached only on loopback by default, and asks for the password when the operator opens it wider", async () => {
    expect(new URL(url).hostname).toBe("127.0.0.1");
    const config = loadConfig({ WEB_CHAT_PORT: "0", WEB_CHAT_HOST: "0.0.0.0", WEB_CHAT_PASSWORD: "correct-horse-battery" });
    const { startWebChat } = await import("../../src/channels/web/server.ts");
    const { Transcript } = await import("../../src/channels/web/transcript.ts");
    const open = await startWebChat({ host: config.WEB_CHAT_HOST, port: 0, password: config.WEB_CHAT_PASSWORD, prisma: db.prisma, transcript: new Transcript(db.prisma), inbox: app.inbox, logger: app.logger });
    try {
      const port = new URL(open.url).port;
      expect((await fetch(`http://127.0.0.1:${port}/api/people`)).status).toBe(401);
      const auth = `Basic ${Buffer.from("demo:correct-horse-battery").toString("base64")}`;
      expect((await fetch(`http://127.0.0.1:${port}/api/people`, { headers: { authorization: auth } })).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

/** Plays the join form on the web chat: the same steps as on Telegram, the phone through the phone field. */
async function join(worker: WebChatClient, n: number): Promise<string> {
  const person = workerNo(n);
  for (const step of joinSteps(person)) {
    const before = (await worker.messages()).length;
    const action = actionOf(step);
    if ("press" in action) await worker.press(action.press);
    else if (action.text === person.phone) await worker.shareContact(person.phone);
    else await worker.send(action.text);
    await worker.expect(step.reply, { after: before });
  }
  return /HS-\d{6}/.exec(textOf((await worker.messages()).at(-1)!))![0];
}

const UNIT_COLUMNS = UNIT_COLUMN_KEYS.map((key) => ({ key, header: vi(`units.columns.${key}`) }));

/** A join step's action, read by letting the step act on a recorder (joinSteps is written for the Telegram Chat). */
function actionOf(step: JoinStep): { text: string } | { press: string } {
  let action: { text: string } | { press: string } | undefined;
  const recorder = { send: (text: string) => void (action = { text }), press: (label: string) => void (action = { press: label }) };
  step.act(recorder as unknown as Chat);
  return action!;
}

describe("the web chat beside Telegram (WEB_CHAT=true)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn", env: { WEB_CHAT: "true", WEB_CHAT_PORT: "0" } });
    await grant(h.db.prisma, { id: 700 }, "CHAIR", "LC-DK-CSLC");
  });
  afterAll(() => h?.close());

  it("a worker on the web is approved by a chair on Telegram, and hears it live on the web", async () => {
    const worker = new WebChatClient(h.app.webChat!.url, "w-0000b001");
    const chair = new Chat(h.fake, { id: 700, first_name: "Chủ tịch" });
    const live = await listen(worker.url, worker.id);
    const ref = await join(worker, 2);
    await chair.expect(ref);
    chair.press(vi("decision.approve"));
    await worker.expect(vi("decision.approved_applicant"));
    await expect.poll(() => live.received.some((m) => textOf(m).includes(vi("decision.approved_applicant"))), { timeout: 10_000 }).toBe(true);
    live.close();
    // Telegram's own calls went to Telegram, the web chat's to the page: nothing of the worker's reached Telegram.
    expect(h.fake.calls.filter((c) => JSON.stringify(c.payload).includes("web:"))).toEqual([]);
    expect(h.fake.calls.some((c) => c.method === "sendMessage" && String(c.payload.chat_id) === "700")).toBe(true);
  });
});
