// /targets on Telegram: an officer sees a unit of their subtree with this year's targets and the running campaign's
// (with its waves); a unit outside the scope and an unknown code get the same refusal; a chair sees their own union.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCampaign } from "../../src/drive/campaigns.ts";
import { loadDriveDemo } from "../../src/drive/demo.ts";
import { setTarget } from "../../src/drive/targets.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { formatCalendarDate, vietnamDay } from "../../src/shared/time.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const DAY = 24 * 60 * 60 * 1000;

describe("/targets", () => {
  let h: Harness;
  const { y, m, d } = vietnamDay(new Date());
  const today = Date.UTC(y, m - 1, d);
  const from = formatCalendarDate(new Date(today - 10 * DAY));
  const to = formatCalendarDate(new Date(today + 10 * DAY));

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    await loadDriveDemo(h.db.prisma);
    await grant(h.db.prisma, { id: 7501, first_name: "Cán bộ tỉnh" }, "OFFICER", "LC");
    await grant(h.db.prisma, { id: 7502, first_name: "Cán bộ Đoàn Kết" }, "OFFICER", "LC-DK");
    await grant(h.db.prisma, { id: 7503, first_name: "Chủ tịch" }, "CHAIR", "LC-PT-NN2");
    const lc = (await findUnitByCode(h.db.prisma, "LC"))!;
    const created = await createCampaign(h.db.prisma, { operator: true }, lc.id, {
      code: "LC-NOW",
      name: "Chiến dịch đang chạy",
      startsOn: from,
      endsOn: to,
      waves: [{ name: "Đợt duy nhất", startsOn: from, endsOn: to }],
    });
    if (!created.ok) throw new Error("campaign");
    const pt = (await findUnitByCode(h.db.prisma, "LC-PT"))!;
    await setTarget(h.db.prisma, { actorId: null, unitId: pt.id, period: { year: y }, metric: "NET_INCREASE", value: 1234 });
    await setTarget(h.db.prisma, { actorId: null, unitId: pt.id, period: { campaignId: created.campaignId }, metric: "NEW_MEMBERS", value: 30 });
  });
  afterAll(() => h?.close());

  it("shows an officer the targets of a unit in their subtree for this year and the running campaign", async () => {
    const officer = new Chat(h.fake, { id: 7501, first_name: "Cán bộ tỉnh" });
    await officer.send("/targets lc-pt");
    const msg = await officer.expect(vi("targets.chat.title", { unit: "Công đoàn xã Phong Thổ", code: "LC-PT" }));
    const text = msg.text ?? "";
    expect(text).toContain(vi("targets.chat.year", { year: y }));
    expect(text).toContain(vi("targets.chat.line", { metric: vi("targets.metrics.NET_INCREASE"), value: "1.234" }));
    expect(text).toContain(vi("targets.chat.campaign", { name: "Chiến dịch đang chạy", code: "LC-NOW", from, to }));
    expect(text).toContain(vi("targets.chat.line", { metric: vi("targets.metrics.NEW_MEMBERS"), value: "30" }));
    expect(text).toContain(vi("targets.chat.line", { metric: vi("targets.metrics.PARTY_INTRODUCTIONS"), value: vi("targets.chat.notSet") }));
  });

  it("gives an officer the same refusal for a unit outside their scope and for an unknown code", async () => {
    const officer = new Chat(h.fake, { id: 7502, first_name: "Cán bộ Đoàn Kết" });
    await officer.send("/targets LC-PT");
    await officer.expect(vi("targets.chat.notAllowed", { code: "LC-PT" }));
    await officer.send("/targets NOPE");
    await officer.expect(vi("targets.chat.notAllowed", { code: "NOPE" }));
    expect(await h.db.prisma.auditLog.count({ where: { action: "denied:target.view" } })).toBeGreaterThanOrEqual(1);
  });

  it("shows a chair their own union without a code", async () => {
    const chair = new Chat(h.fake, { id: 7503, first_name: "Chủ tịch" });
    await chair.send("/targets");
    await chair.expect(vi("targets.chat.title", { unit: "Công đoàn Công ty Cổ phần Thủy điện Nậm Na 2", code: "LC-PT-NN2" }));
  });
});
