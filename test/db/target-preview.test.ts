// Before writing: previewTarget tells the value before and the cascade warnings a new value would cause (the units of a
// ward exceeding the ward's target; a ward given less than its unions already have), reusing the import's cascade
// check; importTargets with dryRun does every write and rolls it back, so its preview equals the real import.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importTargets, previewTarget, setTarget, targetsFor } from "../../src/drive/targets.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

let db: TestDatabase;
let officer = "";
const ids: Record<string, string> = {};
const YEAR = { year: 2031 };
const file = (...lines: string[]) => ({ bytes: Buffer.from(["Mã đơn vị;Chỉ tiêu;Năm;Mã chiến dịch;Giá trị", ...lines].join("\n"), "utf8"), name: "t.csv" });

beforeAll(async () => {
  db = await createTestDatabase();
  await loadDemo(db.prisma);
  officer = (await grant(db.prisma, { id: 8101, first_name: "Officer" }, "OFFICER", "LC")).id;
  for (const code of ["LC-DK", "LC-DK-CSLC", "LC-DK-AGR"]) ids[code] = (await findUnitByCode(db.prisma, code))!.id;
  await setTarget(db.prisma, { actorId: null, unitId: ids["LC-DK"]!, period: YEAR, metric: "NEW_MEMBERS", value: 100 });
  await setTarget(db.prisma, { actorId: null, unitId: ids["LC-DK-AGR"]!, period: YEAR, metric: "NEW_MEMBERS", value: 60 });
  await setTarget(db.prisma, { actorId: null, unitId: ids["LC-DK-CSLC"]!, period: YEAR, metric: "NEW_MEMBERS", value: 30 });
});
afterAll(async () => db?.destroy());

describe("previewTarget", () => {
  it("counts the proposed value instead of the stored one, and warns only when the sum would exceed the parent", async () => {
    expect(await previewTarget(db.prisma, { unitId: ids["LC-DK-CSLC"]!, period: YEAR, metric: "NEW_MEMBERS", value: 40 })).toEqual({ ok: true, before: 30 });
    expect(await previewTarget(db.prisma, { unitId: ids["LC-DK-CSLC"]!, period: YEAR, metric: "NEW_MEMBERS", value: 41 })).toEqual({
      ok: true,
      before: 30,
      warning: { exceedsParent: { parentUnitId: ids["LC-DK"], parentValue: 100, childrenSum: 101 } },
    });
  });

  it("warns when a unit would get less than its children already have, and refuses bad input without writing", async () => {
    expect(await previewTarget(db.prisma, { unitId: ids["LC-DK"]!, period: YEAR, metric: "NEW_MEMBERS", value: 80 })).toEqual({ ok: true, before: 100, childrenSum: 90 });
    expect(await previewTarget(db.prisma, { unitId: ids["LC-DK"]!, period: YEAR, metric: "NEW_MEMBERS", value: -1 })).toEqual({ ok: false, reason: "invalidValue" });
    expect(await previewTarget(db.prisma, { unitId: ids["LC-DK"]!, period: { year: 1999 }, metric: "NEW_MEMBERS", value: 1 })).toEqual({ ok: false, reason: "invalidYear" });
    expect(await targetsFor(db.prisma, ids["LC-DK"]!, YEAR)).toEqual([{ metric: "NEW_MEMBERS", value: 100 }]);
  });
});

describe("importTargets dry run", () => {
  it("reports exactly what the import will do, and writes nothing (no targets, no audit)", async () => {
    const f = file("LC-DK-CSLC;Kết nạp đoàn viên mới;2031;;50", "LC-DK-AGR;Thực tăng đoàn viên;2031;;5");
    const audits = await db.prisma.auditLog.count();
    const dry = await importTargets(db.prisma, { personId: officer }, f, { dryRun: true });
    expect(dry).toMatchObject({ errors: [], created: 1, updated: 1, unchanged: 0, written: false });
    expect(dry.changes).toEqual([
      { line: 2, code: "LC-DK-CSLC", metric: "NEW_MEMBERS", period: "2031", before: 30, after: 50 },
      { line: 3, code: "LC-DK-AGR", metric: "NET_INCREASE", period: "2031", before: null, after: 5 },
    ]);
    expect(dry.warnings).toEqual([{ exceedsParent: { parentUnitId: ids["LC-DK"], parentValue: 100, childrenSum: 110 }, metric: "NEW_MEMBERS", parentCode: "LC-DK", period: "2031" }]);
    expect(await targetsFor(db.prisma, ids["LC-DK-CSLC"]!, YEAR)).toEqual([{ metric: "NEW_MEMBERS", value: 30 }]);
    expect(await db.prisma.auditLog.count()).toBe(audits);

    const real = await importTargets(db.prisma, { personId: officer }, f);
    expect({ ...real, written: false }).toEqual(dry);
    expect(await targetsFor(db.prisma, ids["LC-DK-CSLC"]!, YEAR)).toEqual([{ metric: "NEW_MEMBERS", value: 50 }]);
  });
});
