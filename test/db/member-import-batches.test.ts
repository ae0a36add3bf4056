// A member import written in batches is still all or nothing: when the store refuses a row halfway through (here a
// trigger refusing the 151st member of the union, on either engine), no member of that import is left and nothing is
// audited; once the store accepts again, the same file imports completely, in file order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importMembers } from "../../src/membership/member-import.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { writeCsv } from "../../src/shared/spreadsheet.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { loadDemo, MEMBER_ROLL_COLUMNS } from "../support/fixtures.ts";

const COLUMNS = MEMBER_ROLL_COLUMNS;
const GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng"];
/** 2,500 rows: more than one batch on either engine. */
const ROWS = Array.from({ length: 2_500 }, (_, i) => ({
  name: `Lò Văn ${GIVEN[i % 10]}`,
  birth: `${String(1 + (Math.floor(i / 10) % 28)).padStart(2, "0")}/${String(1 + (Math.floor(i / 280) % 12)).padStart(2, "0")}/1985`,
  sex: "Nam",
  phone: `0389${String(i).padStart(6, "0")}`,
  joined: "01/05/2015",
}));

describe("a member import written in batches", () => {
  let db: TestDatabase;
  let unitId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDemo(db.prisma);
    unitId = (await findUnitByCode(db.prisma, "LC-DK-AGR"))!.id;
  });
  afterAll(() => db?.destroy());

  it("leaves nothing when the store refuses a row halfway, and imports the whole file once it accepts", async () => {
    const file = writeCsv(COLUMNS, ROWS);
    const count = () => db.prisma.member.count({ where: { unitId } });
    await db.prisma.$executeRawUnsafe(`
      CREATE FUNCTION refuse_after_150() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT count(*) FROM "Member" WHERE "unitId" = NEW."unitId") >= 150 THEN RAISE EXCEPTION 'store refuses'; END IF;
        RETURN NEW;
      END $$`);
    await db.prisma.$executeRawUnsafe(`CREATE TRIGGER refuse_after_150 BEFORE INSERT ON "Member" FOR EACH ROW EXECUTE FUNCTION refuse_after_150()`);

    await expect(importMembers(db.prisma, { actorId: null, unitId, file, fileName: "ds.csv" })).rejects.toThrow();
    expect(await count()).toBe(0);
    expect(await db.prisma.auditLog.count({ where: { action: "member.import", unitId } })).toBe(0);

    await db.prisma.$executeRawUnsafe(`DROP TRIGGER refuse_after_150 ON "Member"`);
    expect(await importMembers(db.prisma, { actorId: null, unitId, file, fileName: "ds.csv" })).toEqual({
      ok: true,
      total: 2_500,
      created: 2_500,
      unchanged: 0,
    });
    const members = await db.prisma.member.findMany({ where: { unitId }, orderBy: { number: "asc" }, select: { phone: true, source: true, personId: true } });
    expect(members.map((m) => m.phone)).toEqual(ROWS.map((r) => `+84${r.phone.slice(1)}`));
    expect(members.every((m) => m.source === "IMPORT" && m.personId === null)).toBe(true);
    expect(await db.prisma.auditLog.count({ where: { action: "member.import", unitId } })).toBe(1);

    // Again: nothing new.
    expect(await importMembers(db.prisma, { actorId: null, unitId, file, fileName: "ds.csv" })).toMatchObject({ ok: true, created: 0, unchanged: 2_500 });
    expect(await count()).toBe(2_500);
  });
});
