// applicationsBySource: how the applications for a union came in (its poster, another link, none), for
// the summary that counts them by source.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applicationsBySource } from "../../src/organisation/posters.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { fileApplication, loadDemo } from "../support/fixtures.ts";

describe("applicationsBySource", () => {
  let db: TestDatabase;
  let n = 0;
  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDemo(db.prisma);
  });
  afterAll(() => db?.destroy());

  const apply = (unitCode: string, source?: string) => fileApplication(db.prisma, { id: 7000 + ++n }, unitCode, { source });

  it("counts each union's applications per source, poster codes told apart from other links and none", async () => {
    const cslc = (await findUnitByCode(db.prisma, "LC-DK-CSLC"))!.id;
    const agr = (await findUnitByCode(db.prisma, "LC-DK-AGR"))!.id;
    expect(await applicationsBySource(db.prisma, cslc)).toEqual([]);

    for (let i = 0; i < 3; i++) await apply("LC-DK-CSLC", "LC-DK-CSLC");
    await apply("LC-DK-CSLC", "LC-DK"); // the ward union's poster, then the worker picked the company
    await apply("LC-DK-CSLC", "campaign2025");
    await apply("LC-DK-CSLC");
    await apply("LC-DK-CSLC");
    await apply("LC-DK-AGR", "LC-DK-AGR");

    expect(await applicationsBySource(db.prisma, cslc)).toEqual([
      { source: "LC-DK-CSLC", kind: "poster", count: 3 },
      { source: null, kind: "none", count: 2 },
      { source: "LC-DK", kind: "poster", count: 1 },
      { source: "campaign2025", kind: "link", count: 1 },
    ]);
    expect(await applicationsBySource(db.prisma, agr)).toEqual([{ source: "LC-DK-AGR", kind: "poster", count: 1 }]);
  });
});
