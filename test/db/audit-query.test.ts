// Reading the audit log: filters, keyset pagination (newest first, stable under ties and new entries),
// how actors are shown (Telegram id and roles, or CLI), and the spreadsheet rows of an export.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionLabel, exportAudit, queryAudit, recordExport, type AuditView } from "../../src/audit/audit-query.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const en = tFor("en");

describe("audit log queries", () => {
  let db: TestDatabase;
  const prisma = () => db.prisma;
  const unitId = async (code: string) => (await findUnitByCode(prisma(), code))!.id;

  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDemo(db.prisma);
  });
  afterAll(() => db?.destroy());

  it("shows the actor by Telegram id and roles, the operator CLI as CLI, the unit by code and name", async () => {
    // Granted from the CLI: the role.grant entries have no actor.
    const officer = await grant(prisma(), { id: 9001 }, "OFFICER", "LC-DK");
    await grant(prisma(), { id: 9001 }, "CHAIR", "LC-DK-CSLC");
    await prisma().auditLog.create({
      data: { actorId: officer.id, action: "member.leave", unitId: await unitId("LC-DK-CSLC"), targetType: "Unit", targetId: await unitId("LC-DK-CSLC") },
    });

    const page = await queryAudit(prisma(), { telegramId: "9001", limit: 10 });
    expect(page.ok).toBe(true);
    if (!page.ok) return;
    expect(page.entries).toHaveLength(1);
    const [entry] = page.entries as [AuditView];
    expect(entry.action).toBe("member.leave");
    expect(entry.actor).toEqual({
      person: true,
      telegramId: "9001",
      roles: expect.arrayContaining([
        { role: "OFFICER", unitCode: "LC-DK" },
        { role: "CHAIR", unitCode: "LC-DK-CSLC" },
      ]),
    });
    expect(entry.unit).toEqual({ code: "LC-DK-CSLC", name: "Công đoàn Công ty Cổ phần Cao su Lai Châu" });
    expect(entry.target).toMatchObject({ type: "Unit", ref: "LC-DK-CSLC" });

    const grants = await queryAudit(prisma(), { action: "role.grant", unitCode: "lc-dk", limit: 10 });
    if (!grants.ok) throw new Error("query failed");
    expect(grants.entries).toHaveLength(1);
    expect(grants.entries[0]?.actor).toEqual({ person: false, telegramId: null, roles: [] });
    expect(grants.entries[0]?.target?.ref).toBe("tg 9001");
    expect(grants.entries[0]?.after).toMatchObject({ role: "OFFICER" });
  });

  it("filters by unit, person, action and time, and says when the unit or person is unknown", async () => {
    const a = await grant(prisma(), { id: 9101 }, "CHAIR", "LC-DK-AGR");
    const b = await grant(prisma(), { id: 9102 }, "CHAIR", "LC-DK-XDGT");
    const agr = await unitId("LC-DK-AGR");
    const xdgt = await unitId("LC-DK-XDGT");
    const day = (d: number) => new Date(Date.UTC(2030, 0, d, 3));
    await prisma().auditLog.createMany({
      data: [
        { actorId: a.id, action: "filter.one", unitId: agr, at: day(1) },
        { actorId: a.id, action: "filter.two", unitId: agr, at: day(2) },
        { actorId: b.id, action: "filter.one", unitId: xdgt, at: day(3) },
        { actorId: null, action: "filter.one", unitId: agr, at: day(4) },
      ],
    });
    const actions = async (q: Parameters<typeof queryAudit>[1]) => {
      const page = await queryAudit(prisma(), q);
      if (!page.ok) throw new Error(page.reason);
      return page.entries.map((e) => `${e.action}@${e.at.getUTCDate()}`);
    };
    const window = { from: day(1), to: day(5), limit: 50 };

    expect(await actions({ ...window })).toEqual(["filter.one@4", "filter.one@3", "filter.two@2", "filter.one@1"]);
    expect(await actions({ ...window, unitCode: "LC-DK-AGR" })).toEqual(["filter.one@4", "filter.two@2", "filter.one@1"]);
    expect(await actions({ ...window, telegramId: "9101" })).toEqual(["filter.two@2", "filter.one@1"]);
    expect(await actions({ ...window, action: "filter.one" })).toEqual(["filter.one@4", "filter.one@3", "filter.one@1"]);
    expect(await actions({ ...window, action: "filter.one", unitCode: "LC-DK-AGR", telegramId: "9101" })).toEqual(["filter.one@1"]);
    expect(await actions({ from: day(2), to: day(4), limit: 50 })).toEqual(["filter.one@3", "filter.two@2"]);

    expect(await queryAudit(prisma(), { unitCode: "NO-SUCH-UNIT", limit: 5 })).toEqual({ ok: false, reason: "unknown_unit" });
    expect(await queryAudit(prisma(), { telegramId: "424242", limit: 5 })).toEqual({ ok: false, reason: "unknown_person" });
  });

  it("pages newest first by (at, id): no entry skipped or repeated, even with equal times; back and forth agree", async () => {
    const same = new Date(Date.UTC(2031, 5, 1, 0, 0, 0));
    const data = Array.from({ length: 40 }, (_, i) => ({
      actorId: null,
      action: "page.test",
      // Ten entries share each instant, so the id must break ties.
      at: new Date(same.getTime() + Math.floor(i / 10) * 1000),
    }));
    await prisma().auditLog.createMany({ data });
    const all = await prisma().auditLog.findMany({ where: { action: "page.test" }, orderBy: [{ at: "desc" }, { id: "desc" }] });

    const pages: AuditView[][] = [];
    let cursor: string | undefined;
    const cursors: { newer: string | null; older: string | null }[] = [];
    for (;;) {
      const page = await queryAudit(prisma(), { action: "page.test", limit: 15, cursor });
      if (!page.ok) throw new Error(page.reason);
      pages.push(page.entries);
      cursors.push({ newer: page.newer, older: page.older });
      if (!page.older) break;
      cursor = page.older;
    }
    expect(pages.map((p) => p.length)).toEqual([15, 15, 10]);
    expect(pages.flat().map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(cursors[0]?.newer).toBeNull();
    expect(cursors[2]?.older).toBeNull();

    // Back from the third page: the second page again, exactly.
    const back = await queryAudit(prisma(), { action: "page.test", limit: 15, cursor: cursors[2]!.newer!, direction: "newer" });
    if (!back.ok) throw new Error(back.reason);
    expect(back.entries.map((e) => e.id)).toEqual(pages[1]!.map((e) => e.id));
    expect(back.newer).toBe(pages[1]![0]!.id);

    // A new entry arriving does not shift the pages already being read.
    await prisma().auditLog.create({ data: { action: "page.test", at: new Date(same.getTime() + 60_000) } });
    const again = await queryAudit(prisma(), { action: "page.test", limit: 15, cursor: cursors[0]!.older! });
    if (!again.ok) throw new Error(again.reason);
    expect(again.entries.map((e) => e.id)).toEqual(pages[1]!.map((e) => e.id));
  });

  it("a forged or unknown cursor lands on the first page", async () => {
    const first = await queryAudit(prisma(), { action: "page.test", limit: 5 });
    for (const cursor of ["c" + "x".repeat(24), "'; DROP TABLE \"AuditLog\"; --", ""]) {
      const page = await queryAudit(prisma(), { action: "page.test", limit: 5, cursor });
      expect(page).toEqual(first);
    }
  });

  it("exports rows for a spreadsheet: Vietnam time, translated labels, unit code and name, JSON before and after", async () => {
    const chair = await grant(prisma(), { id: 9201 }, "CHAIR", "LC-BD");
    const bd = await unitId("LC-BD");
    await prisma().auditLog.createMany({
      data: [
        { actorId: chair.id, action: "application.approve", unitId: bd, at: new Date("2032-11-22T03:42:05Z"), after: { status: "APPROVED" } },
        { actorId: chair.id, action: "denied:audit.read", at: new Date("2032-11-22T03:43:00Z") },
        { actorId: chair.id, action: "something.new", at: new Date("2032-11-21T20:00:00Z"), before: { a: 1 } },
      ],
    });
    const result = await exportAudit(prisma(), { telegramId: "9201", from: new Date("2032-01-01Z") });
    if (!result.ok) throw new Error(result.reason);
    expect(result.columns.map((c) => c.header)).toEqual(["Thời gian", "Người thực hiện", "Hành động", "Đơn vị", "Đối tượng", "Trước", "Sau"]);
    expect(result.truncated).toBe(false);
    expect(result.rows).toEqual([
      {
        at: "22/11/2032 10:43:00",
        actor: "tg 9201 (Chủ tịch CĐCS LC-BD)",
        action: "Bị từ chối: Xem nhật ký hoạt động",
        unit: "",
        target: "",
        before: "",
        after: "",
      },
      {
        at: "22/11/2032 10:42:05",
        actor: "tg 9201 (Chủ tịch CĐCS LC-BD)",
        action: "Kết nạp đoàn viên",
        unit: "LC-BD – Công đoàn Bưu điện tỉnh Lai Châu",
        target: "",
        before: "",
        after: '{"status":"APPROVED"}',
      },
      // 20:00 UTC on the 21st is 03:00 on the 22nd in Vietnam; an action without a label shows as stored.
      expect.objectContaining({ at: "22/11/2032 03:00:00", action: "something.new", before: '{"a":1}' }),
    ]);

    const english = await exportAudit(prisma(), { telegramId: "9201", from: new Date("2032-01-01Z") }, { lang: "en", maxRows: 2 });
    if (!english.ok) throw new Error(english.reason);
    expect(english.columns[0]?.header).toBe("Time");
    expect(english.rows.map((r) => r.action)).toEqual(["Refused: View the audit log", "Member admitted"]);
    expect(english.truncated).toBe(true);
  });

  it("records an export with its filter and row count", async () => {
    const admin = await grant(prisma(), { id: 9301 }, "ADMIN");
    await recordExport(prisma(), { actorId: admin.id, filter: { unitCode: "LC-BD", from: new Date("2032-01-01Z") }, rows: 3, truncated: false });
    const entry = await prisma().auditLog.findFirstOrThrow({ where: { action: "audit.export", actorId: admin.id } });
    expect(entry.after).toEqual({ filter: { unitCode: "LC-BD", from: "2032-01-01T00:00:00.000Z" }, rows: 3, truncated: false });
  });
});

describe("actionLabel", () => {
  it("translates known actions and refusals, and shows unknown ones as stored", () => {
    expect(actionLabel(vi, "application.approve")).toBe("Kết nạp đoàn viên");
    expect(actionLabel(en, "role.grant")).toBe("Role granted");
    expect(actionLabel(vi, "denied:application.decide")).toBe("Bị từ chối: Xét duyệt đơn gia nhập");
    expect(actionLabel(vi, "denied:made.up")).toBe("Bị từ chối: made.up");
    expect(actionLabel(vi, "made.up")).toBe("made.up");
    expect(actionLabel(vi, "application")).toBe("application");
  });
});
