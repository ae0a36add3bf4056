// For tests of operator CLI commands: a run of the CLI, in a process of its own or in this one; and for commands that
// write files, a temporary folder for what they write and the console they report to kept quiet, both set up before
// the file's tests and undone after.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format } from "node:util";
import { afterAll, beforeAll, vi } from "vitest";
import { runCli } from "../../src/cli/run.ts";
import { loadConfig } from "../../src/config.ts";
import { tFor, type Lang } from "../../src/i18n/i18n.ts";
import { nodeArgs } from "./node-args.ts";

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
  stdout: string;
  stderr: string;
  /** stdout and stderr together, in the order written (in-process) or stdout then stderr (a process). */
  out: string;
}

const ROOT = join(import.meta.dirname, "..", "..");

/**
 * The operator's command, as `npm run cli` runs it, in a process of its own with only the environment given here
 * (and English unless `env` says otherwise): for what only a process shows (exit codes, the lock between processes).
 */
export const spawnCli = (env: Record<string, string>, ...args: string[]): Promise<CliRun> =>
  new Promise((done) =>
    execFile(
      process.execPath,
      nodeArgs("src/cli/main.ts", ...args),
      { cwd: ROOT, env: { PATH: process.env.PATH, LOG_LEVEL: "silent", OPERATOR_LANGUAGE: "en", ...env } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, out: stdout + stderr }),
    ),
  );

/**
 * The same command run in this process through `runCli`, the function `npm run cli` calls: about 3 s of CPU less than
 * a process (no Node, tsx, Prisma or PGlite start), for the commands' own behaviour. The commands speak this process's
 * OPERATOR_LANGUAGE (Vietnamese in the tests); `env` is the rest of the environment, as for `spawnCli`.
 */
export async function runCliHere(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  const run = { stdout: "", stderr: "", out: "" };
  const { log, error } = console;
  const write = (stream: "stdout" | "stderr") => (...parts: unknown[]) => {
    const line = `${format(...parts)}\n`;
    run[stream] += line;
    run.out += line;
  };
  console.log = write("stdout");
  console.error = write("stderr");
  try {
    const code = await runCli(args, { LOG_LEVEL: "silent", ...env });
    return { code, ...run };
  } finally {
    Object.assign(console, { log, error });
  }
}

/**
 * A DATA_DIR under `parent` that cannot be made (a file stands where its folder's parent should be), and the paragraph
 * the bot and the CLI tell the operator about it, in their language.
 */
export async function blockedDataDir(parent: string): Promise<{ dataDir: string; told(lang: Lang): string }> {
  const blocker = join(parent, "a-file");
  await writeFile(blocker, "");
  const dataDir = join(blocker, "store");
  const told = (lang: Lang) => {
    const t = tFor(lang);
    return t("db.data_dir_unusable", { ns: "cli", dir: dataDir, path: dataDir, reason: t("db.data_dir_reason.not_a_folder", { ns: "cli" }) });
  };
  return { dataDir, told };
}
