// The weekly report never traps a chair (issue 11, defect 3), through the fake Bot API:
// - 150 members reported in a union of 100 workers: the check names BOTH answers with their values and offers to
//   change either. Changing the workers resolves it; changing the members instead trips "lower than it must be",
//   which names the answers it depends on (total, admitted, reduced), and changing the reduced number resolves that.
//   No /cancel, and the saved report has every answer given before the checks failed.
// - "-3" and "100000000" get a message naming the bound (negative; too large, at most 10.000.000) and the same
//   question again; "2,5" is not whole; "1.200" is read the Vietnamese way as 1200.
// - The summary before sending offers to change any answer, each shown with its value, and comes back to the summary.
import type { InlineKeyboardButton, Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCount, weekRange } from "../../src/bot/reports/conversation.ts";
import { weekOf } from "../../src/drive/reports.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const BD = "Công đoàn Bưu điện tỉnh Lai Châu"; // 138 workers, 131 members at the start
const NS = "Công đoàn Công ty Cổ phần Nước sạch Lai Châu"; // 136 workers, 124 members
const MT = "Công đoàn Khách sạn Mường Thanh Luxury Lai Châu"; // 94 workers, 57 members
const field = (f: string) => vi(`reports.field.${f}`);
/** A fix button: "✏️ Sửa Tổng số đoàn viên (150)". */
const fix = (f: string, value: string) => vi("reports.fix", { answer: vi("reports.answer_inline", { field: field(f), value }) });
/** A line of the summary, and a button of the edit menu: "Tổng số đoàn viên: 150". */
const line = (f: string, value: string) => vi("reports.answer", { field: field(f), value });

const buttons = (m: Message | undefined) =>
  (m?.reply_markup?.inline_keyboard ?? []).flat().filter((b): b is InlineKeyboardButton.CallbackButton => "callback_data" in b).map((b) => b.text);

describe("the weekly report never traps the chair", { timeout: 180_000 }, () => {
  let h: Harness;
  const range = () => weekRange(weekOf(new Date()));

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
  });
  afterAll(() => h?.close());

  /** A message as the person sees it now (edits applied). */
  const now = (user: TestUser, message: Message) => h.fake.messagesTo(user).find((m) => m.message_id === message.message_id);
  const unitId = async (code: string) => (await findUnitByCode(h.db.prisma, code))!.id;

  /** /report for the chair's only union, this week, up to the first question. */
  async function open(user: TestUser, unit: string): Promise<Chat> {
    const chat = new Chat(h.fake, user);
    await chat.answer("/report", vi("reports.week_ask", { unit }));
    await chat.choose(vi("reports.week_this", { range: range() }), vi("reports.ask.admitted"));
    return chat;
  }

  /** Answers admitted … propaganda participants of a grassroots union (no reductions asked when reduced is 0). */
  async function answerAll(chat: Chat, a: { admitted: string; members: string; workers: string; introduced: string; partyAdmitted: string; sessions: string; participants: string }) {
    await chat.answer(a.admitted, vi("reports.ask.reduced"));
    await chat.answer("0", vi("reports.ask.totalMembers"));
    await chat.answer(a.members, vi("reports.ask.totalWorkers"));
    await chat.answer(a.workers, vi("reports.ask.partyIntroduced"));
    await chat.answer(a.introduced, vi("reports.ask.partyAdmitted"));
    await chat.answer(a.partyAdmitted, vi("reports.ask.propagandaSessions"));
    await chat.answer(a.sessions, vi("reports.ask.propagandaParticipants"));
    await chat.answer(a.participants, vi("reports.ask.difficulties", { max: 1000 }));
  }

  it("150 members in a union of 100 workers: both answers are named, and changing the workers resolves it with every answer kept", async () => {
    const user = { id: 9301, first_name: "Chủ tịch Bưu điện" };
    await grant(h.db.prisma, user, "CHAIR", "LC-BD");
    const chat = await open(user, BD);
    await answerAll(chat, { admitted: "19", members: "150", workers: "100", introduced: "3", partyAdmitted: "1", sessions: "2", participants: "45" });

    const problems = await chat.answer("Thiếu kinh phí in tờ rơi", vi("reports.problems_title"));
    expect(problems.text).toContain(
      `• ${field("totalMembers")} (150) và ${field("totalWorkers")} (100): ${vi("reports.check.members_over_workers", { members: 150, workers: 100 })}`,
    );
    const ask = await chat.expect(vi("reports.fix_ask"));
    expect(buttons(now(user, ask))).toEqual([fix("totalMembers", "150"), fix("totalWorkers", "100"), vi("reports.cancel")]);

    await chat.choose(fix("totalWorkers", "100"), vi("reports.ask.totalWorkers"));
    const summary = await chat.answer("160", vi("reports.summary_title", { unit: BD, range: range() }));
    expect(summary.text).toContain(line("totalWorkers", "160"));
    expect(summary.text).toContain(line("totalMembers", "150"));
    await chat.choose(vi("reports.confirm"), vi("reports.saved", { unit: BD, range: range() }));

    const saved = await h.db.prisma.weeklyReport.findMany({ where: { unitId: await unitId("LC-BD") } });
    expect(saved).toMatchObject([
      {
        version: 1, admitted: 19, reduced: 0, totalMembers: 150, totalWorkers: 160, partyIntroduced: 3, partyAdmitted: 1,
        propagandaSessions: 2, propagandaParticipants: 45, difficulties: "Thiếu kinh phí in tờ rơi",
      },
    ]);
  });

  it("changing the members instead: 'lower than it must be' names total, admitted and reduced, and changing the reduced resolves it", async () => {
    const user = { id: 9302, first_name: "Chủ tịch Nước sạch" };
    await grant(h.db.prisma, user, "CHAIR", "LC-TP-NS");
    const chat = await open(user, NS);
    await answerAll(chat, { admitted: "26", members: "150", workers: "100", introduced: "2", partyAdmitted: "0", sessions: "1", participants: "30" });
    await chat.answer(vi("reports.skip"), vi("reports.problems_title"));
    await chat.expect(vi("reports.fix_ask"));

    // The old trap: lowering the total to the workers trips the start-of-week rule (124 + 26 − 0 = 150).
    await chat.choose(fix("totalMembers", "150"), vi("reports.ask.totalMembers"));
    const dropped = await chat.answer("100", vi("reports.problems_title"));
    expect(dropped.text).toContain(
      `• ${field("totalMembers")} (100), ${field("admitted")} (26) và ${field("reduced")} (0): ` +
        vi("reports.check.members_dropped", { total: 100, expected: 150, start: 124, admitted: 26, reduced: 0 }),
    );
    const ask = await chat.expect(vi("reports.fix_ask"));
    expect(buttons(now(user, ask))).toEqual([fix("totalMembers", "100"), fix("admitted", "26"), fix("reduced", "0"), vi("reports.cancel")]);

    // 50 members left the company: the reduced number, then its reasons.
    await chat.choose(fix("reduced", "0"), vi("reports.ask.reduced"));
    await chat.answer("50", vi("reports.reductions_intro", { reduced: 50 }));
    const reason = (r: string) => vi("reports.ask.reduction", { reason: vi(`members.reason.${r}`) });
    await chat.expect(reason("CHANGED_JOB"));
    await chat.answer("0", reason("LEFT_COMPANY"));
    await chat.answer("50", reason("RESIGNED"));
    await chat.answer("0", reason("DECEASED"));
    await chat.answer("0", reason("OTHER"));
    const summary = await chat.answer("0", vi("reports.summary_title", { unit: NS, range: range() }));
    expect(summary.text).toContain(vi("reports.net_increase", { value: -24 }));

    // The summary's edit menu now also offers the reductions by reason.
    const menu = await chat.choose(vi("reports.edit"), vi("reports.edit_ask"));
    expect(buttons(now(user, menu))).toContain(line("reductions", "50"));
    await chat.choose(vi("reports.back"), vi("reports.summary_title", { unit: NS, range: range() }));
    await chat.choose(vi("reports.confirm"), vi("reports.saved", { unit: NS, range: range() }));

    const saved = await h.db.prisma.weeklyReport.findMany({ where: { unitId: await unitId("LC-TP-NS") } });
    expect(saved).toMatchObject([
      {
        admitted: 26, reduced: 50, reductions: { LEFT_COMPANY: 50 }, totalMembers: 100, totalWorkers: 100, partyIntroduced: 2, partyAdmitted: 0,
        propagandaSessions: 1, propagandaParticipants: 30, difficulties: null,
      },
    ]);
  });

  it("range errors say which bound and ask the same question again; the summary changes any answer and comes back", async () => {
    const user = { id: 9303, first_name: "Chủ tịch Mường Thanh" };
    await grant(h.db.prisma, user, "CHAIR", "LC-TP-MT");
    const chat = await open(user, MT);

    const negative = await chat.answer("-3", vi("reports.errors.negative"));
    expect(negative.text).toBe(`${vi("reports.errors.negative")}\n\n${vi("reports.ask.admitted")}`);
    expect(negative.text).toContain("Số không được âm");
    const large = await chat.answer("100000000", vi("reports.errors.too_large", { max: 10_000_000 }));
    expect(large.text).toBe(`${vi("reports.errors.too_large", { max: 10_000_000 })}\n\n${vi("reports.ask.admitted")}`);
    expect(large.text).toContain("Số quá lớn, tối đa 10.000.000");
    const fraction = await chat.answer("2,5", vi("reports.errors.not_whole", { text: "2,5" }));
    expect(fraction.text).toContain(vi("reports.ask.admitted"));
    const word = await chat.answer("ba", vi("reports.errors.not_number", { text: "ba", max: 10_000_000 }));
    expect(word.text).toContain(vi("reports.ask.admitted"));

    await chat.answer("3", vi("reports.ask.reduced"));
    await chat.answer("0", vi("reports.ask.totalMembers"));
    await chat.answer("60", vi("reports.ask.totalWorkers"));
    await chat.answer("94", vi("reports.ask.partyIntroduced"));
    await chat.answer("0", vi("reports.ask.partyAdmitted"));
    await chat.answer("0", vi("reports.ask.propagandaSessions"));
    await chat.answer("1", vi("reports.ask.propagandaParticipants"));
    await chat.answer("1.200", vi("reports.ask.difficulties", { max: 1000 })); // Vietnamese grouping: 1200
    const summary = await chat.answer(vi("reports.skip"), vi("reports.summary_title", { unit: MT, range: range() }));
    expect(summary.text).toContain(line("propagandaParticipants", "1.200"));

    // Every answer is offered, each with its value, and a way back.
    const menu = await chat.choose(vi("reports.edit"), vi("reports.edit_ask"));
    expect(buttons(now(user, menu))).toEqual([
      line("admitted", "3"), line("reduced", "0"), line("totalMembers", "60"), line("totalWorkers", "94"), line("partyIntroduced", "0"),
      line("partyAdmitted", "0"), line("propagandaSessions", "1"), line("propagandaParticipants", "1.200"), line("difficulties", "—"),
      vi("reports.back"),
    ]);
    // A number: asked again with its current value to keep, then back to the summary.
    const asked = await chat.choose(line("propagandaSessions", "1"), vi("reports.ask.propagandaSessions"));
    const sent = h.fake.callsTo("sendMessage").findLast((c) => (c.payload as { text?: string }).text === asked.text);
    expect(sent?.payload).toMatchObject({ reply_markup: { keyboard: [[{ text: vi("reports.keep", { value: 1 }) }]] } });
    const afterSessions = await chat.answer("4", vi("reports.summary_title", { unit: MT, range: range() }));
    expect(afterSessions.text).toContain(line("propagandaSessions", "4"));
    // The free text.
    await chat.choose(vi("reports.edit"), vi("reports.edit_ask"));
    await chat.choose(line("difficulties", "—"), vi("reports.ask.difficulties", { max: 1000 }));
    const afterText = await chat.answer("Cần thêm tờ rơi song ngữ", vi("reports.summary_title", { unit: MT, range: range() }));
    expect(afterText.text).toContain(line("difficulties", "Cần thêm tờ rơi song ngữ"));
    // The first answer of all; a bound crossed while editing is caught the same way.
    await chat.choose(vi("reports.edit"), vi("reports.edit_ask"));
    await chat.choose(line("admitted", "3"), vi("reports.ask.admitted"));
    await chat.answer("-1", vi("reports.errors.negative"));
    const afterAdmitted = await chat.answer("2", vi("reports.summary_title", { unit: MT, range: range() }));
    expect(afterAdmitted.text).toContain(vi("reports.net_increase", { value: 2 }));
    await chat.choose(vi("reports.confirm"), vi("reports.saved", { unit: MT, range: range() }));

    const saved = await h.db.prisma.weeklyReport.findMany({ where: { unitId: await unitId("LC-TP-MT") } });
    expect(saved).toMatchObject([
      {
        admitted: 2, reduced: 0, totalMembers: 60, totalWorkers: 94, partyIntroduced: 0, partyAdmitted: 0,
        propagandaSessions: 4, propagandaParticipants: 1200, difficulties: "Cần thêm tờ rơi song ngữ",
      },
    ]);
  });
});

describe("a number typed in a report", () => {
  const read = (raw: string) => {
    const r = parseCount(raw);
    return r.ok ? r.value : r.error.key.replace("reports.errors.", "");
  };

  it("is a whole number from 0 to 10.000.000, grouped or not; anything else says what is wrong", () => {
    expect(["0", "12", " 7 ", "-0", "1.200", "1 200", "1,200", "10.000.000", "10000000"].map(read)).toEqual([0, 12, 7, 0, 1200, 1200, 1200, 10_000_000, 10_000_000]);
    expect(["-3", "−3", "- 3", "-1.200", "-99999999999999999999"].map(read)).toEqual(Array(5).fill("negative"));
    expect(["100000000", "10.000.001", "99999999999999999999"].map(read)).toEqual(Array(3).fill("too_large"));
    expect(["2,5", "2.5", "1.20"].map(read)).toEqual(Array(3).fill("not_whole"));
    expect(["12x", "ba", "", "1.2.3", "1.200,5"].map(read)).toEqual(Array(5).fill("not_number"));
    expect(parseCount("100000000")).toEqual({ ok: false, error: { key: "reports.errors.too_large", params: { max: 10_000_000 } } });
  });
});
