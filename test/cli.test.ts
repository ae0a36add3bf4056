// The operator CLI, run as an operator would (a process of its own), on an embedded database in a fresh folder.
// The rules of each command are tested in-process on both engines (test/db/cli-*.test.ts).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { tFor } from "../src/i18n/i18n.ts";
import { LAI_CHAU_DEMO } from "../src/organisation/demo/lai-chau.ts";
import { demoTargets } from "../src/drive/demo.ts";
import { blockedDataDir, spawnCli } from "./support/cli-files.ts";

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

it("migrates a new embedded database, loads the demo data, lists units with codes, and grants a role", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "congdoan-cli-"));
  dirs.push(dataDir);
  const t = tFor("en");
  const cli = (...args: string[]) => spawnCli({ DATA_DIR: dataDir }, ...args).then(({ code, stdout }) => ({ code, out: stdout }));

  expect(await cli("load-demo")).toEqual({
    code: 0,
    out: `${t("cli.demo_loaded", { ns: "cli", count: LAI_CHAU_DEMO.length })}\n${t("targets.cli.demoLoaded", { campaigns: 1, targets: demoTargets().length })}\n`,
  });

  const units = await cli("units");
  expect(units.code).toBe(0);
  expect(units.out.trim().split("\n")).toHaveLength(LAI_CHAU_DEMO.length);
  expect(units.out).toMatch(/^LC-DK-CSLC\s+Grassroots union\s+Công đoàn Công ty Cổ phần Cao su Lai Châu$/m);

  expect(await cli("grant", "--telegram", "777", "--role", "chair", "--unit", "LC-DK-CSLC")).toEqual({
    code: 0,
    out: `${t("cli.granted", { ns: "cli", role: "chair", id: "777", unit: "LC-DK-CSLC" })}\n`,
  });
  expect((await cli("nonsense")).code).toBe(2);
}, 120_000); // four processes, each opening an on-disk embedded database

it("says in the operator's language, without a stack trace, that DATA_DIR cannot be used, and exits 1", async () => {
  const dir = await mkdtemp(join(tmpdir(), "congdoan-cli-"));
  dirs.push(dir);
  const { dataDir, told } = await blockedDataDir(dir);
  for (const lang of ["en", "vi"] as const) {
    const run = await spawnCli({ DATA_DIR: dataDir, OPERATOR_LANGUAGE: lang }, "units");
    expect(run).toEqual({ code: 1, stdout: "", stderr: `${told(lang)}\n`, out: expect.any(String) });
  }
}, 60_000);
