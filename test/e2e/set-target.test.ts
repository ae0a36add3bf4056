// Setting a target in chat (/set_target and the button under /targets): an officer of a ward sets a union's yearly
// target; a wrong value gets its own message and the question again; the summary warns when the ward's unions would
// together exceed the ward's own target, and when a unit is given less than its children already have; only the
// confirm writes (audited with the officer). The officer's own unit, units outside the subtree and chairs are refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCampaign } from "../../src/drive/campaigns.ts";
import { setTarget, targetsFor } from "../../src/drive/targets.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { formatCalendarDate, vietnamDay } from "../../src/shared/time.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const en = tFor("en");
const DAY = 86_400_000;
const OFFICER = { id: 7901, first_name: "Cán bộ phường" };
const OFFICER_EN = { id: 7902, first_name: "Officer", language_code: "en" };
const ADMIN = { id: 7903, first_name: "Quản trị" };
const CHAIR = { id: 7904, first_name: "Chủ tịch" };
const CSLC = { name: "Công đoàn Công ty Cổ phần Cao su Lai Châu", code: "LC-DK-CSLC" };
const AGR = { name: "Công đoàn Agribank Chi nhánh tỉnh Lai Châu", code: "LC-DK-AGR" };

describe("/set_target", () => {
  let h: Harness;
  const ids: Record<string, string> = {};
  const { y, m, d } = vietnamDay(new Date());
  const year = vi("targets.set.periodYear", { year: y });
  const metric = vi("targets.metrics.NET_INCREASE");
  let officerId = "";

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    officerId = (await grant(h.db.prisma, OFFICER, "OFFICER", "LC-DK")).id;
    await grant(h.db.prisma, OFFICER_EN, "OFFICER", "LC-DK");
    await grant(h.db.prisma, ADMIN, "ADMIN");
    await grant(h.db.prisma, CHAIR, "CHAIR", "LC-DK-CSLC");
    for (const code of ["LC", "LC-DK", CSLC.code, AGR.code]) ids[code] = (await findUnitByCode(h.db.prisma, code))!.id;
    await setTarget(h.db.prisma, { actorId: null, unitId: ids["LC-DK"]!, period: { year: y }, metric: "NET_INCREASE", value: 1000 });
    await setTarget(h.db.prisma, { actorId: null, unitId: ids[AGR.code]!, period: { year: y }, metric: "NET_INCREASE", value: 100 });
    const today = Date.UTC(y, m - 1, d);
    const created = await createCampaign(h.db.prisma, { operator: true }, ids.LC!, {
      code: "LC-NOW",
      name: "Chiến dịch đang chạy",
      startsOn: formatCalendarDate(new Date(today - 5 * DAY)),
      endsOn: formatCalendarDate(new Date(today + 5 * DAY)),
      waves: [{ name: "Đợt duy nhất", startsOn: formatCalendarDate(new Date(today - 5 * DAY)), endsOn: formatCalendarDate(new Date(today + 5 * DAY)) }],
    });
    if (!created.ok) throw new Error("campaign");
  });
  afterAll(() => h?.close());

  it("an officer sets a union's yearly target: bad values are asked again, the cascade warning shows, confirm writes", async () => {
    const officer = new Chat(h.fake, OFFICER);
    const periods = await officer.answer("/set_target lc-dk-cslc", vi("targets.set.askPeriod", { unit: CSLC.name, code: CSLC.code }));
    expect(periods.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual([
      year,
      vi("targets.set.periodYear", { year: y + 1 }),
      vi("targets.set.periodCampaign", { name: "Chiến dịch đang chạy", code: "LC-NOW" }),
    ]);
    await officer.choose(year, vi("targets.set.askMetric", { period: year }));
    const option = vi("targets.set.metricOption", { metric, value: vi("targets.chat.notSet") });
    const ask = vi("targets.set.askValue", { metric, unit: CSLC.name, period: year });
    await officer.choose(option, ask);

    const notNumber = await officer.answer("12x", vi("targets.set.errors.notNumber", { text: "12x" }));
    expect(notNumber.text).toContain(ask);
    await officer.answer("-3", vi("targets.set.errors.negative"));
    await officer.answer("99999999", vi("targets.set.errors.tooLarge", { max: "10.000.000" }));
    h.fake.sendSticker(OFFICER);
    await officer.expect(vi("form.text_expected"));

    const summary = await officer.answer("1.200", vi("targets.set.summary", { unit: CSLC.name, code: CSLC.code, period: year, metric }));
    expect(summary.text).toContain(vi("targets.set.change", { before: vi("targets.chat.notSet"), after: "1.200" }));
    expect(summary.text).toContain(vi("targets.warnings.exceedsParent", { parent: "LC-DK", metric, period: year, childrenSum: "1.300", parentValue: "1.000" }));
    expect(await targetsFor(h.db.prisma, ids[CSLC.code]!, { year: y })).toEqual([]);

    await officer.choose(vi("targets.set.edit"), ask);
    const fixed = await officer.answer("800", vi("targets.set.summary", { unit: CSLC.name, code: CSLC.code, period: year, metric }));
    expect(fixed.text).not.toContain(vi("targets.warnings.exceedsParent", { parent: "LC-DK", metric, period: year, childrenSum: "900", parentValue: "1.000" }).slice(0, 20));
    await officer.choose(vi("targets.set.confirm"), vi("targets.set.saved", { unit: CSLC.name, metric, period: year, value: "800" }));

    expect(await targetsFor(h.db.prisma, ids[CSLC.code]!, { year: y })).toEqual([{ metric: "NET_INCREASE", value: 800 }]);
    const audit = await h.db.prisma.auditLog.findFirstOrThrow({ where: { action: "target.set", unitId: ids[CSLC.code] } });
    expect(audit).toMatchObject({ actorId: officerId, after: { periodKey: `Y${y}`, metric: "NET_INCREASE", value: 800 } });
  });

  it("asks the unit when none is given, until it is one below the officer; in English for an English officer", async () => {
    const officer = new Chat(h.fake, OFFICER_EN, "en");
    await officer.answer("/set_target", en("targets.set.askUnit"));
    await officer.answer("LC DK", en("targets.set.errors.code", { text: "LC DK" }));
    await officer.answer("LC-DK", en("targets.set.notAllowed", { code: "LC-DK" }));
    await officer.expect(en("targets.set.askUnit"));
    await officer.answer("lc-dk-agr", en("targets.set.askPeriod", { unit: AGR.name, code: AGR.code }));
    await officer.choose(en("targets.set.periodYear", { year: y }), en("targets.set.askMetric", { period: en("targets.set.periodYear", { year: y }) }));
    await officer.choose(
      en("targets.set.metricOption", { metric: en("targets.metrics.NET_INCREASE"), value: "100" }),
      en("targets.set.askValue", { metric: en("targets.metrics.NET_INCREASE"), unit: AGR.name, period: en("targets.set.periodYear", { year: y }) }),
    );
    await officer.answer("abc", en("targets.set.errors.notNumber", { text: "abc" }));
    await officer.answer("100", en("targets.set.unchanged", { metric: en("targets.metrics.NET_INCREASE"), value: "100" }));
  });

  it("warns an admin giving a ward less than its unions already have, and writes nothing on cancel", async () => {
    const admin = new Chat(h.fake, ADMIN);
    const period = vi("targets.set.periodYear", { year: y });
    await admin.answer("/set_target LC-DK", vi("targets.set.askPeriod", { unit: "Công đoàn phường Đoàn Kết", code: "LC-DK" }));
    await admin.choose(period, vi("targets.set.askMetric", { period }));
    await admin.choose(vi("targets.set.metricOption", { metric, value: "1.000" }), vi("targets.set.askValue", { metric, unit: "Công đoàn phường Đoàn Kết", period }));
    const summary = await admin.answer("500", vi("targets.set.change", { before: "1.000", after: "500" }));
    expect(summary.text).toContain(vi("targets.warnings.childrenExceed", { unit: "LC-DK", metric, period, childrenSum: "900", value: "500" }));
    await admin.choose(vi("targets.set.cancel"), vi("targets.set.cancelled"));
    expect(await targetsFor(h.db.prisma, ids["LC-DK"]!, { year: y })).toEqual([{ metric: "NET_INCREASE", value: 1000 }]);
  });

  it("opens from the button under /targets, which only those who may set the unit's targets see", async () => {
    const officer = new Chat(h.fake, OFFICER);
    const view = await officer.answer(`/targets ${AGR.code}`, vi("targets.chat.title", { unit: AGR.name, code: AGR.code }));
    expect(view.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual([vi("targets.set.button")]);
    await officer.choose(vi("targets.set.button"), vi("targets.set.askPeriod", { unit: AGR.name, code: AGR.code }));
    await officer.answer("/cancel", vi("forms.target-set.cancelled"));

    const chair = new Chat(h.fake, CHAIR);
    const own = await chair.answer("/targets", vi("targets.chat.title", { unit: CSLC.name, code: CSLC.code }));
    expect(own.reply_markup).toBeUndefined();
    await chair.answer("/set_target", vi("targets.set.refused"));
    await chair.answer(`/set_target ${CSLC.code}`, vi("targets.set.notAllowed", { code: CSLC.code }));
    // The officer's own unit is set by the level above.
    await officer.answer("/set_target LC-DK", vi("targets.set.notAllowed", { code: "LC-DK" }));
  });
});
