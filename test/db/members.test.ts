// Member records: listing (pages, search without diacritics or by phone, who left), recording a member leaving (the
// date rules, at most once, only within the policy's scope, audited), and importing existing rolls (every row checked
// first, all or nothing, the same file twice changes nothing).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { checkMemberImport, formatImportProblem, importMembers } from "../../src/membership/member-import.ts";
import { listMembers, normaliseMemberQuery, recordLeaving } from "../../src/membership/members.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { toSearchText } from "../../src/shared/text.ts";
import { writeCsv, writeXlsx } from "../../src/shared/spreadsheet.ts";
import { vietnamDay } from "../../src/shared/time.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const day = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));

describe("member records", () => {
  let db: TestDatabase;
  const prisma = () => db.prisma;
  const ids = new Map<string, string>();
  const unitId = (code: string) => ids.get(code)!;

  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDemo(db.prisma);
    for (const code of ["LC-DK-CSLC", "LC-DK-AGR", "LC-TP-DL", "LC-TP-NS", "LC-DK", "LC-TP", "LC"]) {
      ids.set(code, (await findUnitByCode(db.prisma, code))!.id);
    }
  });
  afterAll(() => db?.destroy());

  let phoneNo = 1000;
  async function member(code: string, fullName: string, extra: { joinedAt?: Date; phone?: string } = {}) {
    return prisma().member.create({
      data: {
        unitId: unitId(code),
        fullName,
        searchName: toSearchText(fullName),
        phone: extra.phone ?? `+8491200${String(phoneNo++).padStart(4, "0")}`,
        birthDate: day(1990, 1, 1),
        sex: "FEMALE",
        joinedAt: extra.joinedAt ?? new Date("2024-03-01T03:00:00Z"),
      },
    });
  }

  describe("listMembers", () => {
    beforeAll(async () => {
      // 23 members of LC-TP-DL, named so that the order by name is known.
      for (let i = 1; i <= 20; i++) await member("LC-TP-DL", `Vàng Văn Bình ${String.fromCharCode(64 + i)}`);
      await member("LC-TP-DL", "Nguyễn Thị Lan", { phone: "+84912345678" });
      await member("LC-TP-DL", "Đỗ Thị Lân");
      await member("LC-TP-DL", "Lò Văn Anh");
      await member("LC-TP-NS", "Hoàng Thị Lan"); // another union
    });

    it("pages by 10, ordered by name without diacritics, and clamps the page", async () => {
      const first = await listMembers(prisma(), { unitId: unitId("LC-TP-DL"), page: 1 });
      expect(first).toMatchObject({ total: 23, page: 1, pages: 3 });
      expect(first.items).toHaveLength(10);
      expect(first.items[0]?.fullName).toBe("Đỗ Thị Lân"); // "do thi lan" sorts before "lo van anh"
      expect(first.items[1]?.fullName).toBe("Lò Văn Anh");
      const third = await listMembers(prisma(), { unitId: unitId("LC-TP-DL"), page: 3 });
      expect(third.items).toHaveLength(3);
      expect(third.items.map((m) => m.fullName)).toEqual(["Vàng Văn Bình R", "Vàng Văn Bình S", "Vàng Văn Bình T"]);
      const all = [
        ...first.items,
        ...(await listMembers(prisma(), { unitId: unitId("LC-TP-DL"), page: 2 })).items,
        ...third.items,
      ];
      expect(new Set(all.map((m) => m.id)).size).toBe(23);
      expect((await listMembers(prisma(), { unitId: unitId("LC-TP-DL"), page: 99 })).page).toBe(3);
      expect((await listMembers(prisma(), { unitId: unitId("LC-TP-DL"), page: -5 })).page).toBe(1);
      const empty = await listMembers(prisma(), { unitId: unitId("LC-DK-AGR"), page: 1 });
      expect(empty).toEqual({ items: [], total: 0, page: 1, pages: 1 });
    });

    it("finds names without diacritics and phones by their digits, within the union only", async () => {
      const lan = await listMembers(prisma(), { unitId: unitId("LC-TP-DL"), query: "lan", page: 1 });
      expect(lan.items.map((m) => m.fullName)).toEqual(["Đỗ Thị Lân", "Nguyễn Thị Lan"]);
      const exact = await listMembers(prisma(), { unitId: unitId("LC-TP-DL"), query: "NGUYỄN  lan", page: 1 });
      expect(exact.items.map((m) => m.fullName)).toEqual(["Nguyễn Thị Lan"]);
      const dThi = await listMembers(prisma(), { unitId: unitId("LC-TP-DL"), query: "đỗ", page: 1 });
      expect(dThi.items.map((m) => m.fullName)).toEqual(["Đỗ Thị Lân"]);
      for (const phone of ["0912 345 678", "0912345", "84912345678", "345 678"]) {
        const found = await listMembers(prisma(), { unitId: unitId("LC-TP-DL"), query: phone, page: 1 });
        expect(found.items.map((m) => m.fullName), phone).toEqual(["Nguyễn Thị Lan"]);
      }
      expect((await listMembers(prisma(), { unitId: unitId("LC-TP-DL"), query: "xyz", page: 1 })).total).toBe(0);
      expect(normaliseMemberQuery("  Nguyễn   LAN!%_ ")).toBe("nguyen lan");
    });
  });

  describe("recordLeaving", () => {
    const today = () => {
      const { y, m, d } = vietnamDay(new Date());
      return day(y, m, d);
    };

    it("a chair records a member leaving: reason, date, note, who; audited without the note; not twice", async () => {
      const chair = await grant(prisma(), { id: 7001 }, "CHAIR", "LC-DK-CSLC");
      const m = await member("LC-DK-CSLC", "Lò Thị Mai");
      const result = await recordLeaving(prisma(), {
        actorId: chair.id,
        memberId: m.id,
        reason: "LEFT_COMPANY",
        leftOn: day(2025, 6, 30),
        note: "Chuyển về quê",
      });
      expect(result.ok).toBe(true);
      const saved = await prisma().member.findUniqueOrThrow({ where: { id: m.id } });
      expect(saved).toMatchObject({ leftOn: day(2025, 6, 30), leaveReason: "LEFT_COMPANY", leaveNote: "Chuyển về quê", leaveRecordedById: chair.id });
      const audit = await prisma().auditLog.findFirstOrThrow({ where: { action: "member.leave", targetId: m.id } });
      expect(audit).toMatchObject({ actorId: chair.id, unitId: unitId("LC-DK-CSLC"), targetType: "Member" });
      expect(audit.before).toEqual({ leftOn: null, leaveReason: null });
      expect(audit.after).toEqual({ leftOn: "2025-06-30", leaveReason: "LEFT_COMPANY" });
      expect(JSON.stringify(audit)).not.toContain("quê");
      expect(JSON.stringify(audit)).not.toContain("Mai");

      const again = await recordLeaving(prisma(), { actorId: chair.id, memberId: m.id, reason: "DECEASED", leftOn: day(2025, 7, 1) });
      expect(again).toEqual({ ok: false, reason: "already_left" });
      expect((await prisma().member.findUniqueOrThrow({ where: { id: m.id } })).leaveReason).toBe("LEFT_COMPANY");
      expect(await prisma().auditLog.count({ where: { action: "member.leave", targetId: m.id } })).toBe(1);

      // Who left is no longer listed, unless asked for.
      expect((await listMembers(prisma(), { unitId: unitId("LC-DK-CSLC"), query: "mai", page: 1 })).total).toBe(0);
      const withLeft = await listMembers(prisma(), { unitId: unitId("LC-DK-CSLC"), query: "mai", page: 1, includeLeft: true });
      expect(withLeft.items.map((i) => i.leftOn)).toEqual([day(2025, 6, 30)]);
    });

    it("refuses a date in the future or before the member joined, and today is fine", async () => {
      const chair = await grant(prisma(), { id: 7002 }, "DEPUTY_CHAIR", "LC-DK-CSLC");
      const m = await member("LC-DK-CSLC", "Giàng A Páo", { joinedAt: new Date("2024-03-01T18:00:00Z") }); // 02/03/2024 in Vietnam
      const tomorrow = new Date(today().getTime() + 86_400_000);
      expect(await recordLeaving(prisma(), { actorId: chair.id, memberId: m.id, reason: "OTHER", leftOn: tomorrow })).toEqual({
        ok: false,
        reason: "future_date",
      });
      expect(await recordLeaving(prisma(), { actorId: chair.id, memberId: m.id, reason: "OTHER", leftOn: day(2024, 3, 1) })).toEqual({
        ok: false,
        reason: "before_joined",
      });
      expect((await prisma().member.findUniqueOrThrow({ where: { id: m.id } })).leftOn).toBeNull();
      expect(await prisma().auditLog.count({ where: { action: "member.leave", targetId: m.id } })).toBe(0);
      const ok = await recordLeaving(prisma(), { actorId: chair.id, memberId: m.id, reason: "RESIGNED", leftOn: today() });
      expect(ok.ok).toBe(true);
    });

    it("the day of joining itself is allowed", async () => {
      const chair = await grant(prisma(), { id: 7003 }, "CHAIR", "LC-DK-CSLC");
      const m = await member("LC-DK-CSLC", "Tẩn Thị Sử", { joinedAt: new Date("2024-03-01T18:00:00Z") });
      expect((await recordLeaving(prisma(), { actorId: chair.id, memberId: m.id, reason: "DECEASED", leftOn: day(2024, 3, 2) })).ok).toBe(true);
    });

    it("outside the policy's scope: refused, nothing changes, and the refusal is audited", async () => {
      const m = await member("LC-DK-CSLC", "Vàng Thị Dợ");
      const refused = [
        await grant(prisma(), { id: 7010 }, "CHAIR", "LC-DK-AGR"), // chair of a sister union
        await grant(prisma(), { id: 7011 }, "OFFICER", "LC-TP"), // officer of another subtree
        (await prisma().person.create({ data: {} })), // nobody
      ];
      for (const person of refused) {
        const result = await recordLeaving(prisma(), { actorId: person.id, memberId: m.id, reason: "OTHER", leftOn: day(2025, 1, 2) });
        expect(result).toEqual({ ok: false, reason: "forbidden" });
        const denied = await prisma().auditLog.findMany({ where: { action: "denied:member.leave", actorId: person.id } });
        expect(denied.map((d) => d.unitId)).toEqual([unitId("LC-DK-CSLC")]);
      }
      expect((await prisma().member.findUniqueOrThrow({ where: { id: m.id } })).leftOn).toBeNull();
      // The officer above the union may.
      const officer = await grant(prisma(), { id: 7012 }, "OFFICER", "LC-DK");
      expect((await recordLeaving(prisma(), { actorId: officer.id, memberId: m.id, reason: "OTHER", leftOn: day(2025, 1, 2) })).ok).toBe(true);
      expect(await recordLeaving(prisma(), { actorId: officer.id, memberId: "c".repeat(25), reason: "OTHER", leftOn: day(2025, 1, 2) })).toEqual({
        ok: false,
        reason: "not_found",
      });
    });
  });

  describe("importing existing rolls", () => {
    const columns = [
      { header: "Họ và tên", key: "name" },
      { header: "Ngày sinh", key: "birth" },
      { header: "Giới tính", key: "sex" },
      { header: "Số điện thoại", key: "phone" },
      { header: "Ngày kết nạp", key: "joined" },
      { header: "Số thẻ cũ", key: "card" },
    ];
    const good = [
      { name: "Lò Văn Páo", birth: "05/09/1985", sex: "Nam", phone: "0977 111 222", joined: "01/05/2010", card: "LC-0001" },
      { name: "Tòng Thị Én", birth: day(1992, 2, 29), sex: "Nữ", phone: "", joined: day(2015, 7, 28), card: "" },
      { name: "lường văn hặc", birth: "1990-12-31", sex: "nam", phone: "977333444", joined: "28/7/2020", card: "" },
    ];

    it("reports every bad row by line in the user's language, and writes nothing", async () => {
      const officer = await grant(prisma(), { id: 7020 }, "OFFICER", "LC-TP");
      const before = await prisma().member.count();
      const bad = [
        ...good,
        { name: "X", birth: "31/02/1990", sex: "Khác", phone: "12345", joined: "01/01/2099", card: "" },
        { name: "Lò Văn Páo", birth: "05/09/1985", sex: "Nam", phone: "0977111222", joined: "01/05/2010", card: "" },
        { name: "Nguyễn Thị Lan", birth: "01/01/1990", sex: "Nữ", phone: "0912345678", joined: "01/01/2020", card: "" }, // member of LC-TP-DL
      ];
      const file = await writeXlsx([{ name: "DS", columns, rows: bad }]);
      const result = await importMembers(prisma(), { actorId: officer.id, unitId: unitId("LC-TP-NS"), file, fileName: "ds.xlsx" });
      expect(result.ok).toBe(false);
      if (result.ok || result.reason !== "rows") throw new Error(JSON.stringify(result));
      expect(result.lines.map((l) => l.line)).toEqual([5, 6, 7]);
      expect(result.lines[0]?.problems.map((p) => p.key)).toEqual([
        "members.import.errors.name_invalid",
        "members.import.errors.birth_invalid",
        "members.import.errors.sex_invalid",
        "members.import.errors.phone_invalid",
        "members.import.errors.joined_future",
      ]);
      const text = formatImportProblem(result, vi, 20)!;
      expect(text).toContain("Dòng 6: trùng với dòng 2");
      expect(text).toContain("Dòng 7: số điện thoại này đang là đoàn viên của một công đoàn cơ sở khác");
      expect(text).toContain("Dòng 5: họ và tên «X» không hợp lệ");
      expect(await prisma().member.count()).toBe(before);
      expect(await prisma().auditLog.count({ where: { action: "member.import" } })).toBe(0);
    });

    it("imports a valid file all at once, and the same file again changes nothing", async () => {
      const chair = await grant(prisma(), { id: 7030 }, "CHAIR", "LC-DK-AGR");
      const file = await writeXlsx([{ name: "DS", columns, rows: good }]);
      expect(await checkMemberImport(prisma(), { unitId: unitId("LC-DK-AGR"), file, fileName: "ds.xlsx" })).toEqual({
        ok: true,
        total: 3,
        created: 3,
        unchanged: 0,
      });
      const first = await importMembers(prisma(), { actorId: chair.id, unitId: unitId("LC-DK-AGR"), file, fileName: "ds.xlsx" });
      expect(first).toEqual({ ok: true, total: 3, created: 3, unchanged: 0 });
      const members = await prisma().member.findMany({ where: { unitId: unitId("LC-DK-AGR") }, orderBy: { number: "asc" } });
      expect(members.map((m) => [m.fullName, m.phone, m.sex, m.source, m.personId, m.searchName])).toEqual([
        ["Lò Văn Páo", "+84977111222", "MALE", "IMPORT", null, "lo van pao"],
        ["Tòng Thị Én", null, "FEMALE", "IMPORT", null, "tong thi en"],
        ["Lường Văn Hặc", "+84977333444", "MALE", "IMPORT", null, "luong van hac"],
      ]);
      expect(members.map((m) => m.birthDate)).toEqual([day(1985, 9, 5), day(1992, 2, 29), day(1990, 12, 31)]);
      // Joined on the day written, in Vietnam.
      expect(members.map((m) => vietnamDay(m.joinedAt))).toEqual([
        { y: 2010, m: 5, d: 1 },
        { y: 2015, m: 7, d: 28 },
        { y: 2020, m: 7, d: 28 },
      ]);
      const audit = await prisma().auditLog.findFirstOrThrow({ where: { action: "member.import" } });
      expect(audit).toMatchObject({ actorId: chair.id, unitId: unitId("LC-DK-AGR"), after: { rows: 3, created: 3, unchanged: 0 } });

      // The same rows as CSV, one without its phone number: all unchanged.
      const csv = writeCsv(columns, good.map((r, i) => (i === 0 ? { ...r, phone: "" } : r)));
      const again = await importMembers(prisma(), { actorId: chair.id, unitId: unitId("LC-DK-AGR"), file: csv, fileName: "ds.csv" });
      expect(again).toEqual({ ok: true, total: 3, created: 0, unchanged: 3 });
      expect(await prisma().member.count({ where: { unitId: unitId("LC-DK-AGR") } })).toBe(3);
    });

    it("only chairs of the union and officers above it may import; missing columns are named", async () => {
      const file = await writeXlsx([{ name: "DS", columns, rows: good.slice(0, 1) }]);
      const otherChair = await grant(prisma(), { id: 7040 }, "CHAIR", "LC-TP-DL");
      expect(await importMembers(prisma(), { actorId: otherChair.id, unitId: unitId("LC-DK-CSLC"), file, fileName: "a.xlsx" })).toEqual({
        ok: false,
        reason: "forbidden",
      });
      expect(await prisma().auditLog.count({ where: { action: "denied:member.import", actorId: otherChair.id } })).toBe(1);
      const upper = await importMembers(prisma(), { actorId: null, unitId: unitId("LC-DK"), file, fileName: "a.xlsx" });
      expect(upper).toEqual({ ok: false, reason: "not_grassroots" });

      const noPhone = await writeXlsx([{ name: "DS", columns: columns.filter((c) => c.key !== "phone" && c.key !== "sex"), rows: good }]);
      const missing = await checkMemberImport(prisma(), { unitId: unitId("LC-DK-CSLC"), file: noPhone, fileName: "a.xlsx" });
      expect(missing).toEqual({ ok: false, reason: "columns", missing: ["sex", "phone"] });
      expect(formatImportProblem(missing, vi, 20)).toBe("Tệp thiếu cột: Giới tính, Số điện thoại.");
      const notSheet = await checkMemberImport(prisma(), { unitId: unitId("LC-DK-CSLC"), file: Buffer.from("hello"), fileName: "a.pdf" });
      expect(notSheet).toEqual({ ok: false, reason: "file", problem: { key: "spreadsheet.errors.unsupported", params: {} } });
    });
  });
});
