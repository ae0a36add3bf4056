// One process per embedded database. PGlite keeps the database in the memory of the process that opened it; the
// CLI run beside the bot on the same DATA_DIR used to overwrite the bot's pages (invalid poster links, duplicate
// chat identities). Now the second process is refused with a message for the operator, and the store is untouched.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.ts";
import { EmbeddedStoreBusyError, LOCK_FILE, storeBusyMessage, type LockHolder } from "../../src/db/embedded-lock.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { FakeTelegram } from "../fake-telegram/server.ts";
import { runCliHere, spawnCli } from "../support/cli-files.ts";
import { createTestDataDir, ENGINE } from "../support/database.ts";
import { loadDemo } from "../support/fixtures.ts";
import { nodeArgs } from "../support/node-args.ts";

const ROOT = join(import.meta.dirname, "..", "..");

describe.skipIf(ENGINE !== "pglite")("one process per embedded database", { timeout: 180_000 }, () => {
  let dataDir: string;
  let fake: FakeTelegram;
  const children: ChildProcess[] = [];
  const lockPath = () => join(dataDir, LOCK_FILE);
  const holder = (): LockHolder => JSON.parse(readFileSync(lockPath(), "utf8")) as LockHolder;

  // Another process, as the operator runs it; and the same command in this process, for the lock's rules alone.
  const cli = (...args: string[]) => spawnCli({ DATA_DIR: dataDir, OPERATOR_LANGUAGE: "vi" }, ...args);
  const here = (...args: string[]) => runCliHere({ DATA_DIR: dataDir }, ...args);
  const exited = (child: ChildProcess) =>
    new Promise<number | null>((done) => (child.exitCode !== null || child.signalCode !== null ? done(child.exitCode) : child.once("exit", (code) => done(code))));

  /** What the store holds that a second process could have damaged. */
  async function snapshot(db: Database) {
    return {
      units: await db.prisma.unit.count(),
      identities: await db.prisma.chatIdentity.count(),
      people: await db.prisma.person.count(),
      roles: await db.prisma.roleGrant.count(),
    };
  }

  beforeAll(async () => {
    dataDir = await createTestDataDir("congdoan-lock-");
    fake = await FakeTelegram.start();
    const db = await openDatabase({ dataDir });
    await loadDemo(db.prisma);
    await db.close();
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await Promise.all(children.map(exited));
    await fake?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("refuses the CLI while this process has the store open, leaves the store intact, and lets it in after close", async () => {
    const db = await openDatabase({ dataDir });
    try {
      const before = await snapshot(db);
      expect(holder()).toMatchObject({ pid: process.pid, host: hostname() });
      const refused = await cli("grant", "--telegram", "4242", "--role", "admin");
      expect(refused.code).toBe(1);
      const expected = tFor("vi")("db.busy", { ns: "cli", pid: process.pid, where: "", since: holder().since, dir: resolve(dataDir) });
      expect(refused.stderr.trim()).toBe(expected);
      expect(expected).toContain(`pid ${process.pid}`);
      expect(expected).toContain("DATABASE_URL");
      // A second open in this very process is refused too: it would be a second copy of the database.
      await expect(openDatabase({ dataDir })).rejects.toBeInstanceOf(EmbeddedStoreBusyError);
      expect(await snapshot(db)).toEqual(before);
      expect(await db.prisma.chatIdentity.count({ where: { externalId: "4242" } })).toBe(0);
    } finally {
      await db.close();
    }
    expect(existsSync(lockPath())).toBe(false);

    const granted = await here("grant", "--telegram", "4242", "--role", "admin");
    expect(granted).toMatchObject({ code: 0, stderr: "" });
    expect(existsSync(lockPath())).toBe(false);
    const after = await openDatabase({ dataDir });
    try {
      expect(await after.prisma.chatIdentity.count({ where: { channel: "TELEGRAM", externalId: "4242" } })).toBe(1);
      expect(await after.prisma.roleGrant.count({ where: { role: "ADMIN", person: { identities: { some: { externalId: "4242" } } } } })).toBe(1);
    } finally {
      await after.close();
    }
  });

  it("refuses the CLI while the bot runs, naming the bot and its pid; after the bot stops, the CLI works", async () => {
    const since = fake.mark();
    const bot = spawn(process.execPath, nodeArgs("src/main.ts"), {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DATA_DIR: dataDir, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(bot);
    let botErr = "";
    bot.stderr?.on("data", (chunk: Buffer) => (botErr += chunk.toString()));
    // The bot polls once it is up; by then it has held the lock since it opened the store.
    await fake.waitForPoll(90_000, since);
    expect(holder()).toMatchObject({ pid: bot.pid, role: "bot" });

    const refused = await cli("load-demo");
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr.trim()).toBe(tFor("vi")("db.busy_bot", { ns: "cli", pid: bot.pid, where: "", dir: resolve(dataDir) }));

    // A second bot on the same folder stops at once with the same explanation, in the operator's language.
    const second = spawn(process.execPath, nodeArgs("src/main.ts"), {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DATA_DIR: dataDir, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, LOG_LEVEL: "warn", OPERATOR_LANGUAGE: "en" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(second);
    let secondErr = "";
    second.stderr?.on("data", (chunk: Buffer) => (secondErr += chunk.toString()));
    expect(await exited(second)).toBe(1);
    expect(secondErr.trim()).toBe(tFor("en")("db.busy_bot", { ns: "cli", pid: bot.pid, where: "", dir: resolve(dataDir) }));

    bot.kill("SIGTERM");
    expect(await exited(bot), botErr).toBe(0);
    expect(existsSync(lockPath())).toBe(false);
    const units = await here("units");
    expect(units.code).toBe(0);
    expect(units.stdout).toMatch(/^LC-DK-CSLC\s/m);
  });

  it("takes over the lock of a process that is gone (kill -9, a restarted container)", async () => {
    // A pid that surely is not running: a process that has just exited.
    const gone = spawn(process.execPath, ["-e", ""]);
    await exited(gone);
    writeFileSync(lockPath(), JSON.stringify({ pid: gone.pid, host: hostname(), since: "2026-01-01T00:00:00.000Z", role: "bot" }));
    const units = await here("units");
    expect(units).toMatchObject({ code: 0, stderr: "" });
    expect(units.stdout).toMatch(/^LC-DK-CSLC\s/m);
    expect(existsSync(lockPath())).toBe(false);
  });

  it("respects a fresh lock from another host (a container on the same volume), takes over an abandoned one", async () => {
    const other = { pid: 7, host: "another-container", since: new Date().toISOString(), role: "bot" as const };
    writeFileSync(lockPath(), JSON.stringify(other));
    const refused = await here("units");
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(storeBusyMessage(new EmbeddedStoreBusyError(dataDir, other), { OPERATOR_LANGUAGE: "vi" }));
    expect(refused.stderr).toContain("another-container");
    expect(refused.stderr).toContain(join(resolve(dataDir), LOCK_FILE));

    // Its holder has not touched it for ten minutes: that container is gone.
    const tenMinutesAgo = new Date(Date.now() - 600_000);
    utimesSync(lockPath(), tenMinutesAgo, tenMinutesAgo);
    const units = await here("units");
    expect(units).toMatchObject({ code: 0, stderr: "" });
    expect(existsSync(lockPath())).toBe(false);
  });
});
