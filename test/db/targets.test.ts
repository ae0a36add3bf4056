// Campaigns and targets against the store: the demo (seeds 000, 001, 004), setting and updating a target with its
// audit entry, the policy's scope (only the units below an officer's own), the cascade warning, and the import
// (all or nothing, idempotent, audited).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCampaign, findCampaignByCode } from "../../src/drive/campaigns.ts";
import { currentYearTargets, loadDriveDemo } from "../../src/drive/demo.ts";
import { LAI_CHAU_DEMO } from "../../src/organisation/demo/lai-chau.ts";
import { formatTargetImportErrors, importTargets, setTarget, targetsFor } from "../../src/drive/targets.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { writeXlsx } from "../../src/shared/spreadsheet.ts";
import { formatCalendarDate, vietnamDate } from "../../src/shared/time.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

let db: TestDatabase;
let officerLC: string;
let officerDK: string;
let chairId: string;
const ids: Record<string, string> = {};

const HEADER = "Mã đơn vị;Chỉ tiêu;Năm;Mã chiến dịch;Giá trị";
const file = (...lines: string[]) => ({ bytes: Buffer.from([HEADER, ...lines].join("\n"), "utf8"), name: "chi-tieu.csv" });

/** The demo is loaded "in 2024", so that its targets for the current year leave the 2026 ones of these tests alone. */
const DEMO_NOW = new Date(Date.UTC(2024, 5, 1));

beforeAll(async () => {
  db = await createTestDatabase();
  await loadDemo(db.prisma);
  await loadDriveDemo(db.prisma, DEMO_NOW);
  officerLC = (await grant(db.prisma, { id: 7401, first_name: "Officer LC" }, "OFFICER", "LC")).id;
  officerDK = (await grant(db.prisma, { id: 7402, first_name: "Officer DK" }, "OFFICER", "LC-DK")).id;
  chairId = (await grant(db.prisma, { id: 7403, first_name: "Chair" }, "CHAIR", "LC-DK-CSLC")).id;
  for (const code of ["LC", "LC-DK", "LC-TP", "LC-PT", "LC-DK-CSLC", "LC-DK-AGR"]) ids[code] = (await findUnitByCode(db.prisma, code))!.id;
});
afterAll(async () => db?.destroy());

describe("demo", () => {
  it("loads the Tháng cao điểm 2026 campaign with its two waves and the plans' targets; loading again changes nothing", async () => {
    await loadDriveDemo(db.prisma, DEMO_NOW);
    const campaign = await findCampaignByCode(db.prisma, "LC-TCD-2026");
    expect(campaign?.issuingUnitId).toBe(ids.LC);
    expect(campaign?.waves.map((w) => [formatCalendarDate(w.startsOn), formatCalendarDate(w.endsOn)])).toEqual([
      ["01/05/2026", "31/05/2026"],
      ["01/07/2026", "28/07/2026"],
    ]);
    expect(await db.prisma.campaign.count()).toBe(1);
    expect(await targetsFor(db.prisma, ids.LC!, { year: 2025 })).toEqual([{ metric: "NET_INCREASE", value: 1810 }]);
    expect(await targetsFor(db.prisma, ids["LC-PT"]!, { year: 2026 })).toEqual([
      { metric: "NEW_MEMBERS", value: 50 },
      { metric: "NEW_GRASSROOTS", value: 1 },
      { metric: "PARTY_INTRODUCTIONS", value: 94 },
    ]);
  });

  it("sets net-increase targets for the current year (in Vietnam), so that the first /summary has bars", async () => {
    const now = DEMO_NOW;
    const year = vietnamDate(now).getUTCFullYear();
    expect(year).toBe(2024);
    const expected = currentYearTargets(now);
    // Every unit of the demo tree, the province's the sum of its unions'.
    expect(expected).toHaveLength(LAI_CHAU_DEMO.length);
    const lc = expected.find((t) => t.unitCode === "LC")!;
    expect(lc.period).toEqual({ year });
    const children = expected.filter((t) => LAI_CHAU_DEMO.find((u) => u.code === t.unitCode)?.parentCode === "LC");
    expect(children.reduce((s, t) => s + t.value, 0)).toBe(lc.value);
    for (const code of ["LC", "LC-DK", "LC-DK-CSLC", "LC-TP"]) {
      const set = await targetsFor(db.prisma, ids[code]!, { year });
      expect(set.find((t) => t.metric === "NET_INCREASE")?.value, code).toBe(expected.find((t) => t.unitCode === code)!.value);
    }
    // New Year's Eve, 17:00 UTC: already the next year in Vietnam.
    expect(currentYearTargets(new Date(Date.UTC(2030, 11, 31, 17, 0)))[0]?.period).toEqual({ year: 2031 });
  });
});

describe("createCampaign", () => {
  const waves = [
    { name: "Đợt 1", startsOn: "01/05/2027", endsOn: "31/05/2027" },
    { name: "Đợt 2", startsOn: "20/05/2027", endsOn: "30/06/2027" },
  ];

  it("refuses overlapping waves, waves outside the campaign and impossible dates, saying which", async () => {
    const result = await createCampaign(db.prisma, { personId: officerDK }, ids["LC-DK"]!, {
      code: "dk-2027",
      name: "Chiến dịch 2027",
      startsOn: "01/05/2027",
      endsOn: "15/06/2027",
      waves,
    });
    expect(result.ok).toBe(false);
    const keys = !result.ok && result.reason === "invalid" ? result.errors.map((e) => e.key) : [];
    expect(keys).toEqual(expect.arrayContaining(["targets.campaign.errors.waveOutside", "targets.campaign.errors.wavesOverlap"]));
    const bad = await createCampaign(db.prisma, { personId: officerDK }, ids["LC-DK"]!, { code: "X", name: "X", startsOn: "31/02/2027", endsOn: "01/03/2027", waves });
    expect(!bad.ok && bad.reason === "invalid" && bad.errors.some((e) => e.key === "targets.campaign.errors.date" && e.params?.value === "31/02/2027")).toBe(true);
    expect(await db.prisma.campaign.count()).toBe(1);
  });

  it("lets an officer create one for their unit, audited; an officer below the issuer is refused", async () => {
    const input = { code: "dk-2027", name: "Chiến dịch 2027", startsOn: "01/05/2027", endsOn: "30/06/2027", waves };
    expect(await createCampaign(db.prisma, { personId: officerDK }, ids.LC!, input)).toEqual({ ok: false, reason: "denied" });
    const ok = await createCampaign(db.prisma, { personId: officerDK }, ids["LC-DK"]!, { ...input, waves: [waves[0]!, { ...waves[1]!, startsOn: "01/06/2027" }] });
    expect(ok.ok).toBe(true);
    expect(await db.prisma.auditLog.count({ where: { action: "campaign.create", actorId: officerDK } })).toBe(1);
    expect(await db.prisma.auditLog.count({ where: { action: "denied:campaign.manage", actorId: officerDK } })).toBe(1);
    expect(await createCampaign(db.prisma, { personId: officerDK }, ids["LC-DK"]!, { ...input, waves: [waves[0]!] })).toEqual({ ok: false, reason: "codeTaken" });
  });
});

describe("setTarget", () => {
  it("sets and updates a target below the officer's unit, auditing before and after", async () => {
    const first = await setTarget(db.prisma, { actorId: officerLC, unitId: ids["LC-DK"]!, period: { year: 2025 }, metric: "NET_INCREASE", value: 600 });
    expect(first).toEqual({ ok: true, changed: true, before: null, after: 600 });
    const second = await setTarget(db.prisma, { actorId: officerLC, unitId: ids["LC-DK"]!, period: { year: 2025 }, metric: "NET_INCREASE", value: 650 });
    expect(second).toEqual({ ok: true, changed: true, before: 600, after: 650 });
    const same = await setTarget(db.prisma, { actorId: officerLC, unitId: ids["LC-DK"]!, period: { year: 2025 }, metric: "NET_INCREASE", value: 650 });
    expect(same).toMatchObject({ ok: true, changed: false });
    expect(await targetsFor(db.prisma, ids["LC-DK"]!, { year: 2025 })).toEqual([{ metric: "NET_INCREASE", value: 650 }]);
    const audit = await db.prisma.auditLog.findMany({ where: { action: "target.set", actorId: officerLC }, orderBy: { at: "asc" } });
    expect(audit.map((a) => [a.before, a.after])).toEqual([
      [null, { periodKey: "Y2025", metric: "NET_INCREASE", value: 600 }],
      [{ periodKey: "Y2025", metric: "NET_INCREASE", value: 600 }, { periodKey: "Y2025", metric: "NET_INCREASE", value: 650 }],
    ]);
  });

  it("refuses an officer's own unit, a unit outside their subtree and a chair, and audits the refusals", async () => {
    const set = (actorId: string, code: string) => setTarget(db.prisma, { actorId, unitId: ids[code]!, period: { year: 2026 }, metric: "NEW_MEMBERS", value: 5 });
    expect(await set(officerDK, "LC-DK")).toEqual({ ok: false, reason: "denied" });
    expect(await set(officerDK, "LC-TP")).toEqual({ ok: false, reason: "denied" });
    expect(await set(chairId, "LC-DK-CSLC")).toEqual({ ok: false, reason: "denied" });
    expect(await targetsFor(db.prisma, ids["LC-DK"]!, { year: 2026 })).toEqual([]);
    expect(await db.prisma.auditLog.count({ where: { action: "denied:target.set", actorId: { in: [officerDK, chairId] } } })).toBe(3);
    expect(await set(officerDK, "LC-DK-CSLC")).toMatchObject({ ok: true, changed: true });
  });

  it("warns when the children's targets add up to more than the parent's", async () => {
    // LC 2025 net increase: 1,810 (demo). LC-DK already has 650.
    const ok = await setTarget(db.prisma, { actorId: officerLC, unitId: ids["LC-TP"]!, period: { year: 2025 }, metric: "NET_INCREASE", value: 1160 });
    expect(ok).toMatchObject({ ok: true, changed: true });
    expect(ok.ok && ok.warning).toBeFalsy(); // 650 + 1160 = 1810: exactly the parent's
    const over = await setTarget(db.prisma, { actorId: officerLC, unitId: ids["LC-TP"]!, period: { year: 2025 }, metric: "NET_INCREASE", value: 1200 });
    expect(over).toMatchObject({ ok: true, changed: true, warning: { exceedsParent: { parentUnitId: ids.LC, parentValue: 1810, childrenSum: 1850 } } });
  });

  it("takes a campaign period only for units under the campaign's issuer", async () => {
    const campaign = (await findCampaignByCode(db.prisma, "LC-TCD-2026"))!;
    const ok = await setTarget(db.prisma, { actorId: officerLC, unitId: ids["LC-PT"]!, period: { campaignId: campaign.id }, metric: "NEW_MEMBERS", value: 20 });
    expect(ok).toMatchObject({ ok: true });
    // (The demo already gives LC-PT a net-increase target for this campaign.)
    expect(await targetsFor(db.prisma, ids["LC-PT"]!, { campaignId: campaign.id })).toEqual([{ metric: "NEW_MEMBERS", value: 20 }, { metric: "NET_INCREASE", value: 20 }]);
    const dk = (await findCampaignByCode(db.prisma, "DK-2027"))!;
    expect(await setTarget(db.prisma, { actorId: null, unitId: ids["LC-TP"]!, period: { campaignId: dk.id }, metric: "NEW_MEMBERS", value: 1 })).toEqual({ ok: false, reason: "campaignNotForUnit" });
    expect(await setTarget(db.prisma, { actorId: null, unitId: ids["LC-TP"]!, period: { year: 2026 }, metric: "NEW_MEMBERS", value: -1 })).toEqual({ ok: false, reason: "invalidValue" });
  });
});

describe("importTargets", () => {
  const t = tFor("vi");

  it("writes nothing when one line is wrong, and says which line and why", async () => {
    const before = await db.prisma.target.count();
    const result = await importTargets(db.prisma, { personId: officerLC }, file(
      "LC-DK-CSLC;Kết nạp đoàn viên mới;2026;;120",
      "LC-DK-AGR;thuc tang;2026;;abc",
      "LC-XX;Thực tăng đoàn viên;2026;;10",
      "LC-DK-AGR;Giới thiệu cho Đảng;;LC-TCD-2026;3",
    ));
    expect(result.written).toBe(false);
    expect(formatTargetImportErrors(t, result.errors)).toEqual([
      "Dòng 3: giá trị \"abc\" phải là số nguyên không âm.",
      "Dòng 4: không có đơn vị mã LC-XX.",
    ]);
    expect(await db.prisma.target.count()).toBe(before);
  });

  it("refuses lines outside the officer's scope (their own unit included) and audits the refusal", async () => {
    const result = await importTargets(db.prisma, { personId: officerDK }, file("LC-DK;Thực tăng đoàn viên;2026;;10", "LC-DK-AGR;Thực tăng đoàn viên;2026;;10"));
    expect(result.written).toBe(false);
    expect(result.errors.map((e) => `${e.line}:${e.key}`)).toEqual(["2:targets.import.errors.outsideScope"]);
    expect(await db.prisma.auditLog.count({ where: { action: "denied:target.set", targetType: "TargetFile", actorId: officerDK } })).toBe(1);
  });

  it("imports a good file, warns on the cascade, and a second import changes nothing", async () => {
    const f = file(
      "LC-DK;Thực tăng đoàn viên;;LC-TCD-2026;100",
      "LC-DK-CSLC;Thực tăng đoàn viên;;LC-TCD-2026;80",
      "LC-DK-AGR;net increase;;lc-tcd-2026;40",
      "LC-DK-AGR;Kết nạp đoàn viên mới;2026;;1.200",
    );
    const result = await importTargets(db.prisma, { personId: officerLC }, f);
    // LC-DK's campaign target comes with the demo (60): updated; the other three are new.
    expect(result).toMatchObject({ errors: [], created: 3, updated: 1, unchanged: 0, written: true });
    expect(result.warnings).toEqual([
      { exceedsParent: { parentUnitId: ids["LC-DK"], parentValue: 100, childrenSum: 120 }, metric: "NET_INCREASE", parentCode: "LC-DK", period: "LC-TCD-2026" },
    ]);
    expect(await targetsFor(db.prisma, ids["LC-DK-AGR"]!, { year: 2026 })).toEqual([{ metric: "NEW_MEMBERS", value: 1200 }]);
    const count = await db.prisma.target.count();
    const again = await importTargets(db.prisma, { personId: officerLC }, f);
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 4, written: true });
    expect(await db.prisma.target.count()).toBe(count);
    const audit = await db.prisma.auditLog.findMany({ where: { action: "target.import", actorId: officerLC }, orderBy: { at: "asc" } });
    expect(audit.map((a) => a.after)).toEqual([
      { fileName: "chi-tieu.csv", created: 3, updated: 1, unchanged: 0 },
      { fileName: "chi-tieu.csv", created: 0, updated: 0, unchanged: 4 },
    ]);
  });

  it("reads an Excel file (numbers as numbers)", async () => {
    const columns = ["Mã đơn vị", "Chỉ tiêu", "Năm", "Giá trị"].map((header, i) => ({ header, key: `c${i}` }));
    const bytes = await writeXlsx([{ name: "Chỉ tiêu", columns, rows: [{ c0: "LC-YT", c1: "Thành lập CĐCS mới", c2: 2026, c3: 2 }] }]);
    const result = await importTargets(db.prisma, { operator: true }, { bytes, name: "chi-tieu.xlsx" });
    expect(result).toMatchObject({ errors: [], created: 1, written: true });
    const yt = (await findUnitByCode(db.prisma, "LC-YT"))!;
    expect(await targetsFor(db.prisma, yt.id, { year: 2026 })).toEqual([{ metric: "NEW_GRASSROOTS", value: 2 }]);
  });
});
