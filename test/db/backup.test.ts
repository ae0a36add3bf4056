// `npm run cli -- backup <file>` and `restore <file> [--force]`: the embedded store saved to one file with PGlite's own
// dump and brought back into another folder, through the CLI's own entry (`runCli`, in this process: the lock between
// processes is test/db/embedded-lock.test.ts). On PostgreSQL the two commands point to pg_dump and pg_restore instead.
import { existsSync } from "node:fs";
import { lstat, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { LOCK_FILE } from "../../src/db/embedded-lock.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { decideApplication } from "../../src/membership/applications.ts";
import { createTestDatabase, createTestDataDir, ENGINE, type TestDatabase } from "../support/database.ts";
import { runCliHere as cli } from "../support/cli-files.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";
import { patternOf } from "../support/locale-texts.ts";


/** Every row of every table of ours (pg-boss's and the migration history too), as text: equal digests, equal stores. */
async function contents(dataDir: string): Promise<Record<string, { rows: number; digest: string }>> {
  const db = await openDatabase({ dataDir });
  try {
    const query = async (sql: string) => (await db.pglite!.query<Record<string, unknown>>(sql)).rows;
    const tables = await query(`SELECT schemaname || '.' || quote_ident(tablename) AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`);
    const out: Record<string, { rows: number; digest: string }> = {};
    for (const { name } of tables) {
      const [row] = await query(`SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS digest FROM ${String(name)} t`);
      out[String(name)] = { rows: Number(row?.rows), digest: String(row?.digest) };
    }
    return out;
  } finally {
    await db.close();
  }
}

/** Paths under the folder whose mode lets anyone but the owner in. */
async function notOwnerOnly(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const open: string[] = [];
  for (const path of [dir, ...entries.map((e) => join(e.parentPath, e.name))]) {
    if (((await lstat(path)).mode & 0o077) !== 0) open.push(path);
  }
  return open;
}

describe.skipIf(ENGINE !== "pglite")("backup and restore of the embedded store", { timeout: 300_000 }, () => {
  let work: string;
  let storeDir: string;
  let backupFile: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "congdoan-backup-"));
    storeDir = await createTestDataDir(join(work, "data-"));
    backupFile = join(work, "congdoan.tar.gz");
    const db = await openDatabase({ dataDir: storeDir });
    try {
      await loadDemo(db.prisma);
      const chair = await grant(db.prisma, { id: 4_200_001 }, "CHAIR", "LC-DK-CSLC");
      for (let i = 0; i < 30; i++) {
        const filed = await fileApplication(db.prisma, { channel: "ZALO", externalId: `backup-${i}` }, "LC-DK-CSLC");
        if (i % 3 === 0) await decideApplication(db.prisma, { applicationId: filed.applicationId, actorId: chair.id, decision: { kind: "approve" } });
      }
      await db.prisma.webFile.create({ data: { id: "f1", chatId: "web:b", name: "a.png", mime: "image/png", bytes: Buffer.from([0, 1, 2, 255]) } });
    } finally {
      await db.close();
    }
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("backs up to an owner-only file, and restoring it into another folder gives the same store, owner-only", async () => {
    const saved = await contents(storeDir);
    const backup = await cli({ DATA_DIR: storeDir }, "backup", backupFile);
    expect(backup.code, backup.out).toBe(0);
    expect(backup.out).toMatch(/^Application\s+30$/m);
    expect((await lstat(backupFile)).mode & 0o777).toBe(0o600);

    const copyDir = join(work, "copy");
    const restore = await cli({ DATA_DIR: copyDir }, "restore", backupFile);
    expect(restore.code, restore.out).toBe(0);
    expect(restore.out).toMatch(/^Application\s+30$/m);
    expect(restore.out).toMatch(/^Member\s+10$/m);
    expect(Object.keys(saved).length).toBeGreaterThanOrEqual(28);
    expect(await contents(copyDir)).toEqual(saved);
    expect(await notOwnerOnly(copyDir)).toEqual([]);
    // Nothing of the restore's own is left behind, and the lock went with the command.
    expect((await readdir(copyDir)).filter((name) => name.startsWith("."))).toEqual([]);
  });

  it("refuses to replace a store that holds data unless --force, and then the backup's rows replace it", async () => {
    const saved = await contents(storeDir);
    const db = await openDatabase({ dataDir: storeDir });
    await db.prisma.unit.update({ where: { code: "LC-DK-CSLC" }, data: { name: "Đổi tên sau khi sao lưu" } });
    await db.close();
    const changed = await contents(storeDir);
    expect(changed).not.toEqual(saved);

    const refused = await cli({ DATA_DIR: storeDir }, "restore", backupFile);
    expect(refused.code, refused.out).toBe(1);
    expect(refused.stderr).toMatch(patternOf("store.restore.holds_data"));
    expect(refused.stderr).toContain("--force");
    expect(await contents(storeDir)).toEqual(changed);

    const forced = await cli({ DATA_DIR: storeDir }, "restore", backupFile, "--force");
    expect(forced.code, forced.out).toBe(0);
    expect(await contents(storeDir)).toEqual(saved);
  });

  it("refuses a file that is not a backup and leaves the store as it was", async () => {
    const before = await contents(storeDir);
    const notBackup = join(work, "notes.tar.gz");
    await writeFile(notBackup, "not a tar file");
    const run = await cli({ DATA_DIR: storeDir }, "restore", notBackup, "--force");
    expect(run.code, run.out).toBe(1);
    expect(run.stderr.trim()).toBe(tFor("vi")("store.restore.not_a_backup", { file: notBackup }));
    expect(await contents(storeDir)).toEqual(before);
  });

  it("does not back up while the bot has the store open", async () => {
    const bot = await openDatabase({ dataDir: storeDir });
    try {
      const file = join(work, "while-open.tar.gz");
      const run = await cli({ DATA_DIR: storeDir }, "backup", file);
      expect(run.code, run.out).toBe(1);
      expect(run.out).toContain(`pid ${process.pid}`);
      expect(existsSync(file)).toBe(false);
      expect(existsSync(join(storeDir, LOCK_FILE))).toBe(true);
    } finally {
      await bot.close();
    }
  });
});

describe.skipIf(ENGINE !== "postgres")("backup and restore on PostgreSQL", { timeout: 120_000 }, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.destroy());

  it("print the pg_dump and pg_restore commands to use instead and exit 2, without the password", async () => {
    const url = new URL(db.url!);
    if (!url.password) url.password = "Kh0ng-In-Ra";
    const env = { DATABASE_URL: url.toString() };
    const backup = await cli(env, "backup", "congdoan.dump");
    expect(backup.code, backup.out).toBe(2);
    expect(backup.out).toContain(`pg_dump --format=custom --file=congdoan.dump "$DATABASE_URL"`);
    const restore = await cli(env, "restore", "congdoan.dump");
    expect(restore.code, restore.out).toBe(2);
    expect(restore.out).toContain(`pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" congdoan.dump`);
    expect(backup.out + restore.out).not.toContain(decodeURIComponent(url.password));
  });
});
