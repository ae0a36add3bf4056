// The operator CLI, run as an operator would, on an embedded database in a fresh folder.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { tFor } from "../src/i18n/i18n.ts";
import { LAI_CHAU_DEMO } from "../src/organisation/demo/lai-chau.ts";
import { DEMO_TARGETS } from "../src/drive/demo.ts";

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

it("loads the demo data, lists units with codes, and grants roles", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "congdoan-cli-"));
  dirs.push(dataDir);
  const t = tFor("en");
  const cli = (...args: string[]) =>
    run(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      env: { PATH: process.env.PATH, DATA_DIR: dataDir, OPERATOR_LANGUAGE: "en", LOG_LEVEL: "silent" },
    }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );

  expect(await cli("load-demo")).toEqual({
    code: 0,
    out: `${t("cli.demo_loaded", { ns: "cli", count: LAI_CHAU_DEMO.length })}\n${t("targets.cli.demoLoaded", { campaigns: 1, targets: DEMO_TARGETS.length })}\n`,
  });
  // A second load changes nothing.
  expect((await cli("load-demo")).code).toBe(0);

  const units = await cli("units");
  expect(units.code).toBe(0);
  expect(units.out.trim().split("\n")).toHaveLength(LAI_CHAU_DEMO.length);
  expect(units.out).toMatch(/^LC-DK-CSLC\s+Grassroots union\s+Công đoàn Công ty Cổ phần Cao su Lai Châu$/m);

  expect((await cli("grant", "--telegram", "777", "--role", "chair", "--unit", "LC-DK-CSLC")).code).toBe(0);
  // A chair belongs to a grassroots union; unknown units and bad ids are refused with a reason.
  const notGrassroots = await cli("grant", "--telegram", "777", "--role", "chair", "--unit", "LC-DK");
  expect(notGrassroots).toEqual({ code: 1, out: `${t("cli.chair_needs_grassroots", { ns: "cli", code: "LC-DK" })}\n` });
  // So does a deputy chair (phó chủ tịch CĐCS).
  expect((await cli("grant", "--telegram", "778", "--role", "deputy", "--unit", "LC-DK")).code).toBe(1);
  expect((await cli("grant", "--telegram", "778", "--role", "deputy", "--unit", "LC-DK-CSLC")).code).toBe(0);
  expect((await cli("grant", "--telegram", "777", "--role", "officer", "--unit", "NOPE")).code).toBe(1);
  expect((await cli("grant", "--telegram", "abc", "--role", "admin")).code).toBe(2);
}, 240_000); // nine processes, each opening an on-disk embedded database
