// The weekly report in chat, end to end: a chair reports the current week (the bot pre-fills the member admitted
// through the bot, "12x" is refused, a total that went down without leavers is caught naming the answers in conflict
// and fixed),
// the report is saved; reporting the week again makes version 2 and only the latest counts. A reminder's button
// "rep:<unitId>" opens the form for an officer above the union and for nobody outside its subtree.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addWeeks, weekOf } from "../../src/drive/reports.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { weekRange } from "../../src/bot/reports/conversation.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const UNIT = "Công đoàn Công ty Cổ phần Cao su Lai Châu";

describe("weekly report in chat", { timeout: 120_000 }, () => {
  let h: Harness;
  const prisma = () => h.db.prisma;
  let unitId = "";

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    unitId = (await findUnitByCode(h.db.prisma, "LC-DK-CSLC"))!.id;
  });
  afterAll(() => h?.close());

  /** Answers the questions after "admitted" and "reduced" (no reductions) with the given totals. */
  async function answerRest(chat: Chat, totals: { members: string; workers: string }) {
    await chat.answer(totals.members, vi("reports.ask.totalWorkers"));
    await chat.answer(totals.workers, vi("reports.ask.partyIntroduced"));
    await chat.answer("2", vi("reports.ask.partyAdmitted"));
    await chat.answer("1", vi("reports.ask.propagandaSessions"));
    await chat.answer("1", vi("reports.ask.propagandaParticipants"));
    await chat.answer("40", vi("reports.ask.difficulties", { max: 1000 }));
  }

  it("a chair reports this week, a wrong total is caught and fixed, and a resubmission makes version 2", async () => {
    const chairUser = { id: 4401, first_name: "Chủ tịch" };
    await grant(prisma(), chairUser, "CHAIR", "LC-DK-CSLC");
    const chair = new Chat(h.fake, chairUser);
    await prisma().member.create({ data: { unitId, fullName: "Lò Thị Mai", searchName: "lo thi mai", source: "BOT", joinedAt: new Date() } });
    const thisWeek = weekOf(new Date());
    const range = weekRange(thisWeek);

    await chair.answer("/report", vi("reports.week_ask", { unit: UNIT }));
    const prefilled = await chair.choose(vi("reports.week_this", { range }), vi("reports.prefill_title", { unit: UNIT, range }));
    expect(prefilled.text).toContain(vi("reports.prefill_admitted", { count: 1 }));
    expect(prefilled.text).toContain(vi("reports.prefill_left", { count: 0 }));
    const admitted = await chair.expect(vi("reports.ask.admitted"));
    const asked = h.fake.callsTo("sendMessage").findLast((c) => (c.payload as { text?: string }).text === admitted.text);
    expect(asked?.payload).toMatchObject({ reply_markup: { keyboard: [[{ text: vi("reports.keep", { value: 1 }) }]] } });

    // Strict numbers: "12x" is refused with a message and the question again.
    const refused = await chair.answer("12x", vi("reports.errors.not_number", { text: "12x", max: 10_000_000 }));
    expect(refused.text).toContain("10.000.000");
    expect(refused.text).toContain(vi("reports.ask.admitted"));
    await chair.answer(vi("reports.keep", { value: 1 }), vi("reports.ask.reduced"));
    await chair.answer("0", vi("reports.ask.totalMembers"));
    // 1027 members at the baseline + 1 admitted − 0 reduced: 1000 is a drop without leavers.
    await answerRest(chair, { members: "1000", workers: vi("reports.keep", { value: 1164 }) });
    const problems = await chair.answer(vi("reports.skip"), vi("reports.problems_title"));
    // The three answers in conflict, each with its value, and why.
    expect(problems.text).toContain(
      `• ${vi("reports.field.totalMembers")} (1.000), ${vi("reports.field.admitted")} (1) và ${vi("reports.field.reduced")} (0): ` +
        vi("reports.check.members_dropped", { total: 1000, expected: 1028, start: 1027, admitted: 1, reduced: 0 }),
    );
    expect(problems.text).toContain("phải ít nhất là 1.028 (đầu tuần 1.027 + kết nạp 1 − giảm 0)");
    await chair.expect(vi("reports.fix_ask"));
    await chair.choose(vi("reports.fix", { answer: `${vi("reports.field.totalMembers")} (1.000)` }), vi("reports.ask.totalMembers"));
    const summary = await chair.answer("1028", vi("reports.summary_title", { unit: UNIT, range }));
    expect(summary.text).toContain(vi("reports.net_increase", { value: 1 }));
    expect(summary.text).toContain(`${vi("reports.field.totalMembers")}: 1.028`);
    expect(summary.text).toContain(`${vi("reports.field.propagandaParticipants")}: 40`);
    expect(summary.text).not.toContain(vi("reports.field.newGrassroots")); // a CĐCS founds no CĐCS
    await chair.choose(vi("reports.confirm"), vi("reports.saved", { unit: UNIT, range }));

    const first = await prisma().weeklyReport.findMany({ where: { unitId } });
    expect(first).toMatchObject([{ version: 1, isLatest: true, admitted: 1, reduced: 0, totalMembers: 1028, totalWorkers: 1164, propagandaParticipants: 40 }]);
    expect(first[0]!.weekStart).toEqual(thisWeek);

    // The same week again: the bot says a version exists, and saving makes version 2.
    await chair.answer("/report", vi("reports.week_ask", { unit: UNIT }));
    const again = await chair.choose(vi("reports.week_this", { range }), vi("reports.prefill_title", { unit: UNIT, range }));
    expect(again.text).toContain(vi("reports.prefill_resubmit", { version: 1, next: 2 }));
    await chair.answer(vi("reports.keep", { value: 1 }), vi("reports.ask.reduced"));
    await chair.answer("0", vi("reports.ask.totalMembers"));
    await answerRest(chair, { members: "1030", workers: "1164" });
    await chair.answer(vi("reports.skip"), vi("reports.summary_title", { unit: UNIT, range }));
    await chair.choose(vi("reports.confirm"), vi("reports.saved_version", { unit: UNIT, range, version: 2 }));

    const rows = await prisma().weeklyReport.findMany({ where: { unitId }, orderBy: { version: "asc" } });
    expect(rows.map((r) => [r.version, r.isLatest, r.totalMembers])).toEqual([[1, false, 1028], [2, true, 1030]]);
    expect(await prisma().weeklyReport.count({ where: { unitId, weekStart: thisWeek, isLatest: true } })).toBe(1);
    expect(addWeeks(thisWeek, 1).getUTCDay()).toBe(1);
  });

  it("a reminder's button opens the form for an officer above the union, and for no officer outside it", async () => {
    const inside = { id: 4402, first_name: "Cán bộ" };
    const outside = { id: 4403, first_name: "Người ngoài" };
    await grant(prisma(), inside, "OFFICER", "LC-DK");
    const outsider = await grant(prisma(), outside, "OFFICER", "LC-TP");
    const insideChat = new Chat(h.fake, inside);
    const outsideChat = new Chat(h.fake, outside);

    // Buttons as a reminder would show them; the fake accepts any data on a message the bot sent.
    const helpIn = await insideChat.answer("/help", /./);
    h.fake.pressButton(inside, helpIn, `rep:${unitId}`, { allowUnknownData: true });
    await insideChat.expect(vi("reports.week_ask", { unit: UNIT }));

    const helpOut = await outsideChat.answer("/help", /./);
    const before = await prisma().weeklyReport.count();
    h.fake.pressButton(outside, helpOut, `rep:${unitId}`, { allowUnknownData: true });
    await outsideChat.expect(vi("reports.not_allowed"));
    h.fake.pressButton(outside, helpOut, "rep:no-such-unit", { allowUnknownData: true });
    await outsideChat.expect(vi("reports.not_allowed"));
    expect(await prisma().weeklyReport.count()).toBe(before);
    expect(await prisma().auditLog.count({ where: { actorId: outsider.id, action: "denied:report.submit", unitId } })).toBe(1);
  });
});
