// A chair sees their own work at once: a member admitted in the bot, or a leaving recorded in /members, counts in
// the union's live figures (marked as recorded by the bot) before any weekly report; the week's report then
// replaces those numbers, so nothing is counted twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prefill, submitReport, suggestedDraft, weekOf, type ReportDraft } from "../../src/drive/reports.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { recordLeaving } from "../../src/membership/members.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { vietnamDate } from "../../src/shared/time.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const CHAIR = { id: 9101 };
const OFFICER = { id: 9102 };
const CSLC = "Công đoàn Công ty Cổ phần Cao su Lai Châu";

describe("live figures: what the bot recorded counts at once", () => {
  let h: Harness;
  let chairId: string;
  // The year of this week's Monday: the week the records below fall in (right even in the first days of January).
  const year = new Date(weekOf(Date.now())).getUTCFullYear();
  beforeAll(async () => {
    h = await startHarness();
    await loadDemo(h.db.prisma);
    chairId = (await grant(h.db.prisma, CHAIR, "CHAIR", "LC-DK-CSLC")).id;
    await grant(h.db.prisma, OFFICER, "OFFICER", "LC-DK");
  });
  afterAll(() => h?.close());

  /** The summary's total line for these numbers (no target set, so no %). */
  const total = (admitted: number, reduced: number) =>
    vi("summary.chat.total", { target: vi("summary.chat.noTarget"), admitted: String(admitted), reduced: String(reduced), net: String(admitted - reduced), percent: "–" });

  async function summaryOf(user: { id: number }, code: string) {
    const chat = new Chat(h.fake, user);
    chat.send(`/summary ${code} ${year}`);
    return (await chat.expect(vi("summary.chat.title", { unit: code === "LC-DK" ? "Công đoàn phường Đoàn Kết" : CSLC, code }))).text ?? "";
  }

  /** The chair's report for this week, pre-filled from the bot's records, with `admitted` changed if given. */
  async function reportThisWeek(admitted?: number) {
    const unit = (await findUnitByCode(h.db.prisma, "LC-DK-CSLC"))!;
    const weekStart = new Date(weekOf(Date.now()));
    const context = (await prefill(h.db.prisma, unit.id, weekStart))!;
    const suggested = suggestedDraft(context);
    const draft = { ...suggested, reductions: suggested.reduced ? { LEFT_COMPANY: suggested.reduced } : {}, difficulties: null } as ReportDraft;
    if (admitted !== undefined) {
      draft.totalMembers += admitted - draft.admitted;
      draft.admitted = admitted;
    }
    const saved = await submitReport(h.db.prisma, { actorId: chairId, unitId: unit.id, weekStart, draft });
    expect(saved.kind).toBe("saved");
  }

  it("counts an admission in chat and a leaving recorded in the bot, then lets the week's report replace them", async () => {
    // Before anything: nothing admitted.
    expect(await summaryOf(CHAIR, "LC-DK-CSLC")).toContain(total(0, 0));

    // A worker applies through the poster link and the chair admits in chat.
    const worker = new Chat(h.fake, { id: 9103, language_code: "vi" });
    worker.send("/start LC-DK-CSLC");
    await worker.expect(vi("join.language.ask"));
    await worker.choose("Tiếng Việt", vi("join.consent.question"));
    await worker.choose(vi("join.consent.agree"), vi("join.fields.fullName.ask"));
    await worker.answer("Lù Văn Sáng", vi("join.fields.birthDate.ask"));
    await worker.answer("02/03/1996", vi("join.fields.sex.ask"));
    await worker.choose(vi("join.fields.sex.MALE"), vi("join.fields.phone.ask"));
    await worker.answer("0914 222 333", vi("join.fields.nationality.ask"));
    await worker.choose(vi("join.fields.nationality.VIETNAMESE"), CSLC);
    await worker.choose(vi("join.fields.workplace.confirm_yes"), vi("join.fields.jobPosition.ask"));
    await worker.answer("Công nhân", vi("join.fields.ethnicity.consent").slice(0, 40));
    await worker.choose(vi("join.fields.ethnicity.skip"), vi("join.summary.title"));
    await worker.choose(vi("join.summary.submit"), /HS-\d{6}/);
    const chair = new Chat(h.fake, CHAIR);
    await chair.expect(vi("decision.new_application"));
    chair.press(vi("decision.approve"));
    await worker.expect(vi("decision.approved_applicant"));

    // The defect: "joined through the bot: 1" while the net increase read 0. Now it counts, marked as the bot's.
    let text = await summaryOf(CHAIR, "LC-DK-CSLC");
    expect(text).toContain(total(1, 0));
    expect(text).toContain(vi("summary.chat.botRecorded", { admitted: "1", reduced: "0" }));
    expect(text).toMatch(/^\s+–\s+1\s+–\s+\*$/m);
    // The officer above sees it rolled up.
    text = await summaryOf(OFFICER, "LC-DK");
    expect(text).toContain(total(1, 0));
    expect(text).toContain(vi("summary.chat.botRecorded", { admitted: "1", reduced: "0" }));

    // The chair records a long-standing member leaving today: reduced at once.
    const old = await h.db.prisma.member.create({
      data: { unitId: (await findUnitByCode(h.db.prisma, "LC-DK-CSLC"))!.id, fullName: "Hà Thị Dung", source: "IMPORT", joinedAt: new Date("2019-03-01T03:00:00Z") },
    });
    const left = await recordLeaving(h.db.prisma, { actorId: chairId, memberId: old.id, reason: "LEFT_COMPANY", leftOn: vietnamDate(new Date()) });
    expect(left.ok).toBe(true);
    text = await summaryOf(CHAIR, "LC-DK-CSLC");
    expect(text).toContain(total(1, 1));
    expect(text).toContain(vi("summary.chat.botRecorded", { admitted: "1", reduced: "1" }));

    // The week's report, pre-filled from the same records: the same numbers, not twice; no longer the bot's.
    await reportThisWeek();
    text = await summaryOf(CHAIR, "LC-DK-CSLC");
    expect(text).toContain(total(1, 1));
    expect(text).not.toContain(vi("summary.chat.botRecorded", { admitted: "1", reduced: "1" }));
    // A new version saying 4 were admitted (three on paper forms): the report's number counts, not 4 + 1.
    await reportThisWeek(4);
    expect(await summaryOf(OFFICER, "LC-DK")).toContain(total(4, 1));
  });
});
