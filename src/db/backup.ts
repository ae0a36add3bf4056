// Backup and restore of the embedded store with PGlite's own dump: a gzipped tar of the whole data folder (our tables,
// pg-boss's jobs, sequences, everything), which PGlite loads back into a new folder. The caller holds the store open
// (and so its lock): nobody else can write to it meanwhile.
import type { PGlite } from "@electric-sql/pglite";
import { readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { LOCK_FILE } from "./embedded-lock.ts";
import { countRows, listTables, type Query } from "./move-to-postgres.ts";
import { ownerOnlyNodeFS } from "./owner-only-fs.ts";
import { makeTreePrivate, privateDir, writePrivateFile } from "../shared/private-files.ts";

export interface TableRows {
  table: string;
  rows: number;
}

const viaPglite = (pglite: PGlite): Query => async (sql, params) => (await pglite.query<Record<string, unknown>>(sql, params)).rows;

async function tableRows(pglite: PGlite): Promise<TableRows[]> {
  const query = viaPglite(pglite);
  const counts = await countRows(query, await listTables(query));
  return [...counts].map(([table, rows]) => ({ table, rows }));
}

/**
 * Writes the store's dump to `file`, readable by its owner only (it holds every applicant's data). Written under
 * another name first, so a failed backup never leaves a truncated file under the name asked for.
 */
export async function backupEmbeddedStore(pglite: PGlite, file: string): Promise<{ bytes: number; tables: TableRows[] }> {
  // Pages still in PGlite's memory go to the files first: the dump then needs no recovery to be read.
  await pglite.query("CHECKPOINT");
  const tables = await tableRows(pglite);
  // PGlite makes the dump in memory; a province's store is tens of megabytes.
  const dump = new Uint8Array(await (await pglite.dumpDataDir("gzip")).arrayBuffer());
  const partial = `${file}.partial-${process.pid}`;
  try {
    await writePrivateFile(partial, dump);
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
  return { bytes: dump.length, tables };
}

export type RestoreResult =
  | { restored: true; tables: TableRows[] }
  | { restored: false; reason: "holds_data"; rows: number }
  | { restored: false; reason: "not_a_backup" };

/**
 * Replaces the store in `dataDir` (open as `live`, which this closes) with the one in `file`. Refused when the store
 * holds any row of ours, unless `force`: an empty store (one the CLI has just created) has nothing to lose. The dump
 * is loaded into a folder of its own first, so a file that is no backup leaves the store as it was; the lock file
 * stays where it is throughout.
 */
export async function restoreEmbeddedStore(live: PGlite, dataDir: string, file: string, options: { force?: boolean } = {}): Promise<RestoreResult> {
  const dump = await readFile(file);
  if (!isStoreDump(dump)) return { restored: false, reason: "not_a_backup" };
  const rows = (await tableRows(live)).reduce((sum, t) => sum + t.rows, 0);
  if (rows > 0 && !options.force) return { restored: false, reason: "holds_data", rows };

  // Inside the data folder, so moving files in is a rename on the same file system (a Docker volume is a mount).
  const staging = join(dataDir, `.restore-${process.pid}`);
  const replaced = join(dataDir, `.replaced-${process.pid}`);
  let oldStoreAside = false;
  try {
    await rm(staging, { recursive: true, force: true });
    await privateDir(staging);
    const { PGlite } = await import("@electric-sql/pglite");
    const restored = await PGlite.create({ fs: await ownerOnlyNodeFS(staging), loadDataDir: new Blob([dump]) });
    let tables: TableRows[];
    try {
      tables = await tableRows(restored);
    } finally {
      await restored.close();
    }
    // The dump carries the lock of the process that made it.
    await rm(join(staging, LOCK_FILE), { force: true });

    await live.close();
    await privateDir(replaced);
    const ours = new Set([`.restore-${process.pid}`, `.replaced-${process.pid}`]);
    oldStoreAside = true;
    for (const name of await readdir(dataDir)) {
      // The lock (and another opener's draft of one) is not the store's: it stays.
      if (!ours.has(name) && !name.startsWith(LOCK_FILE)) await rename(join(dataDir, name), join(replaced, name));
    }
    for (const name of await readdir(staging)) await rename(join(staging, name), join(dataDir, name));
    oldStoreAside = false;
    await makeTreePrivate(dataDir);
    return { restored: true, tables };
  } catch (error) {
    if (oldStoreAside) throw new RestoreInterruptedError(replaced, error);
    throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
    // Kept when the swap broke off: it is the store that was there.
    if (!oldStoreAside) await rm(replaced, { recursive: true, force: true });
  }
}

/** The swap of folders broke off: the store that was there is kept whole in `keptIn`. */
export class RestoreInterruptedError extends Error {
  constructor(
    readonly keptIn: string,
    cause: unknown,
  ) {
    super(`restore interrupted; the previous store is in ${keptIn}`, { cause });
    this.name = "RestoreInterruptedError";
  }
}

/** Whether the bytes are a tar (gzipped or not) with a PG_VERSION file: PGlite would start on anything else anyway. */
export function isStoreDump(bytes: Uint8Array): boolean {
  let tar: Uint8Array;
  try {
    tar = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  } catch {
    return false;
  }
  const text = (from: number, length: number) => Buffer.from(tar.subarray(from, from + length)).toString("latin1").replace(/\0.*$/s, "");
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const name = text(offset, 100);
    if (name === "") return false;
    if (text(offset + 257, 5) !== "ustar") return false;
    if (name === "PG_VERSION" || name.endsWith("/PG_VERSION")) return true;
    const size = parseInt(text(offset + 124, 12).trim() || "0", 8);
    if (!Number.isFinite(size)) return false;
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return false;
}
