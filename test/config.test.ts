// Configuration is read once and validated; a bad value stops the bot with one clear line per problem.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, servesWebChat } from "../src/config.ts";
import { storeOpenProblem } from "../src/db/store-problems.ts";
import { tFor } from "../src/i18n/i18n.ts";
import { blockedDataDir, runCliHere } from "./support/cli-files.ts";
import { nodeArgs } from "./support/node-args.ts";

const run = promisify(execFile);
const TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk";

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("configuration", () => {
  it("has working defaults: Telegram's API, the embedded database in ./data", () => {
    const config = loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN });
    expect(config.TELEGRAM_API_ROOT).toBe("https://api.telegram.org");
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.DATA_DIR).toBe("./data");
    expect(config.LOG_LEVEL).toBe("info");
  });

  it("asks for a webhook secret with a webhook, and checks the secret and the port", () => {
    expect(problems({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_URL: "https://bot.example.vn/telegram" })).toEqual([
      tFor("vi")("config.missing_webhook_secret", { ns: "cli", name: "TELEGRAM" }),
    ]);
    const lines = problems({ OPERATOR_LANGUAGE: "en", TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: "short", PORT: "99999" });
    expect(lines).toEqual([
      tFor("en")("config.bad_webhook_secret", { ns: "cli", name: "TELEGRAM_WEBHOOK_SECRET" }),
      tFor("en")("config.bad_port", { ns: "cli", name: "PORT" }),
    ]);
  });

  it("serves the web chat when there is no Telegram token (an empty one counts as none), beside Telegram only when asked", () => {
    expect(servesWebChat(loadConfig({}))).toBe(true);
    expect(servesWebChat(loadConfig({ TELEGRAM_BOT_TOKEN: "" }))).toBe(true);
    expect(servesWebChat(loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN }))).toBe(false);
    expect(servesWebChat(loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN, WEB_CHAT: "true" }))).toBe(true);
    expect(servesWebChat(loadConfig({ WEB_CHAT: "false" }))).toBe(false);
    expect(problems({ WEB_CHAT: "yes", OPERATOR_LANGUAGE: "en" })).toEqual([tFor("en")("config.bad_boolean", { ns: "cli", name: "WEB_CHAT" })]);
  });

  it("reports every bad value, one line each, naming the variable", () => {
    const lines = problems({
      TELEGRAM_BOT_TOKEN: "not-a-token",
      TELEGRAM_API_ROOT: "ftp://example",
      DATABASE_URL: "mysql://x",
      LOG_LEVEL: "loud",
      OPERATOR_LANGUAGE: "en",
    });
    expect(lines).toHaveLength(4);
    for (const name of ["TELEGRAM_BOT_TOKEN", "TELEGRAM_API_ROOT", "DATABASE_URL", "LOG_LEVEL"]) {
      expect(lines.some((l) => l.startsWith(`${name}:`))).toBe(true);
    }
    expect(lines.join("\n")).not.toContain("not-a-token");
  });

  it("`npm start` without a token serves the web chat on loopback, prints its address and stops cleanly", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "cd-start-"));
    const child = spawn(process.execPath, nodeArgs("src/main.ts"), {
      env: { PATH: process.env.PATH, OPERATOR_LANGUAGE: "en", DATA_DIR: join(dataDir, "data"), WEB_CHAT_PORT: "0", LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const ready = tFor("en")("config.web_chat_ready", { ns: "cli", url: "URL" }).split("URL");
      let out = "";
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const line = out.split("\n").find((l) => l.startsWith(ready[0]!));
          if (line) resolve(line.slice(ready[0]!.length, line.length - ready[1]!.length));
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('data-testid="messages"');
      const people = (await (await fetch(`${url}/api/people?lang=en`)).json()) as { people: { id: string }[] };
      expect(people.people.map((p) => p.id)).toEqual(["chair", "officer", "admin"]);
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it("refuses to serve the web chat beyond loopback without a password", async () => {
    const result = await run(process.execPath, nodeArgs("src/main.ts"), {
      env: { PATH: process.env.PATH, OPERATOR_LANGUAGE: "en", WEB_CHAT_HOST: "0.0.0.0" },
    }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(tFor("en")("config.missing_web_password", { ns: "cli" }));
    expect(problems({ TELEGRAM_BOT_TOKEN: TOKEN, WEB_CHAT: "true", WEB_CHAT_HOST: "0.0.0.0", WEB_CHAT_PASSWORD: "long-enough-password" })).toEqual([]);
  });
});

describe("an unusable data folder", () => {
  it("is told for the store's own folder only: a refused path inside DATA_DIR, not a file elsewhere", () => {
    const refused = (path: string, code = "EACCES") => Object.assign(new Error(`${code}: ${path}`), { code, path });
    const en = { OPERATOR_LANGUAGE: "en" };
    const t = tFor("en");
    expect(storeOpenProblem(refused("/srv/congdoan/data/pg_wal"), "/srv/congdoan/data", en)).toBe(
      t("db.data_dir_unusable", { ns: "cli", dir: "/srv/congdoan/data", path: "/srv/congdoan/data/pg_wal", reason: t("db.data_dir_reason.no_permission", { ns: "cli" }) }),
    );
    expect(storeOpenProblem(refused("/srv/congdoan/data", "EROFS"), "/srv/congdoan/data", en)).toContain(t("db.data_dir_reason.read_only", { ns: "cli" }));
    expect(storeOpenProblem(refused("/srv/congdoan/data", "ENOSPC"), "/srv/congdoan/data", {})).toContain(tFor("vi")("db.data_dir_reason.disk_full", { ns: "cli" }));
    // Someone else's file, an unknown failure, the in-memory store: not a DATA_DIR problem, the error goes on.
    expect(storeOpenProblem(refused("/srv/congdoan/data-old"), "/srv/congdoan/data", en)).toBeUndefined();
    expect(storeOpenProblem(refused("/srv/congdoan/data", "EIO"), "/srv/congdoan/data", en)).toBeUndefined();
    expect(storeOpenProblem(refused("memory://x"), "memory://x", en)).toBeUndefined();
  });

  it.skipIf(!existsSync("/proc/self"))("is told for a folder that cannot be made where it is asked for (under /proc), instead of trying forever", async () => {
    const dataDir = "/proc/congdoan-store/data";
    const run = await runCliHere({ DATA_DIR: dataDir }, "units");
    expect(run.code).toBe(1);
    const t = tFor("vi");
    const reason = t("db.data_dir_reason.cannot_create", { ns: "cli" });
    expect(run.stderr.trim()).toBe(t("db.data_dir_unusable", { ns: "cli", dir: dataDir, path: "/proc/congdoan-store", reason }));
  });

  it("`npm start` says in the operator's language that DATA_DIR cannot be used, without a stack trace, and exits 1", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cd-start-"));
    try {
      const { dataDir, told } = await blockedDataDir(dir);
      const result = await run(process.execPath, nodeArgs("src/main.ts"), {
        env: { PATH: process.env.PATH, OPERATOR_LANGUAGE: "en", DATA_DIR: dataDir, LOG_LEVEL: "warn" },
      }).then(
        () => ({ code: 0, stderr: "" }),
        (error: { code: number; stderr: string }) => error,
      );
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(told("en"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
