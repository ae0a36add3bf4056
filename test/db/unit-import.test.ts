// Importing units against the store: all or nothing, idempotent, scoped for officers, audited; export round trip;
// the committed template.
import { readFile } from "node:fs/promises";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportUnitRows, importUnits, unitTemplate, writeUnitFile, type ImportResult } from "../../src/organisation/unit-import.ts";
import { readSheet } from "../../src/shared/spreadsheet.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const HEADER = "Mã đơn vị;Tên đơn vị;Loại;Mã đơn vị cấp trên;Số lao động;Số đoàn viên;Ngày số liệu;Ngày thành lập;Ngày giải thể";
const file = (...lines: string[]) => ({ bytes: Buffer.from([HEADER, ...lines].join("\n"), "utf8"), name: "units.csv" });
const OPERATOR = { operator: true } as const;
const brief = (r: ImportResult) => ({
  created: r.created,
  updated: r.updated,
  unchanged: r.unchanged,
  written: r.written,
  errors: r.errors.map((e) => `${e.line}:${e.key.replace("units.import.errors.", "")}`),
});

let db: TestDatabase;
let officerId: string;
let chairId: string;
let adminId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await loadDemo(db.prisma);
  officerId = (await grant(db.prisma, { id: 7101, first_name: "Officer" }, "OFFICER", "LC-DK")).id;
  chairId = (await grant(db.prisma, { id: 7102, first_name: "Chair" }, "CHAIR", "LC-DK-CSLC")).id;
  adminId = (await grant(db.prisma, { id: 7103, first_name: "Admin" }, "ADMIN")).id;
});
afterAll(async () => db?.destroy());

const count = () => db.prisma.unit.count();

describe("importUnits", () => {
  it("creates units (a child may come before its new parent), then a second import changes nothing", async () => {
    const f = file(
      "NEW-CS1;Công đoàn cơ sở Mới 1;CĐCS;NEW-XA;120;100;01/07/2025;15/03/2010;",
      "NEW-XA;Công đoàn xã Mới;Công đoàn xã/phường;LC;;;;;",
    );
    const dry = await importUnits(db.prisma, { personId: adminId }, f, { dryRun: true });
    expect(brief(dry)).toEqual({ created: 2, updated: 0, unchanged: 0, written: false, errors: [] });
    expect(await db.prisma.unit.findUnique({ where: { code: "NEW-XA" } })).toBeNull();

    expect(brief(await importUnits(db.prisma, { personId: adminId }, f))).toEqual({ created: 2, updated: 0, unchanged: 0, written: true, errors: [] });
    const cs = await db.prisma.unit.findUniqueOrThrow({ where: { code: "NEW-CS1" }, include: { parent: true } });
    expect(cs).toMatchObject({ name: "Công đoàn cơ sở Mới 1", type: "GRASSROOTS", workerCount: 120, memberCount: 100, searchName: "cong doan co so moi 1", closedAt: null });
    expect(cs.parent?.code).toBe("NEW-XA");
    expect(cs.baselineDate?.toISOString()).toBe("2025-07-01T00:00:00.000Z");
    expect(cs.foundedOn?.toISOString()).toBe("2010-03-15T00:00:00.000Z");

    const total = await count();
    expect(brief(await importUnits(db.prisma, { personId: adminId }, f))).toEqual({ created: 0, updated: 0, unchanged: 2, written: true, errors: [] });
    expect(await count()).toBe(total);

    const audit = await db.prisma.auditLog.findMany({ where: { action: "unit.import", actorId: adminId }, orderBy: { at: "asc" } });
    expect(audit).toHaveLength(2);
    expect(audit[0]?.after).toMatchObject({ fileName: "units.csv", created: 2, updated: 0, unchanged: 0 });
  });

  it("updates what changed and closes a unit whose children close in the same file", async () => {
    const f = file(
      "NEW-CS1;Công đoàn cơ sở Mới 1;CĐCS;NEW-XA;120;100;01/07/2025;15/03/2010;30/06/2025",
      "NEW-XA;Công đoàn xã Mới (đã sáp nhập);Công đoàn xã/phường;LC;;;;;30/06/2025",
    );
    expect(brief(await importUnits(db.prisma, OPERATOR, f))).toEqual({ created: 0, updated: 2, unchanged: 0, written: true, errors: [] });
    const xa = await db.prisma.unit.findUniqueOrThrow({ where: { code: "NEW-XA" } });
    expect(xa.name).toBe("Công đoàn xã Mới (đã sáp nhập)");
    expect(xa.closedAt?.toISOString()).toBe("2025-06-29T17:00:00.000Z"); // midnight in Vietnam
    expect(brief(await importUnits(db.prisma, OPERATOR, f)).unchanged).toBe(2);
  });

  it("checks the whole file against the store and writes nothing when one row is wrong", async () => {
    const total = await count();
    const result = await importUnits(
      db.prisma,
      OPERATOR,
      file(
        "OK-1;Đúng;CĐCS;LC;;;;;", // 2
        "BAD-1;Cấp trên không có;CĐCS;NOPE;;;;;", // 3
        "BAD-2;Dưới CĐCS;CĐCS;LC-DK-CSLC;;;;;", // 4
        "LC-DK;Công đoàn phường Đoàn Kết;Công đoàn xã/phường;LC;;;;;01/01/2025", // 5: has open children
        "LOOP-A;Vòng A;Công đoàn ngành;LOOP-B;;;;;", // 6
        "LOOP-B;Vòng B;Công đoàn ngành;LOOP-A;;;;;", // 7
        "LC;Liên đoàn Lao động tỉnh Lai Châu;LĐLĐ tỉnh;LC-TP;;;;;", // 8: under its own descendant
        "UNDER-CLOSED;Dưới đơn vị đã giải thể;CĐCS;NEW-XA;;;;;", // 9
        "BAD-3;Số sai;CĐCS;LC;x;;;;", // 10
        "CHILD-OF-BAD;Con của dòng sai;CĐCS;BAD-3;;;;;", // 11: no error of its own
      ),
    );
    expect(brief(result)).toEqual({
      created: 0,
      updated: 0,
      unchanged: 0,
      written: false,
      errors: ["3:parentNotFound", "4:parentGrassroots", "5:closedWithOpenChildren", "6:cycle", "7:cycle", "8:cycle", "9:parentClosed", "10:numberInvalid"],
    });
    expect(result.errors.find((e) => e.line === 8)?.params).toEqual({ codes: "LC → LC-TP → LC" });
    expect(await count()).toBe(total);
    expect(await db.prisma.unit.findUnique({ where: { code: "OK-1" } })).toBeNull();
  });

  it("lets an officer touch only their subtree", async () => {
    const total = await count();
    const result = await importUnits(
      db.prisma,
      { personId: officerId },
      file(
        "DK-NEW;CĐCS mới ở Đoàn Kết;CĐCS;LC-DK;;;;;", // 2: fine
        "TP-NEW;CĐCS mới ở Tân Phong;CĐCS;LC-TP;;;;;", // 3: parent outside
        "LC;Liên đoàn Lao động tỉnh Lai Châu (sửa);LĐLĐ tỉnh;;;;;;", // 4: the unit above
        "ROOT-NEW;Gốc mới;LĐLĐ tỉnh;;;;;;", // 5: a new root
        "LC-DK-CSLC;Công đoàn Công ty Cổ phần Cao su Lai Châu;CĐCS;LC-TP;;;;;", // 6: moved out
      ),
    );
    expect(brief(result).errors).toEqual(["3:outsideScope", "4:outsideScope", "5:newRootNotAllowed", "6:outsideScope"]);
    expect(result.errors[0]?.params).toEqual({ code: "LC-TP" });
    expect(await count()).toBe(total);

    expect(brief(await importUnits(db.prisma, { personId: officerId }, file("DK-NEW;CĐCS mới ở Đoàn Kết;CĐCS;LC-DK;;;;;")))).toMatchObject({ created: 1, written: true });
  });

  it("refuses a chair everything (their scope for imports is empty)", async () => {
    const result = await importUnits(db.prisma, { personId: chairId }, file("LC-DK-CSLC;Đổi tên;CĐCS;LC-DK;;;;;"));
    expect(brief(result).errors).toEqual(["2:outsideScope"]);
    expect(await exportUnitRows(db.prisma, { personId: chairId }, { lang: "vi" })).toBeNull();
  });
});

describe("export", () => {
  it("round-trips: an officer's export (their own unit included) re-imports unchanged, as XLSX and CSV", async () => {
    const rows = (await exportUnitRows(db.prisma, { personId: officerId }, { lang: "vi" }))!;
    expect(rows[0]).toMatchObject({ code: "LC-DK", parentCode: "LC", type: "Công đoàn xã/phường" });
    expect(rows.map((r) => r.code)).toContain("DK-NEW");
    expect(rows.map((r) => r.code)).not.toContain("LC-TP");
    for (const format of ["xlsx", "csv"] as const) {
      const bytes = await writeUnitFile(rows, format, "vi");
      const result = await importUnits(db.prisma, { personId: officerId }, { bytes, name: `export.${format}` });
      expect(brief(result)).toEqual({ created: 0, updated: 0, unchanged: rows.length, written: true, errors: [] });
    }
  });

  it("an admin's full export in English re-imports unchanged (closed units and dates included)", async () => {
    const rows = (await exportUnitRows(db.prisma, { personId: adminId }, { lang: "en" }))!;
    expect(rows).toHaveLength(await count());
    const bytes = await writeUnitFile(rows, "xlsx", "en");
    const result = await importUnits(db.prisma, OPERATOR, { bytes, name: "all.xlsx" });
    expect(brief(result)).toEqual({ created: 0, updated: 0, unchanged: rows.length, written: true, errors: [] });
  });
});

describe("templates/units-template.xlsx", () => {
  async function cells(bytes: Buffer) {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as unknown as ExcelJS.Buffer);
    return wb.worksheets.map((ws) => ({ name: ws.name, values: ws.getSheetValues() }));
  }

  it("is what unitTemplate() makes (regenerate: npm run cli -- units-template templates/units-template.xlsx)", async () => {
    const committed = await readFile(new URL("../../templates/units-template.xlsx", import.meta.url));
    expect(await cells(committed)).toEqual(await cells(await unitTemplate()));
    expect((await cells(committed)).map((s) => s.name)).toEqual(["Đơn vị", "Hướng dẫn"]);
  });

  it("has every column and its example row imports cleanly", async () => {
    const committed = await readFile(new URL("../../templates/units-template.xlsx", import.meta.url));
    const sheet = await readSheet(committed, "units-template.xlsx", { code: ["Mã đơn vị"], type: ["Loại"], closed: ["Ngày giải thể"] });
    expect(sheet.missingColumns).toEqual([]);
    const result = await importUnits(db.prisma, OPERATOR, { bytes: committed, name: "units-template.xlsx" }, { dryRun: true });
    expect(brief(result)).toEqual({ created: 1, updated: 0, unchanged: 0, written: false, errors: [] });
  });
});
