// /summary and /export on Telegram with the Lai Châu demo (campaign LC-TCD-2026 with its targets and award tiers) and
// a few weeks of reports: the table shows the numbers a person computes by hand from the reports below (target,
// admitted, reduced, net increase, %, ranking, who is behind, who earns an award), the chart comes with it, drill-down
// works, chairs see their own union only, other units are refused; the Excel export opens with the same numbers,
// Vietnamese headers, dd/mm/yyyy dates and formula injection neutralised; CSV has the BOM; personal columns only
// for roles allowed; every export is audited.
import ExcelJS from "exceljs";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDriveDemo, DEMO_TARGETS, DEMO_CAMPAIGN } from "../../src/drive/demo.ts";
import { prefill, submitReport, type ReportDraft } from "../../src/drive/reports.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { LAI_CHAU_DEMO } from "../../src/organisation/demo/lai-chau.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { vietnamDate } from "../../src/shared/time.ts";
import { awardsSchema, evaluateAward } from "../../src/summary/awards.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const users = {
  admin: { id: 8801, first_name: "Quản trị" },
  officerLC: { id: 8802, first_name: "Cán bộ tỉnh" },
  officerDK: { id: 8803, first_name: "Cán bộ Đoàn Kết" },
  chair: { id: 8804, first_name: "Chủ tịch CĐCS" },
} satisfies Record<string, TestUser>;

/** The reports of the test, as a chair would submit them: unit, week (Monday), admitted, reduced. */
const REPORTS: { unit: string; week: string; admitted: number; reduced: number; partyIntroduced?: number; newGrassroots?: number }[] = [
  { unit: "LC-DK-CSLC", week: "2026-05-04", admitted: 40, reduced: 2 },
  // Submitted twice for the same week: only the second version counts.
  { unit: "LC-DK-CSLC", week: "2026-05-11", admitted: 10, reduced: 0 },
  { unit: "LC-DK-CSLC", week: "2026-05-11", admitted: 30, reduced: 1 },
  { unit: "LC-DK-AGR", week: "2026-07-27", admitted: 10, reduced: 5 },
  { unit: "LC-TP-DL", week: "2026-05-18", admitted: 45, reduced: 2 },
  { unit: "LC-PT-NN2", week: "2026-05-04", admitted: 12, reduced: 0 },
  // The commune union's own report: its new CĐCS count; its member numbers repeat its unions' and are not added.
  { unit: "LC-PT", week: "2026-05-04", admitted: 7, reduced: 0, newGrassroots: 1 },
  { unit: "LC-BL-CHE", week: "2026-07-27", admitted: 17, reduced: 0 },
  { unit: "LC-GD-LQD", week: "2026-05-11", admitted: 0, reduced: 0, partyIntroduced: 2 },
  { unit: "LC-YT-BVDK", week: "2026-07-27", admitted: 13, reduced: 0 },
  { unit: "LC-BD", week: "2026-07-27", admitted: 5, reduced: 0 },
  // Outside the campaign (its Monday is before 01/05/2026): not counted.
  { unit: "LC-TU-CHE", week: "2026-04-27", admitted: 9, reduced: 0 },
];

/** Members admitted in the bot (10:00 Vietnam time that day), with how their application came in. */
const BOT_MEMBERS: { unit: string; name: string; source?: string; day: string }[] = [
  // Its week (from 04/05) has CSLC's report: the report counts, not this record.
  { unit: "LC-DK-CSLC", name: "Lò Thị Hoa", source: "LC-DK-CSLC", day: "2026-05-06" }, // through the union's poster
  // Weeks with no report of their union: counted from the bot, at once.
  { unit: "LC-DK-CSLC", name: '=HYPERLINK("http://evil.example","Bấm vào")', source: "inv_abcdef", day: "2026-05-20" }, // an invite link
  { unit: "LC-TP-DL", name: "Tẩn Văn Phin", day: "2026-06-02" }, // no link
  // After the campaign: not counted.
  { unit: "LC-TP-DL", name: "Giàng A Lử", day: "2026-08-15" },
];
/** The Monday of a day's week, as yyyy-mm-dd. */
const mondayOf = (day: string) => {
  const d = new Date(`${day}T00:00:00Z`);
  return new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
};

const demo = new Map(LAI_CHAU_DEMO.map((u) => [u.code, u]));
const GRASSROOTS = new Set(LAI_CHAU_DEMO.filter((u) => u.type === "GRASSROOTS" || u.type === "FREELANCE_GRASSROOTS").map((u) => u.code));
/** The child of `top` on the way down to `code`. */
function childOf(top: string, code: string): string | undefined {
  let at: string | undefined = code;
  while (at && demo.get(at)?.parentCode !== top) at = demo.get(at)?.parentCode;
  return at;
}
const campaignTarget = (code: string) =>
  DEMO_TARGETS.find((t) => t.unitCode === code && "campaignCode" in t.period && t.period.campaignCode === "LC-TCD-2026")?.value ?? null;

/**
 * By hand: the latest version per unit and week, grassroots unions only, Mondays within 01/05–31/07/2026; plus the
 * members admitted in the bot in weeks (Mondays within the campaign) their union has not reported.
 */
function expectedFor(top: string) {
  const latest = new Map<string, (typeof REPORTS)[number]>();
  for (const r of REPORTS) latest.set(`${r.unit}|${r.week}`, r);
  const counted = [...latest.values()].filter((r) => r.week >= "2026-05-01" && r.week <= "2026-07-31");
  const children = LAI_CHAU_DEMO.filter((u) => u.parentCode === top).map((u) => u.code);
  const rows = children.map((code) => {
    const mine = counted.filter((r) => GRASSROOTS.has(r.unit) && childOf(top, r.unit) === code);
    const byBot = BOT_MEMBERS.filter(
      (m) => childOf(top, m.unit) === code && mondayOf(m.day) >= "2026-05-01" && mondayOf(m.day) <= "2026-07-31" && !latest.has(`${m.unit}|${mondayOf(m.day)}`),
    ).length;
    const admitted = mine.reduce((s, r) => s + r.admitted, 0) + byBot;
    const reduced = mine.reduce((s, r) => s + r.reduced, 0);
    const target = campaignTarget(code);
    const net = admitted - reduced;
    const percent = target ? Math.round((net * 1000) / target) / 10 : null;
    return { code, name: demo.get(code)!.name, target, admitted, reduced, net, percent, byBot };
  });
  rows.sort((a, b) => (b.percent ?? -1) - (a.percent ?? -1) || b.net - a.net || a.name.localeCompare(b.name, "vi"));
  return rows;
}

let h: Harness;

async function report(unitCode: string, week: string, numbers: { admitted: number; reduced: number; partyIntroduced?: number; newGrassroots?: number }) {
  const prisma = h.db.prisma;
  const unit = (await findUnitByCode(prisma, unitCode))!;
  const officer = await prisma.roleGrant.findFirstOrThrow({ where: { role: "ADMIN" } });
  const weekStart = new Date(`${week}T00:00:00Z`);
  const context = (await prefill(prisma, unit.id, weekStart))!;
  const start = context.membersAtStart ?? 0;
  const totalMembers = start + numbers.admitted - numbers.reduced;
  const draft: ReportDraft = {
    admitted: numbers.admitted,
    reduced: numbers.reduced,
    reductions: numbers.reduced > 0 ? { LEFT_COMPANY: numbers.reduced } : {},
    totalMembers,
    totalWorkers: Math.max(totalMembers, unit.type === "GRASSROOTS" ? (demo.get(unitCode)?.workerCount ?? 0) : totalMembers),
    newGrassroots: numbers.newGrassroots ?? 0,
    newGrassrootsWorkers: numbers.newGrassroots ? 30 : 0,
    newGrassrootsMembers: numbers.newGrassroots ? 25 : 0,
    partyIntroduced: numbers.partyIntroduced ?? 0,
    partyAdmitted: 0,
    propagandaSessions: 0,
    propagandaParticipants: 0,
    difficulties: null,
  };
  const saved = await submitReport(prisma, { actorId: officer.personId, unitId: unit.id, weekStart, draft });
  if (saved.kind !== "saved") throw new Error(`report ${unitCode} ${week}: ${JSON.stringify(saved)}`);
}

let n = 0;
async function application(unitCode: string, fullName: string, source?: string) {
  const i = ++n;
  const filed = await fileApplication(h.db.prisma, { channel: "TELEGRAM", externalId: `sum-${i}`, chatId: `${99000 + i}` }, unitCode, {
    fullName,
    sex: "FEMALE",
    phone: `+8497${String(1000000 + i)}`,
    source,
  });
  return { unit: (await findUnitByCode(h.db.prisma, unitCode))!, personId: filed.personId, applicationId: filed.applicationId };
}

/** A member admitted through the bot on a day of the campaign (joined 10:00 Vietnam time). */
async function botMember(unitCode: string, fullName: string, source: string | undefined, day: string) {
  const { unit, personId, applicationId } = await application(unitCode, fullName, source);
  await h.db.prisma.application.update({ where: { id: applicationId }, data: { status: "APPROVED", decidedAt: new Date(`${day}T03:00:00Z`) } });
  await h.db.prisma.member.create({
    data: { personId, unitId: unit.id, applicationId, fullName, searchName: fullName.toLowerCase(), source: "BOT", joinedAt: new Date(`${day}T03:00:00Z`) },
  });
}

beforeAll(async () => {
  h = await startHarness({ logLevel: "warn" });
  const prisma = h.db.prisma;
  await loadDemo(prisma);
  await loadDriveDemo(prisma);
  await grant(prisma, users.admin, "ADMIN");
  await grant(prisma, users.officerLC, "OFFICER", "LC");
  await grant(prisma, users.officerDK, "OFFICER", "LC-DK");
  await grant(prisma, users.chair, "CHAIR", "LC-DK-CSLC");
  for (const r of REPORTS) await report(r.unit, r.week, r);
  for (const m of BOT_MEMBERS) await botMember(m.unit, m.name, m.source, m.day);
  await application("LC-TP-NS", "Vàng Thị Mai"); // pending
});
afterAll(() => h?.close());

const uploadsTo = (user: TestUser, since: number) => h.fake.uploads.slice(since).filter((u) => u.chatId === String(user.id));

/** The short names the table shows (written out by hand: "Công đoàn phường Đoàn Kết" → "Phường Đoàn Kết"). */
const SHORT: Record<string, string> = {
  "LC-TP": "Phường Tân Phong",
  "LC-DK": "Phường Đoàn Kết",
  "LC-PT": "Xã Phong Thổ",
  "LC-BL": "Xã Bình Lư",
  "LC-TU": "Xã Than Uyên",
  "LC-SH": "Xã Sìn Hồ",
  "LC-GD": "Ngành Giáo dục tỉnh Lai Châu",
  "LC-YT": "Ngành Y tế tỉnh Lai Châu",
  "LC-BD": "Bưu điện tỉnh Lai Châu",
  "LC-DK-CSLC": "CTCP Cao su Lai Châu",
  "LC-DK-AGR": "Agribank CN tỉnh Lai Châu",
};

/** The table's units (inside <pre>): a line with the rank and the unit's name, then a line with its numbers. */
function tableRows(text: string): { rank: string; name: string; cells: string[]; lines: [string, string] }[] {
  const lines = text.split("\n").map((l) => l.replace(/<\/?pre>/g, ""));
  const rows: { rank: string; name: string; cells: string[]; lines: [string, string] }[] = [];
  lines.forEach((line, i) => {
    const m = /^(\d+|-)\s+(\S.*)$/.exec(line);
    const next = lines[i + 1];
    if (m && next?.startsWith("   ")) rows.push({ rank: m[1]!, name: m[2]!, cells: next.trim().split(/\s+/), lines: [line, next] });
  });
  return rows;
}

/** A unit's row: its rank and numbers (target, net increase, % with its mark). */
function tableLine(text: string, code: string): string[] | undefined {
  const row = tableRows(text).find((r) => r.name === (SHORT[code] ?? code));
  return row && [row.rank, ...row.cells];
}

describe("/summary", () => {
  it("shows the province's units ranked with the numbers computed by hand, behind, awards, totals, and a chart", async () => {
    const admin = new Chat(h.fake, users.admin);
    const since = h.fake.uploads.length;
    admin.send("/summary LC LC-TCD-2026");
    const msg = await admin.expect(vi("summary.chat.title", { unit: "Liên đoàn Lao động tỉnh Lai Châu", code: "LC" }));
    const text = msg.text ?? "";
    const expected = expectedFor("LC");
    // Hand check of the fixture itself, so the expectation cannot drift with the code under test.
    expect(expected.find((r) => r.code === "LC-DK")).toMatchObject({ target: 60, admitted: 81, reduced: 8, net: 73, percent: 121.7, byBot: 1 });
    expect(expected.find((r) => r.code === "LC-TP")).toMatchObject({ admitted: 46, net: 44, byBot: 1 });
    expect(expected.find((r) => r.code === "LC-PT")).toMatchObject({ admitted: 12, net: 12, percent: 60 });
    expect(expected.find((r) => r.code === "LC-TU")).toMatchObject({ admitted: 0, net: 0, percent: 0 });

    const config = awardsSchema.parse(DEMO_CAMPAIGN.awards);
    expected.forEach((row, i) => {
      const award = evaluateAward(config, row.code, { target: row.target, net: row.net });
      const behind = row.target !== null && row.net < row.target;
      const mark = `${behind ? "!" : ""}${award?.qualifies ? "★" : ""}${row.byBot > 0 ? "*" : ""}`;
      const cells = [String(i + 1), String(row.target ?? "–"), String(row.net), row.percent === null ? "–" : String(Math.round(row.percent))];
      expect(tableLine(text, row.code), row.code).toEqual(mark ? [...cells, mark] : cells);
    });
    expect(expected.map((r) => r.code)).toEqual(["LC-DK", "LC-BL", "LC-TP", "LC-BD", "LC-PT", "LC-YT", "LC-GD", "LC-SH", "LC-TU"]);

    const admitted = expected.reduce((s, r) => s + r.admitted, 0);
    const reduced = expected.reduce((s, r) => s + r.reduced, 0);
    expect([admitted, reduced]).toEqual([174, 10]);
    expect(text).toContain(vi("summary.chat.total", { target: "300", admitted: "174", reduced: "10", net: "164", percent: "54,7 %" }));
    // Marked as recorded by the bot, and how much of it.
    expect(text).toContain(vi("summary.chat.botRecorded", { admitted: "2", reduced: "0" }));
    expect(text).toContain(vi("summary.chat.extra", { newGrassroots: "1", party: "2", pending: "1" }));
    expect(text).toContain(vi("summary.chat.bot", { joined: "3", poster: "1", link: "1" }));
    // Last week of the campaign (Monday 27/07/2026): 4 of the province's grassroots unions reported.
    expect(text).toContain(vi("summary.chat.reported", { week: "27/07/2026", done: 4, total: GRASSROOTS.size }));
    expect(text).toContain(vi("summary.chat.behind", { units: "Xã Phong Thổ, Ngành Y tế tỉnh Lai Châu, Ngành Giáo dục tỉnh Lai Châu, Xã Sìn Hồ, Xã Than Uyên" }));
    expect(text).toContain(vi("summary.chat.awardLine", { unit: "Phường Đoàn Kết", text: vi("summary.award.earned", { group: "Nhóm 1", collective: 3, individual: 6 }) }));
    expect(text).toContain(vi("summary.chat.awardLine", { unit: "Xã Bình Lư", text: vi("summary.award.earned", { group: "Nhóm 2", collective: 2, individual: 4 }) }));
    expect(text).toContain(vi("summary.chat.awardLine", { unit: "Phường Tân Phong", text: vi("summary.award.earned", { group: "Nhóm 1", collective: 2, individual: 6 }) }));
    expect(text).toContain(vi("summary.chat.awardLine", { unit: "Bưu điện tỉnh Lai Châu", text: vi("summary.award.earned", { group: "Nhóm 3", collective: 2, individual: 2 }) }));
    expect(text).not.toContain(vi("summary.chat.awardLine", { unit: "Xã Phong Thổ", text: "" }).trim());
    // Units by name, not by code (the codes come with a button).
    expect(text).not.toMatch(/^\d+\s+LC-/m);

    // Every line of the table fits a phone screen.
    const rows = tableRows(text);
    expect(rows).toHaveLength(expected.length);
    for (const row of rows) for (const line of row.lines) expect([...line].length).toBeLessThanOrEqual(32);

    await h.fake.waitForCall((c) => c.method === "sendPhoto" && String(c.payload.chat_id) === String(users.admin.id), 10_000);
    const [chart] = uploadsTo(users.admin, since).filter((u) => u.method === "sendPhoto");
    expect(chart?.data).toBeDefined();
    const png = PNG.sync.read(chart!.data!);
    expect(png.width).toBe(1000);
    expect(png.height).toBeGreaterThan(9 * 30);
  });

  it("drills down into a child with a button, showing its unions", async () => {
    const admin = new Chat(h.fake, users.admin);
    admin.send("/summary LC LC-TCD-2026");
    await admin.expect(vi("summary.chat.title", { unit: "Liên đoàn Lao động tỉnh Lai Châu", code: "LC" }));
    admin.press(vi("summary.chat.drill", { unit: "Phường Đoàn Kết" }));
    const msg = await admin.expect(vi("summary.chat.title", { unit: "Công đoàn phường Đoàn Kết", code: "LC-DK" }));
    const text = msg.text ?? "";
    expect(tableLine(text, "LC-DK-CSLC")).toEqual(["-", "–", "68", "–", "*"]);
    expect(tableLine(text, "LC-DK-AGR")).toEqual(["-", "–", "5", "–"]);
    expect(text).toContain(vi("summary.chat.total", { target: "60", admitted: "81", reduced: "8", net: "73", percent: "121,7 %" }));
    // And back up.
    admin.press(vi("summary.chat.up"));
    await admin.expect(vi("summary.chat.title", { unit: "Liên đoàn Lao động tỉnh Lai Châu", code: "LC" }));
  });

  it("shows a chair their own union only, and refuses the province", async () => {
    const chair = new Chat(h.fake, users.chair);
    chair.send("/summary LC-TCD-2026");
    const msg = await chair.expect(vi("summary.chat.title", { unit: "Công đoàn Công ty Cổ phần Cao su Lai Châu", code: "LC-DK-CSLC" }));
    expect(tableLine(msg.text ?? "", "LC-DK-CSLC")).toEqual(["-", "–", "68", "–", "*"]);
    expect(msg.reply_markup?.inline_keyboard.flat().map((b) => b.text) ?? []).not.toContain(vi("summary.chat.up"));
    await chair.answer("/summary LC LC-TCD-2026", vi("summary.chat.notAllowed"));
  });

  it("refuses an officer a unit outside their subtree, the same way as an unknown code, and a forged button", async () => {
    const officer = new Chat(h.fake, users.officerDK);
    await officer.answer("/summary LC", vi("summary.chat.notAllowed"));
    await officer.answer("/summary NO-SUCH-UNIT", vi("summary.chat.notAllowed"));
    await officer.answer("/summary LC-DK 2025", vi("summary.chat.title", { unit: "Công đoàn phường Đoàn Kết", code: "LC-DK" }));
    const lc = (await findUnitByCode(h.db.prisma, "LC"))!;
    const message = h.fake.lastMessageTo(users.officerDK)!;
    const press = h.fake.pressButton(users.officerDK, message, `sm:d:${lc.id}:Y2026:0`, { allowUnknownData: true });
    const answer = await h.fake.waitForCallbackAnswer(press.callbackQueryId);
    expect(answer.payload.text).toBe(vi("summary.chat.notAllowed"));
    expect(await h.db.prisma.auditLog.count({ where: { action: "denied:summary.view" } })).toBeGreaterThanOrEqual(2);
  });
});

describe("/summary: names, numbers, codes on demand, this year's demo targets", () => {
  it("names the units, groups big numbers the Vietnamese way (10.000.000), shows the codes with a button", async () => {
    const prisma = h.db.prisma;
    const { setTarget } = await import("../../src/drive/targets.ts");
    for (const [code, value] of [["LC", 10_000_000], ["LC-TP", 10_000_000]] as const) {
      const unit = (await findUnitByCode(prisma, code))!;
      const set = await setTarget(prisma, { actorId: null, unitId: unit.id, period: { year: 2031 }, metric: "NET_INCREASE", value });
      expect(set.ok).toBe(true);
    }
    const admin = new Chat(h.fake, users.admin);
    const calls = h.fake.calls.length;
    admin.send("/summary LC 2031");
    const msg = await admin.expect(vi("summary.chat.title", { unit: "Liên đoàn Lao động tỉnh Lai Châu", code: "LC" }));
    const text = msg.text ?? "";
    expect(tableLine(text, "LC-TP")).toEqual(["1", "10.000.000", "0", "0"]);
    expect(text).toContain(vi("summary.chat.total", { target: "10.000.000", admitted: "0", reduced: "0", net: "0", percent: "0 %" }));
    expect(text).not.toContain("10000000");
    for (const row of tableRows(text)) for (const line of row.lines) expect([...line].length).toBeLessThanOrEqual(32);
    // The chart comes too.
    await h.fake.waitForCall((c) => c.method === "sendPhoto" && String(c.payload.chat_id) === String(users.admin.id), 10_000, calls);

    // The codes, on demand: the same page again, each unit's code heading its numbers; and back.
    const buttons = (m: { reply_markup?: { inline_keyboard: { text: string }[][] } }) => m.reply_markup?.inline_keyboard.flat().map((b) => b.text) ?? [];
    expect(buttons(msg)).toContain(vi("summary.chat.showCodes"));
    admin.press(vi("summary.chat.showCodes"));
    const withCodes = await admin.expect(/LC-TP +10\.000\.000/);
    const row = tableRows(withCodes.text ?? "").find((r) => r.name === "Phường Tân Phong");
    expect(row?.cells.slice(0, 2)).toEqual(["LC-TP", "10.000.000"]);
    expect(buttons(withCodes)).toContain(vi("summary.chat.hideCodes"));
    admin.press(vi("summary.chat.hideCodes"));
    const again = await admin.expect(vi("summary.chat.title", { unit: "Liên đoàn Lao động tỉnh Lai Châu", code: "LC" }));
    expect(tableLine(again.text ?? "", "LC-TP")).toEqual(["1", "10.000.000", "0", "0"]);
    expect(buttons(again)).toContain(vi("summary.chat.showCodes"));
    // And a unit's code still opens it.
    await admin.answer("/summary LC-TP 2031", vi("summary.chat.title", { unit: "Công đoàn phường Tân Phong", code: "LC-TP" }));
  });

  it("has targets for the current year (Vietnam time) right after the demo is loaded: every unit under LC gets a bar", async () => {
    const year = vietnamDate(new Date()).getUTCFullYear();
    const admin = new Chat(h.fake, users.admin);
    admin.send(`/summary LC ${year}`);
    const msg = await admin.expect(vi("summary.chat.periodYear", { year, from: `01/01/${year}`, to: `31/12/${year}` }));
    const rows = tableRows(msg.text ?? "");
    expect(rows.map((r) => r.name).sort()).toEqual(Object.entries(SHORT).filter(([code]) => demo.get(code)?.parentCode === "LC").map(([, name]) => name).sort());
    for (const row of rows) {
      expect(row.cells[0], row.name).toMatch(/^\d[\d.]*$/); // a target, not "–"
      expect(row.cells[2], row.name).toMatch(/^\d/); // so a percentage, and a bar
    }
    expect(msg.text).not.toContain(vi("summary.chat.total", { target: vi("summary.chat.noTarget"), admitted: "", reduced: "", net: "", percent: "" }).slice(0, 20));
  });
});

describe("/summary paging", () => {
  it("pages a long list 10 units at a time with ◀ ▶, keeping the ranking across pages", async () => {
    const { upsertUnits } = await import("../../src/organisation/units.ts");
    await upsertUnits(
      h.db.prisma,
      Array.from({ length: 12 }, (_, i) => ({ code: `LC-SH-T${String(i + 1).padStart(2, "0")}`, name: `Công đoàn thử ${i + 1}`, type: "GRASSROOTS" as const, parentCode: "LC-SH" })),
    );
    const admin = new Chat(h.fake, users.admin);
    admin.send("/summary LC-SH LC-TCD-2026");
    const first = await admin.expect(vi("summary.chat.title", { unit: "Công đoàn xã Sìn Hồ", code: "LC-SH" }));
    expect(first.text).toContain(vi("summary.chat.page", { page: 1, pages: 2 }));
    const codes = (text: string) => tableRows(text).map((r) => r.name);
    expect(codes(first.text ?? "")).toHaveLength(10);
    admin.press(vi("summary.chat.next"));
    const second = await admin.expect(vi("summary.chat.page", { page: 2, pages: 2 }));
    const rest = codes(second.text ?? "");
    expect(rest).toHaveLength(4);
    expect(new Set([...codes(first.text ?? ""), ...rest]).size).toBe(14);
    expect(second.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toContain(vi("summary.chat.prev"));
  });
});

describe("/export", () => {
  async function workbookFrom(user: TestUser, command: string) {
    const chat = new Chat(h.fake, user);
    const since = h.fake.uploads.length;
    chat.send(command);
    const msg = await chat.expect(vi("summary.export.caption", { unit: "", period: "" }).slice(0, 6));
    const upload = uploadsTo(user, since).find((u) => u.method === "sendDocument");
    expect(upload?.filename).toMatch(/\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(upload!.data! as unknown as ExcelJS.Buffer);
    return { wb, caption: msg.caption ?? "" };
  }

  const header = (ws: ExcelJS.Worksheet) => (ws.getRow(1).values as unknown[]).slice(1).map(String);

  it("gives an admin an Excel file with the same numbers, Vietnamese headers, dd/mm/yyyy dates and neutralised formulas", async () => {
    const before = await h.db.prisma.auditLog.count({ where: { action: "summary.export" } });
    const { wb, caption } = await workbookFrom(users.admin, "/export LC LC-TCD-2026");
    expect(caption).not.toContain(vi("summary.export.noPersonal"));
    expect(wb.worksheets.map((w) => w.name)).toEqual(["Tổng hợp", "Đơn vị", "Báo cáo tuần", "Đơn gia nhập", "Đoàn viên"]);

    const summary = wb.getWorksheet("Tổng hợp")!;
    const cols = header(summary);
    expect(cols.slice(0, 8)).toEqual(["Xếp hạng", "Mã đơn vị", "Tên đơn vị", "Chỉ tiêu thực tăng", "Kết nạp", "Giảm", "Thực tăng", "% chỉ tiêu"]);
    const expected = expectedFor("LC");
    expected.forEach((row, i) => {
      const cells = (summary.getRow(i + 2).values as unknown[]).slice(1, 8);
      expect(cells, row.code).toEqual([i + 1, row.code, row.name, row.target, row.admitted, row.reduced, row.net]);
      expect(summary.getRow(i + 2).getCell(8).value).toBe(row.percent);
    });
    const total = (summary.getRow(expected.length + 2).values as unknown[]).slice(2, 8);
    expect(total).toEqual(["LC", vi("summary.export.total", { unit: "Liên đoàn Lao động tỉnh Lai Châu" }), 300, 174, 10, 164]);

    const reports = wb.getWorksheet("Báo cáo tuần")!;
    expect(header(reports)).toContain("Tuần từ ngày");
    const weekCell = reports.getRow(2).getCell(3);
    expect(weekCell.numFmt).toBe("dd/mm/yyyy");
    expect((weekCell.value as Date).toISOString().slice(0, 10)).toBe("2026-05-04");
    // Latest versions within the campaign only: 10 of the 12 submissions (one replaced, one before the campaign).
    expect(reports.actualRowCount - 1).toBe(10);

    const members = wb.getWorksheet("Đoàn viên")!;
    const mcols = header(members);
    expect(mcols).toEqual(expect.arrayContaining(["Số đoàn viên", "Ngày kết nạp", "Họ và tên", "Số điện thoại"]));
    const nameCol = mcols.indexOf("Họ và tên") + 1;
    const names = members.getColumn(nameCol).values.slice(2).map(String);
    expect(names).toContain(`'=HYPERLINK("http://evil.example","Bấm vào")`);
    expect(names.some((v) => v.startsWith("="))).toBe(false);
    const joined = members.getRow(2).getCell(mcols.indexOf("Ngày kết nạp") + 1);
    expect(joined.numFmt).toBe("dd/mm/yyyy");
    expect((joined.value as Date).toISOString().slice(0, 10)).toBe("2026-05-06");

    const apps = wb.getWorksheet("Đơn gia nhập")!;
    expect(apps.getColumn(3).values.slice(2)).toContain("Chờ duyệt");

    const audits = await h.db.prisma.auditLog.findMany({ where: { action: "summary.export" }, orderBy: { at: "asc" } });
    expect(audits.length).toBe(before + 1);
    expect(audits.at(-1)?.after).toMatchObject({ period: "LC-TCD-2026", format: "xlsx", personal: true });
  });

  it("leaves personal columns out for an officer, and says so; the export is still audited", async () => {
    const { wb, caption } = await workbookFrom(users.officerLC, "/export LC LC-TCD-2026");
    expect(caption).toContain(vi("summary.export.noPersonal"));
    for (const name of ["Đoàn viên", "Đơn gia nhập"]) {
      const cols = header(wb.getWorksheet(name)!);
      for (const personal of ["Họ và tên", "Ngày sinh", "Số điện thoại", "Giới tính"]) expect(cols).not.toContain(personal);
    }
    const values = wb.worksheets.flatMap((ws) => ws.getSheetValues().flat().map(String));
    expect(values.some((v) => v.includes("Lò Thị Hoa") || v.includes("+8497"))).toBe(false);
    const last = await h.db.prisma.auditLog.findFirstOrThrow({ where: { action: "summary.export" }, orderBy: { at: "desc" } });
    expect(last.after).toMatchObject({ personal: false, format: "xlsx" });
  });

  it("gives a chair their own union with names; refuses the province", async () => {
    const { wb } = await workbookFrom(users.chair, "/export LC-TCD-2026");
    const members = wb.getWorksheet("Đoàn viên")!;
    expect(header(members)).toContain("Họ và tên");
    expect(members.actualRowCount - 1).toBe(2);
    const chat = new Chat(h.fake, users.chair);
    await chat.answer("/export LC LC-TCD-2026", vi("summary.chat.notAllowed"));
  });

  it("writes a CSV with the UTF-8 BOM that Excel needs, with the same numbers", async () => {
    const chat = new Chat(h.fake, users.admin);
    const since = h.fake.uploads.length;
    const before = await h.db.prisma.auditLog.count({ where: { action: "summary.export" } });
    chat.send("/export LC LC-TCD-2026 csv");
    await chat.expect(vi("summary.export.caption", { unit: "Liên đoàn Lao động tỉnh Lai Châu", period: "" }).slice(0, 10));
    const upload = uploadsTo(users.admin, since).find((u) => u.method === "sendDocument");
    expect(upload?.filename).toMatch(/\.csv$/);
    const bytes = upload!.data!;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString("utf8").slice(1).split("\r\n");
    expect(lines[0]).toMatch(/^Xếp hạng,Mã đơn vị,Tên đơn vị,Chỉ tiêu thực tăng,Kết nạp,Giảm,Thực tăng,% chỉ tiêu/);
    expect(lines[1]).toMatch(/^1,LC-DK,Công đoàn phường Đoàn Kết,60,81,8,73,121\.7,/);
    expect(await h.db.prisma.auditLog.count({ where: { action: "summary.export" } })).toBe(before + 1);
  });
});
