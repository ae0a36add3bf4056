// Leaving or keeping the embedded store: `move-to-postgres <url>` copies it into an empty PostgreSQL database, and
// `backup <file>` / `restore <file> [--force]` save and bring back its PGlite dump. On PostgreSQL, backups are
// pg_dump's job: those two print the commands to use instead.
import type { PGlite } from "@electric-sql/pglite";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { backupEmbeddedStore, restoreEmbeddedStore, RestoreInterruptedError, type TableRows } from "../db/backup.ts";
import type { Database } from "../db/database.ts";
import { maskPassword, moveToPostgres, withoutPassword } from "../db/move-to-postgres.ts";
import { operatorLang, tFor } from "../i18n/i18n.ts";
import type { Command } from "./command.ts";

const t = tFor(operatorLang());

/** The PGlite instance of the store the CLI opened (and locked): a dump needs it, and a restore must close it. */
function embeddedInstance(db: Database | undefined): PGlite {
  if (!db?.pglite) throw new Error("the store is not the embedded one");
  return db.pglite;
}

/** Rows per table in aligned columns, one column of counts per heading, with a total line. */
function countsTable(headings: string[], rows: { table: string; counts: number[] }[]): string {
  const total = headings.map((_, i) => rows.reduce((sum, r) => sum + (r.counts[i] ?? 0), 0));
  const lines = [
    [t("store.counts.table"), ...headings],
    ...rows.map((r) => [r.table, ...r.counts.map(String)]),
    [t("store.counts.total"), ...total.map(String)],
  ];
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  const format = (l: string[]) => l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [format(lines[0]!), rule, ...lines.slice(1, -1).map(format), rule, format(lines.at(-1)!)].join("\n");
}

/** The named file cannot be read or written (no such file or folder, no permission, a folder). */
const isFileError = (error: unknown) => ["ENOENT", "EACCES", "EPERM", "EISDIR", "ENOTDIR"].includes(String((error as NodeJS.ErrnoException)?.code));

const rowsTable = (tables: TableRows[]) => countsTable([t("store.counts.rows")], tables.map((r) => ({ table: r.table, counts: [r.rows] })));

const moveCommand: Command = async (prisma, args, config) => {
  const dir = resolve(config.DATA_DIR);
  if (config.DATABASE_URL) {
    console.error(t("store.move.on_postgres", { url: maskPassword(config.DATABASE_URL) }));
    return 2;
  }
  const [url] = args;
  if (!url || args.length !== 1 || !/^postgres(ql)?:\/\/./.test(url)) {
    console.error(t("store.move.usage"));
    return 2;
  }
  const shown = maskPassword(url);
  console.log(t("store.move.start", { dir, url: shown }));
  let result;
  try {
    result = await moveToPostgres(prisma, url);
  } catch (error) {
    console.error(t("store.move.failed", { url: shown, error: withoutPassword(String((error as Error)?.message ?? error), url) }));
    return 1;
  }
  if (!result.moved) {
    console.error(t("store.move.not_empty", { url: shown, table: result.nonEmptyTable }));
    return 1;
  }
  const headings = [t("store.counts.embedded"), t("store.counts.postgres")];
  console.log(countsTable(headings, result.tables.map((c) => ({ table: c.table, counts: [c.source, c.target] }))));
  if (!result.same) {
    console.error(t("store.move.mismatch", { url: shown }));
    return 1;
  }
  console.log(t("store.move.jobs"));
  console.log(t("store.move.done", { setting: `DATABASE_URL=${shown}`, dir }));
  return 0;
};

const backupCommand: Command = async (prisma, args, config, db) => {
  const [file] = args;
  if (!file || args.length !== 1) {
    console.error(t("store.backup.usage"));
    return 2;
  }
  if (config.DATABASE_URL) {
    console.error(t("store.backup.on_postgres", { file }));
    return 2;
  }
  let backup;
  try {
    backup = await backupEmbeddedStore(embeddedInstance(db), file);
  } catch (error) {
    if (!isFileError(error)) throw error;
    console.error(t("store.backup.unwritable", { file }));
    return 1;
  }
  const { bytes, tables } = backup;
  console.log(rowsTable(tables));
  console.log(t("store.backup.done", { file: resolve(file), size: (bytes / 1_048_576).toFixed(1), dir: resolve(config.DATA_DIR) }));
  return 0;
};

const restoreCommand: Command = async (prisma, args, config, db) => {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { force: { type: "boolean", default: false } } });
  } catch {
    parsed = undefined;
  }
  const file = parsed?.positionals[0];
  if (!parsed || !file || parsed.positionals.length !== 1) {
    console.error(t("store.restore.usage"));
    return 2;
  }
  if (config.DATABASE_URL) {
    console.error(t("store.restore.on_postgres", { file }));
    return 2;
  }
  const dir = resolve(config.DATA_DIR);
  let result;
  try {
    result = await restoreEmbeddedStore(embeddedInstance(db), config.DATA_DIR, file, { force: parsed.values.force });
  } catch (error) {
    if (error instanceof RestoreInterruptedError) {
      console.error(t("store.restore.interrupted", { kept: error.keptIn, dir }));
      return 1;
    }
    if (isFileError(error)) {
      console.error(t("store.restore.unreadable", { file }));
      return 1;
    }
    throw error;
  }
  if (!result.restored) {
    if (result.reason === "not_a_backup") console.error(t("store.restore.not_a_backup", { file }));
    else console.error(t("store.restore.holds_data", { dir, rows: result.rows, file }));
    return 1;
  }
  console.log(rowsTable(result.tables));
  console.log(t("store.restore.done", { file, dir }));
  return 0;
};

export const storeCommands: Record<string, Command> = {
  "move-to-postgres": moveCommand,
  backup: backupCommand,
  restore: restoreCommand,
};
