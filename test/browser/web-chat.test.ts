// The web chat in a real browser, at a phone's size, as people use it: a new worker joins through the form, the chair
// of the union approves the application live in another window, the worker sees it arrive without reloading, the
// chair files the weekly report, the officer opens /summary with its chart and sends a broadcast that reaches the
// worker's open page. The real application runs in-process in web-chat-only mode (no Telegram token), with the demo
// data it loads on its first start. Each step leaves a screenshot in test-results/web-chat/.
//
// One test: the steps build on each other (the application the chair decides is the one the worker filed, and so on).
// What later steps do not depend on (no buttons left, no page scroll, no reload) is checked softly: the story goes
// on and the test still fails at the end.
// Every step waits for what a person would see, rendered from the locales, and fails with the step's name, what the
// page showed, and screenshots of every open page.
import { Writable } from "node:stream";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.ts";
import { weekRange } from "../../src/bot/reports/conversation.ts";
import { loadConfig } from "../../src/config.ts";
import { weekOf } from "../../src/drive/reports.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { createLogger } from "../../src/logger.ts";
import { LAI_CHAU_DEMO } from "../../src/organisation/demo/lai-chau.ts";
import { formatVietnamDate } from "../../src/shared/time.ts";
import { launchBrowser, Screenshots, skipBrowserTests } from "../support/browser.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { joinSteps, type Worker } from "../support/join-form.ts";
import { escapeRegExp } from "../support/locale-texts.ts";
import type { Chat } from "../support/chat.ts";

const vi = tFor("vi");
/** What a person waits at most for any one thing to show up. */
const WAIT_MS = 30_000;
const PHONE = { width: 390, height: 844 };
/** The union the form's poster (LC-DK-CSLC) belongs to; the demo's chair is its chair. */
const UNION = LAI_CHAU_DEMO.find((u) => u.code === "LC-DK-CSLC")!.name;
const WORKER: Worker = { fullName: "Lò Thị Mai", birthDate: "12/03/1994", phone: "0912 345 678", jobPosition: "Công nhân cạo mủ" };

/** A stand-in for a text's placeholders, to wait for the fixed part before them whatever fills them. */
const HOLE = "\u0000";
const opening = (text: string) => text.split(HOLE)[0]!;

type Match = string | RegExp;
/** Line breaks may be newlines or <br>; compare texts with every run of white space as one space. */
const squash = (s: string) => s.replace(/\s+/g, " ").trim();
const matches = (text: string, match: Match) => (typeof match === "string" ? squash(text).includes(squash(match)) : match.test(squash(text)));
const exactly = (label: string) => new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`);

/** One person's window: what they see and do, through the DOM conventions of the web chat. */
class ChatWindow {
  readonly errors: string[] = [];

  constructor(
    readonly name: string,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on("pageerror", (err) => this.errors.push(err.message));
  }

  static async open(browser: Browser, name: string, url: string): Promise<ChatWindow> {
    const context = await browser.newContext({
      viewport: PHONE,
      isMobile: true,
      hasTouch: true,
      locale: "vi-VN",
      timezoneId: "Asia/Ho_Chi_Minh",
    });
    const window = new ChatWindow(name, context, await context.newPage());
    await window.page.goto(url);
    await window.markLoaded();
    return window;
  }

  /** Marks this load of the page: `stayed()` is true until the page is loaded again. */
  async markLoaded() {
    await this.page.evaluate("window.__webChatTestLoad = true");
  }

  async stayed(): Promise<boolean> {
    return (await this.page.evaluate("window.__webChatTestLoad === true")) === true;
  }

  messages(from?: "bot" | "me"): Locator {
    return this.page.locator(from ? `[data-testid="message"][data-from="${from}"]` : '[data-testid="message"]');
  }

  /** Waits for a bot message matching `match`, among the bot's messages from index `from` on; returns it and its text. */
  async expectBot(match: Match, from = 0): Promise<{ message: Locator; text: string }> {
    let seen: string[] = [];
    let found = -1;
    try {
      await expect
        .poll(
          async () => {
            seen = await this.messages("bot").allInnerTexts();
            found = seen.findIndex((text, i) => i >= from && matches(text, match));
            return found;
          },
          { timeout: WAIT_MS, interval: 100 },
        )
        .toBeGreaterThanOrEqual(0);
    } catch {
      const shown = seen.slice(from).map((t) => `  - ${squash(t).slice(0, 160)}`);
      throw new Error(`${this.name}: no bot message matching ${String(match)} within ${WAIT_MS / 1000} s; bot messages since:\n${shown.join("\n") || "  (none)"}`);
    }
    // By its id: the message stays the same one when it is edited in place or more arrive.
    const id = await this.messages("bot").nth(found).getAttribute("data-id");
    return { message: this.page.locator(`[data-testid="message"][data-id="${id}"]`), text: seen[found]! };
  }

  /** Does `act`, then waits for a new bot message matching `match`. */
  async exchange(act: () => Promise<unknown>, match: Match) {
    const before = await this.messages("bot").count();
    await act();
    return this.expectBot(match, before);
  }

  /** Types a message and sends it; the page shows it once the server has it (never optimistically). */
  async type(text: string) {
    const before = await this.messages("me").count();
    await this.page.getByTestId("composer-input").fill(text);
    await this.page.getByTestId("send").click();
    await this.expectMine(text, before);
  }

  /** Waits for the person's own message among theirs from index `from` on (their sends come back from the server). */
  async expectMine(text: string, from: number) {
    await expect
      .poll(async () => (await this.messages("me").allInnerTexts()).slice(from).some((t) => matches(t, text)), {
        timeout: WAIT_MS,
        interval: 100,
        message: `${this.name}: own message "${text}" not shown`,
      })
      .toBe(true);
  }

  /** Presses the newest inline button with this label (older messages may show the same label). */
  async press(label: string) {
    await this.page.getByTestId("inline-button").filter({ hasText: exactly(label) }).last().click({ timeout: WAIT_MS });
  }

  replyButton(label: string | RegExp): Locator {
    return this.page.getByTestId("reply-button").filter({ hasText: typeof label === "string" ? exactly(label) : label });
  }

  async ask(text: string, reply: Match) {
    return this.exchange(() => this.type(text), reply);
  }

  async choose(label: string, reply: Match) {
    return this.exchange(() => this.press(label), reply);
  }

  /**
   * How far the page itself scrolls beyond the window, across and down: 0 and 0 for a chat whose messages scroll inside
   * their list, with the header and the composer in place.
   */
  async overflow(): Promise<{ x: number; y: number }> {
    const [x, y] = (await this.page.evaluate(
      "[document.documentElement.scrollWidth - document.documentElement.clientWidth, document.documentElement.scrollHeight - document.documentElement.clientHeight]",
    )) as [number, number];
    return { x, y };
  }

  /** Checked softly: the story goes on either way. */
  async expectNoPageScroll() {
    const { x, y } = await this.overflow();
    expect.soft(x, `${this.name}: no horizontal scroll at ${PHONE.width} px`).toBeLessThanOrEqual(0);
    expect.soft(y, `${this.name}: the page itself does not scroll down (its messages scroll inside their list)`).toBeLessThanOrEqual(0);
  }

  async messageIds(): Promise<string[]> {
    const ids = await this.messages().evaluateAll((els) => els.map((el) => el.getAttribute("data-id") ?? ""));
    if (ids.length === 0) throw new Error(`${this.name}: no messages shown`);
    return ids;
  }
}

/** The join form's steps as test/support/join-form.ts plays them on Telegram: what to type or press, what comes back. */
function joinActions(worker: Worker) {
  return joinSteps(worker).map((step) => {
    let action: { text: string } | { press: string } | undefined;
    const recorder = { send: (text: string) => void (action = { text }), press: (label: string) => void (action = { press: label }) };
    step.act(recorder as unknown as Chat);
    if (!action) throw new Error("a join step neither types nor presses");
    return { action, reply: step.reply };
  });
}

/** Captures the app's warnings and errors, to print when a step fails. */
class LogLines extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.lines.push(chunk.toString());
    done();
  }
}

describe.skipIf(skipBrowserTests("web chat in a browser"))("web chat in a browser (Chromium, 390×844)", () => {
  let db: TestDatabase;
  let app: App | undefined;
  let browser: Browser | undefined;
  let base = "";
  const logs = new LogLines();
  const shots = new Screenshots("web-chat");
  const windows: ChatWindow[] = [];

  beforeAll(async () => {
    // The browser first: on CI without Chromium, its message is the failure.
    browser = await launchBrowser();
    await shots.reset();
    db = await createTestDatabase();
    const config = loadConfig({ DATABASE_URL: db.url, WEB_CHAT_PORT: "0", LOG_LEVEL: "silent" });
    app = await startApp(config, { db, logger: createLogger("warn", logs), scheduleReminders: false });
    if (!app.webChat) throw new Error("the app started without Telegram serves no web chat (app.webChat is undefined)");
    base = app.webChat.url;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await db?.destroy();
  });

  /** Runs one step; on failure names it and leaves a screenshot of every open window. */
  async function step(name: string, run: () => Promise<void>) {
    try {
      await run();
    } catch (err) {
      const pictures: string[] = [];
      for (const w of windows) pictures.push(await shots.take(w.page, `failed-${name}-${w.name}`).catch((e: Error) => `(no screenshot: ${e.message})`));
      const appLog = logs.lines.slice(-20).join("");
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`step "${name}" failed: ${message}\nscreenshots:\n${pictures.map((p) => `  ${p}`).join("\n")}\napp warnings:\n${appLog || "  (none)"}`, { cause: err });
    }
  }

  async function open(name: string, hash: string) {
    const window = await ChatWindow.open(browser!, name, `${base}/${hash}`);
    windows.push(window);
    return window;
  }

  it("a worker joins, the chair approves live, reports, the officer reads the summary and broadcasts to the worker", { timeout: 300_000 }, async () => {
    let worker!: ChatWindow;
    let chair!: ChatWindow;
    let officer!: ChatWindow;
    let ref = "";
    let memberNumber = "";
    const now = new Date();

    await step("open-windows", async () => {
      // The chair's window is open before the worker applies, so the decision card has to arrive live.
      chair = await open("chair", "#as=chair");
      worker = await open("worker", "");
      await worker.page.getByTestId("persona").selectOption("new");
      await expect.poll(() => worker.page.url(), { timeout: WAIT_MS, message: "choosing a new worker sets #as=w-…" }).toMatch(/#as=w-[\w-]+$/);
      await worker.markLoaded();
      await shots.take(worker.page, "worker-new");
    });

    await step("join-form", async () => {
      let asked: Match = "";
      for (const [i, { action, reply }] of joinActions(WORKER).entries()) {
        const kind = "press" in action ? "press" : asked === vi("join.fields.phone.ask") ? "phone" : "type";
        await worker.exchange(async () => {
          if ("press" in action) return worker.press(action.press);
          if (kind === "phone") return sharePhone(worker, action.text);
          return worker.type(action.text);
        }, reply);
        asked = reply;
        await shots.take(worker.page, `join-${String(i + 1).padStart(2, "0")}-${kind}`);
      }
      const filed = await worker.expectBot(/HS-\d{6}/);
      ref = /HS-\d{6}/.exec(filed.text)![0];
      expect(squash(filed.text)).toContain(squash(vi("join.submitted", { ref })));
    });

    await step("chair-approves", async () => {
      const { message: card, text } = await chair.expectBot(ref);
      expect(text).toContain(vi("decision.new_application"));
      expect(text).toContain(WORKER.fullName);
      expect.soft(await chair.stayed(), "the card arrived without a reload").toBe(true);
      await shots.take(chair.page, "chair-card");
      await card.getByTestId("inline-button").filter({ hasText: exactly(vi("decision.approve")) }).click({ timeout: WAIT_MS });
      // The card is edited in place: the stamp replaces its buttons.
      const stamp = vi("decision.approved_stamp", { date: formatVietnamDate(now) });
      await expect.poll(async () => squash(await card.innerText()), { timeout: WAIT_MS, message: "the card shows the approval stamp" }).toContain(squash(stamp));
      expect.soft(await card.getByTestId("inline-button").count(), "the decided card has no buttons left").toBe(0);
      await shots.take(chair.page, "chair-approved");
    });

    await step("worker-sees-approval-live", async () => {
      const { text } = await worker.expectBot(vi("decision.approved_applicant"));
      const number = /DV\d{7}/.exec(text);
      expect(number, "the approval names the member number").not.toBeNull();
      memberNumber = number![0];
      expect.soft(await worker.stayed(), "the approval arrived without a reload").toBe(true);
      // Then the card itself, as a picture with its QR code.
      await worker.expectBot(vi("card.caption"));
      const picture = worker.page.getByTestId("photo").last();
      await picture.waitFor({ timeout: WAIT_MS });
      await expect
        .poll(() => picture.evaluate((img: { complete: boolean; naturalWidth: number }) => (img.complete ? img.naturalWidth : 0)), { timeout: WAIT_MS, message: "the card picture has loaded" })
        .toBeGreaterThan(0);
      await shots.take(worker.page, "worker-approved");

      const card = await worker.ask("/status", opening(vi("status.member_card", { name: HOLE })));
      expect(squash(card.text)).toContain(squash(vi("status.member_card", { name: WORKER.fullName, number: memberNumber, unit: UNION, date: formatVietnamDate(now) })));
      await shots.take(worker.page, "worker-status");
    });

    await step("worker-reload-keeps-conversation", async () => {
      const before = await worker.messageIds();
      await worker.page.reload();
      await worker.markLoaded();
      await expect.poll(() => worker.messageIds(), { timeout: WAIT_MS, message: "the same messages after a reload" }).toEqual(before);
      await worker.expectBot(ref);
      await worker.expectBot(memberNumber);
      await worker.expectNoPageScroll();
      await shots.take(worker.page, "worker-reloaded");
    });

    await step("chair-weekly-report", async () => {
      const range = weekRange(weekOf(new Date()));
      await chair.ask("/report", vi("reports.week_ask", { unit: UNION }));
      await chair.choose(vi("reports.week_this", { range }), vi("reports.prefill_title", { unit: UNION, range }));
      await chair.expectBot(vi("reports.ask.admitted"));
      // The member the chair just admitted in the chat is offered as this week's admitted.
      await chair.replyButton(vi("reports.keep", { value: 1 })).waitFor({ timeout: WAIT_MS });
      const keep = vi("reports.keep", { value: 0 }).split("0")[0]!;
      const fields = ["admitted", "reduced", "totalMembers", "totalWorkers", "partyIntroduced", "partyAdmitted", "propagandaSessions", "propagandaParticipants"];
      for (const [i, field] of fields.entries()) {
        // Every number has a suggestion to keep; the chair takes it.
        const next = fields[i + 1] ? vi(`reports.ask.${fields[i + 1]}`) : vi("reports.ask.difficulties", { max: 1000 });
        const button = chair.replyButton(new RegExp(`^\\s*${escapeRegExp(keep)}`));
        await button.first().waitFor({ timeout: WAIT_MS });
        expect(await button.count(), `one suggestion for ${field}`).toBe(1);
        await chair.exchange(() => button.click(), next);
      }
      await shots.take(chair.page, "chair-report-questions");
      await chair.exchange(() => chair.replyButton(vi("reports.skip")).click({ timeout: WAIT_MS }), vi("reports.summary_title", { unit: UNION, range }));
      await shots.take(chair.page, "chair-report-summary");
      await chair.choose(vi("reports.confirm"), vi("reports.saved", { unit: UNION, range }));
      await chair.expectNoPageScroll();
      await shots.take(chair.page, "chair-report-saved");
    });

    await step("officer-summary-with-chart", async () => {
      officer = await open("officer", "#as=officer");
      const title = new RegExp(escapeRegExp(squash(vi("summary.chat.title", { unit: HOLE, code: HOLE }))).replace(HOLE, ".+").replace(HOLE, "LC[\\w-]*"));
      await officer.ask("/summary", title);
      const chart = officer.page.getByTestId("photo").last();
      await chart.waitFor({ timeout: WAIT_MS });
      await expect
        .poll(() => chart.evaluate((img: { complete: boolean; naturalWidth: number }) => (img.complete ? img.naturalWidth : 0)), { timeout: WAIT_MS, message: "the chart has loaded" })
        .toBeGreaterThan(0);
      await officer.expectNoPageScroll();
      await shots.take(officer.page, "officer-summary");
    });

    await step("officer-broadcast-reaches-worker-live", async () => {
      const text = `Họp đoàn viên tối thứ Sáu lúc 19:00 tại nhà văn hoá #web${Date.now() % 100_000}`;
      await officer.ask("/broadcast", vi("broadcasts.ask_audience"));
      await officer.choose(vi("broadcasts.audience.MEMBERS"), opening(vi("broadcasts.ask_unit", { scope: HOLE })));
      await officer.choose(vi("broadcasts.unit_whole"), vi("broadcasts.ask_language"));
      await officer.choose(vi("broadcasts.any_language"), vi("broadcasts.ask_channel"));
      await officer.choose(vi("broadcasts.any_channel"), vi("broadcasts.ask_text", { max: 3500 }));
      await officer.expectBot(opening(vi("broadcasts.count", { count: HOLE })));
      await officer.ask(text, vi("broadcasts.ask_photo"));
      await officer.choose(vi("broadcasts.no_photo"), vi("broadcasts.ask_when"));
      await officer.choose(vi("broadcasts.when_now"), vi("broadcasts.ask_urgent"));
      // Urgent: a non-urgent broadcast waits out the night (21:00–07:00 in Vietnam), whenever this test runs.
      await officer.choose(vi("broadcasts.urgent_yes"), opening(vi("broadcasts.summary", { audience: HOLE })));
      await shots.take(officer.page, "officer-broadcast-summary");
      const { text: created } = await officer.choose(vi("broadcasts.confirm_send"), /TB-\d{6}/);
      const broadcastRef = /TB-\d{6}/.exec(created)![0];
      expect(squash(created)).toMatch(new RegExp(escapeRegExp(squash(vi("broadcasts.created_now", { ref: broadcastRef, count: HOLE }))).replace(HOLE, "\\d+")));
      await shots.take(officer.page, "officer-broadcast-sent");

      const got = await worker.expectBot(text);
      expect(squash(got.text)).toContain(squash(`${vi("broadcasts.heading")}\n\n${text}`));
      expect.soft(await worker.stayed(), "the broadcast arrived without a reload").toBe(true);
      await worker.expectNoPageScroll();
      await shots.take(worker.page, "worker-broadcast");
    });

    await step("no-script-errors", async () => {
      for (const w of windows) expect.soft(w.errors, `uncaught errors in the ${w.name}'s page`).toEqual([]);
    });
  });
});

/** The phone step: the bot offers "share my phone number", which the page shows as a phone field. */
async function sharePhone(window: ChatWindow, phone: string) {
  const field = window.page.getByTestId("phone-input");
  // The field may show at once, or behind a quick-reply button with the bot's label.
  const share = window.replyButton(vi("join.fields.phone.share_button"));
  await field.or(share).first().waitFor({ timeout: WAIT_MS });
  if (!(await field.isVisible())) await share.click({ timeout: WAIT_MS });
  const before = await window.messages("me").count();
  await field.fill(phone);
  await window.page.getByTestId("phone-send").click();
  await expect.poll(() => window.messages("me").count(), { timeout: WAIT_MS, message: "the shared phone shows as the worker's message" }).toBeGreaterThan(before);
}
