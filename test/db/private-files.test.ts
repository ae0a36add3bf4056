// The embedded store holds applicants' names and phones (in its tables and its write-ahead log): the folder and
// every file in it must be its owner's alone, whatever the umask the bot was started with, and exports the
// operator writes from the CLI likewise. Run with a umask of 0000, the most permissive a service can inherit.
import { chmod, lstat, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unitCommands } from "../../src/cli/units.ts";
import { openDatabase } from "../../src/db/database.ts";
import { applyMigrations } from "../../src/db/schema-engine.ts";
import { writePrivateFile } from "../../src/shared/private-files.ts";
import { ENGINE } from "../support/database.ts";
import { loadDemo } from "../support/fixtures.ts";
import { cliConfig } from "../support/cli-files.ts";

/** Every entry under the folder, the folder itself included, whose mode is not 0700 (folders) or 0600 (files). */
async function notOwnerOnly(root: string): Promise<string[]> {
  const wrong: string[] = [];
  const check = async (path: string) => {
    const stats = await lstat(path);
    const expected = stats.isDirectory() ? 0o700 : 0o600;
    if ((stats.mode & 0o777) !== expected) wrong.push(`${path} ${(stats.mode & 0o777).toString(8)}`);
  };
  await check(root);
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) await check(join(entry.parentPath, entry.name));
  return wrong;
}

async function countEntries(root: string): Promise<number> {
  return (await readdir(root, { recursive: true })).length;
}

const fileMode = async (path: string) => ((await lstat(path)).mode & 0o777).toString(8);

describe.skipIf(ENGINE === "postgres")("the embedded store is readable by its owner only", { timeout: 120_000 }, () => {
  let scratch: string;
  let dataDir: string;
  let savedUmask: number;

  beforeAll(async () => {
    savedUmask = process.umask(0o000);
    scratch = await mkdtemp(join(tmpdir(), "congdoan-private-"));
    dataDir = join(scratch, "data");
  });

  afterAll(async () => {
    process.umask(savedUmask);
    await rm(scratch, { recursive: true, force: true });
  });

  it("creates a new store owner-only, and keeps the files it writes while running owner-only", async () => {
    process.umask(0o000);
    const db = await openDatabase({ dataDir });
    try {
      await applyMigrations(db.adapterFactory);
      await loadDemo(db.prisma);
      await db.prisma.person.create({ data: { language: "vi" } });
      // Written while the bot runs: the write-ahead log, new relations, the lock file.
      expect(await countEntries(dataDir)).toBeGreaterThan(500);
      expect(await notOwnerOnly(dataDir)).toEqual([]);

      // An export the operator writes from the CLI, over a file that was world-readable.
      const exported = join(scratch, "units.xlsx");
      await writeFile(exported, "old");
      await chmod(exported, 0o666);
      expect(await unitCommands["export-units"]!(db.prisma, [exported], cliConfig)).toBe(0);
      expect(await fileMode(exported)).toBe("600");
    } finally {
      await db.close();
    }
    expect(await notOwnerOnly(dataDir)).toEqual([]);
  });

  it("fixes a store folder that was left readable and writable by everyone", async () => {
    const entries = await readdir(dataDir, { recursive: true, withFileTypes: true });
    await chmod(dataDir, 0o777);
    for (const entry of entries) await chmod(join(entry.parentPath, entry.name), 0o777);
    expect((await notOwnerOnly(dataDir)).length).toBe(entries.length + 1);

    process.umask(0o000);
    const db = await openDatabase({ dataDir });
    try {
      expect(await db.prisma.unit.count()).toBeGreaterThan(0);
      expect(await notOwnerOnly(dataDir)).toEqual([]);
    } finally {
      await db.close();
    }
    expect(await notOwnerOnly(dataDir)).toEqual([]);
  });

  it("writes files owner-only through the shared helper, new ones and ones that were world-readable", async () => {
    process.umask(0o000);
    const fresh = join(scratch, "export.csv");
    await writePrivateFile(fresh, "Nguyễn Văn A;0912345678\n");
    expect(await fileMode(fresh)).toBe("600");

    const loose = join(scratch, "old-export.csv");
    await writeFile(loose, "old");
    await chmod(loose, 0o666);
    await writePrivateFile(loose, "Nguyễn Văn A;0912345678\n");
    expect(await fileMode(loose)).toBe("600");
  });
});
