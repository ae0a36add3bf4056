// "/report <unit code>": an upper-level officer reports for a grassroots union of their subtree without a reminder's
// button (saved with the officer as the submitter, through the same form and checks); an officer of another ward, a
// chair naming another union and an unknown code all get the same refusal, audited; /report without a code tells an
// officer how to name the union.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { weekRange } from "../../src/bot/reports/conversation.ts";
import { weekOf } from "../../src/drive/reports.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const UNIT = "Công đoàn Công ty Cổ phần Cao su Lai Châu";
const OFFICER = { id: 7801, first_name: "Cán bộ phường" };
const OFFICER_OUT = { id: 7802, first_name: "Cán bộ phường khác" };
const OTHER_CHAIR = { id: 7803, first_name: "Chủ tịch Agribank" };

describe("an officer's own /report <unit code>", { timeout: 120_000 }, () => {
  let h: Harness;
  let officerId = "";

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    officerId = (await grant(h.db.prisma, OFFICER, "OFFICER", "LC-DK")).id;
    await grant(h.db.prisma, OFFICER_OUT, "OFFICER", "LC-TP");
    await grant(h.db.prisma, OTHER_CHAIR, "CHAIR", "LC-DK-AGR");
  });
  afterAll(() => h?.close());

  it("reports for a union of the officer's subtree through the form", async () => {
    const officer = new Chat(h.fake, OFFICER);
    const range = weekRange(weekOf(new Date()));
    await officer.answer("/report lc-dk-cslc", vi("reports.week_ask", { unit: UNIT }));
    await officer.choose(vi("reports.week_this", { range }), vi("reports.ask.admitted"));
    await officer.answer("2", vi("reports.ask.reduced"));
    await officer.answer("0", vi("reports.ask.totalMembers"));
    await officer.answer("1029", vi("reports.ask.totalWorkers"));
    await officer.answer("1164", vi("reports.ask.partyIntroduced"));
    await officer.answer("0", vi("reports.ask.partyAdmitted"));
    await officer.answer("0", vi("reports.ask.propagandaSessions"));
    await officer.answer("0", vi("reports.ask.propagandaParticipants"));
    await officer.answer("0", vi("reports.ask.difficulties", { max: 1000 }));
    await officer.answer(vi("reports.skip"), vi("reports.summary_title", { unit: UNIT, range }));
    await officer.choose(vi("reports.confirm"), vi("reports.saved", { unit: UNIT, range }));
    const unit = (await findUnitByCode(h.db.prisma, "LC-DK-CSLC"))!;
    const saved = await h.db.prisma.weeklyReport.findMany({ where: { unitId: unit.id } });
    expect(saved).toMatchObject([{ version: 1, admitted: 2, totalMembers: 1029, submittedById: officerId }]);
  });

  it("refuses a union outside the scope and an unknown code alike, and audits both", async () => {
    const denied = () => h.db.prisma.auditLog.count({ where: { action: "denied:report.submit" } });
    const before = await denied();
    await new Chat(h.fake, OFFICER_OUT).answer("/report LC-DK-CSLC", vi("reports.not_allowed"));
    await new Chat(h.fake, OTHER_CHAIR).answer("/report LC-DK-CSLC", vi("reports.not_allowed"));
    await new Chat(h.fake, OFFICER).answer("/report KHONGCO", vi("reports.not_allowed"));
    expect(await denied()).toBe(before + 3);
  });

  it("tells an officer without a union of their own to name one", async () => {
    await new Chat(h.fake, OFFICER).answer("/report", vi("reports.not_chair"));
  });
});
