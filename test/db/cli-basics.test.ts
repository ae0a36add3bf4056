// The operator's first commands, in-process on each engine: loading the demo twice changes nothing; a chair or
// deputy belongs to a grassroots union; unknown units and bad ids are refused with a reason and an exit code.
import { afterAll, beforeAll, describe, expect, it, vi as vitestVi } from "vitest";
import { basicCommands } from "../../src/cli/basics.ts";
import { operatorLang, tFor } from "../../src/i18n/i18n.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { cliConfig } from "../support/cli-files.ts";

const t = tFor(operatorLang());
let db: TestDatabase;
let out: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  vitestVi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
});
afterAll(async () => {
  vitestVi.restoreAllMocks();
  await db?.destroy();
});

const cli = async (name: string, ...args: string[]) => {
  out = [];
  const code = await basicCommands[name]!(db.prisma, args, cliConfig);
  return { code, out: out.join("\n") };
};

describe("load-demo, units, grant", () => {
  it("loads the demo once, however often it runs", async () => {
    expect((await cli("load-demo")).code).toBe(0);
    const units = await db.prisma.unit.count();
    const targets = await db.prisma.target.count();
    expect((await cli("load-demo")).code).toBe(0);
    expect([await db.prisma.unit.count(), await db.prisma.target.count()]).toEqual([units, targets]);
  });

  it("grants chairs and deputies only in grassroots unions, and refuses unknown units and bad ids", async () => {
    expect((await cli("grant", "--telegram", "777", "--role", "chair", "--unit", "LC-DK-CSLC")).code).toBe(0);
    expect(await cli("grant", "--telegram", "777", "--role", "chair", "--unit", "LC-DK")).toEqual({
      code: 1,
      out: t("cli.chair_needs_grassroots", { ns: "cli", code: "LC-DK" }),
    });
    expect((await cli("grant", "--telegram", "778", "--role", "deputy", "--unit", "LC-DK")).code).toBe(1);
    expect((await cli("grant", "--telegram", "778", "--role", "deputy", "--unit", "LC-DK-CSLC")).code).toBe(0);
    expect(await cli("grant", "--telegram", "777", "--role", "officer", "--unit", "NOPE")).toEqual({
      code: 1,
      out: t("cli.unit_not_found", { ns: "cli", code: "NOPE" }),
    });
    expect((await cli("grant", "--telegram", "abc", "--role", "admin")).code).toBe(2);
    const roles = await db.prisma.roleGrant.findMany({ select: { role: true, unit: { select: { code: true } } }, orderBy: { role: "asc" } });
    expect(roles.map((r) => `${r.role} ${r.unit?.code}`)).toEqual(["CHAIR LC-DK-CSLC", "DEPUTY_CHAIR LC-DK-CSLC"]);
  });
});
