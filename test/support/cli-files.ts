// For tests of operator CLI commands that write files: a temporary folder for what they write, and the console they
// report to kept quiet, both set up before the file's tests and undone after.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, vi } from "vitest";
import { loadConfig } from "../../src/config.ts";

/** What an operator CLI command is given when the environment sets nothing. */
export const cliConfig = loadConfig({});

export function cliFiles(prefix: string): { readonly dir: string } {
  const files = { dir: "" };
  beforeAll(async () => {
    files.dir = await mkdtemp(join(tmpdir(), prefix));
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    vi.spyOn(console, "error").mockImplementation(() => undefined);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(files.dir, { recursive: true, force: true });
  });
  return files;
}

export interface CliRun {
  code: number;
  out: string;
}

const ROOT = join(import.meta.dirname, "..", "..");

/** The operator's command, as `npm run cli` runs it, in a process of its own with only the environment given here. */
export const runCli = (env: Record<string, string>, ...args: string[]): Promise<CliRun> =>
  new Promise((done) =>
    execFile(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, LOG_LEVEL: "silent", OPERATOR_LANGUAGE: "en", ...env } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
