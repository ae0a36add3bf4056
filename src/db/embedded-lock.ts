// One process per embedded database. PGlite keeps the whole database in the memory of the process that opened
// it and writes it back as it goes; a second process on the same folder (the CLI while the bot runs) works on
// its own stale copy, and the two overwrite each other's pages. A lock file in the folder, created with O_EXCL,
// says who has it open. A lock whose holder is gone (crash, kill -9, container restart) is taken over.
import { linkSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { operatorLang, tFor } from "../i18n/i18n.ts";

export const LOCK_FILE = ".lock";

/** The holder rewrites the lock's time this often, so a process on another host can tell a dead holder. */
const HEARTBEAT_MS = 15_000;
/** A lock from another host (a container sharing the volume) untouched this long is a dead holder's. */
const OTHER_HOST_STALE_MS = 120_000;

export interface LockHolder {
  pid: number;
  host: string;
  /** When the holder took the lock (ISO). */
  since: string;
  /** Linux: the holder's start time in clock ticks since boot, which tells a reused pid from the holder. */
  procStart?: string;
  /** "bot" when the holder is the bot (src/main.ts), so the message can say so. */
  role?: "bot" | "other";
}

export class EmbeddedStoreBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(`The embedded database in ${dataDir} is in use by process ${holder.pid} on ${holder.host} since ${holder.since}`);
    this.name = "EmbeddedStoreBusyError";
  }
}

export interface EmbeddedLock {
  release(): void;
}

/** Folders this process holds: a second open from the same process is refused too (two PGlite copies). */
const held = new Map<string, LockHolder>();

/** The 22nd field of /proc/<pid>/stat; undefined where there is no /proc or no such process. */
function procStart(pid: number | "self"): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses; the fields after it follow the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(path: string): { holder: LockHolder; text: string; mtimeMs: number } | undefined {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    const holder: LockHolder = {
      pid: Number(parsed.pid),
      host: String(parsed.host ?? ""),
      since: String(parsed.since ?? ""),
      procStart: parsed.procStart,
      role: parsed.role === "bot" ? "bot" : "other",
    };
    return { holder, text, mtimeMs };
  } catch {
    // Locks are linked into place whole, so this is no lock of ours: nobody holds it.
    return { holder: { pid: 0, host: hostname(), since: "" }, text, mtimeMs };
  }
}

function isStale(entry: { holder: LockHolder; mtimeMs: number }): boolean {
  const { holder } = entry;
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return true;
  if (holder.host !== hostname()) return Date.now() - entry.mtimeMs > OTHER_HOST_STALE_MS;
  // Our own pid but not held by us: a previous life of this process id (a restarted container).
  if (holder.pid === process.pid) return true;
  if (!isAlive(holder.pid)) return true;
  const start = procStart(holder.pid);
  return holder.procStart !== undefined && start !== undefined && start !== holder.procStart;
}

/**
 * Takes the folder's lock or throws EmbeddedStoreBusyError naming the holder. The lock goes with release(), and
 * with the process on a normal exit; after a crash the next opener sees that its holder is gone.
 */
export function lockEmbeddedStore(dataDir: string): EmbeddedLock {
  const dir = resolve(dataDir);
  const mine = held.get(dir);
  if (mine) throw new EmbeddedStoreBusyError(dataDir, mine);
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), procStart: procStart("self"), role: runningBot() ? "bot" : "other" };
  const text = JSON.stringify(me);

  for (let attempt = 0; ; attempt++) {
    if (tryCreate(path, text)) break;
    const current = readHolder(path);
    if (!current) continue; // released between our two steps
    if (!isStale(current) || attempt >= 3) throw new EmbeddedStoreBusyError(dataDir, current.holder);
    takeOver(path, current.text);
  }

  held.set(dir, me);
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // The folder went away (a test removed it); nothing left to guard.
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    process.off("exit", release);
    held.delete(dir);
    // Only our own lock: never remove one another process took over after a long pause of ours.
    try {
      if (readFileSync(path, "utf8") === text) unlinkSync(path);
    } catch {
      // already gone
    }
  };
  process.on("exit", release);
  return { release };
}

/** Written to a file of our own and linked into place, so that nobody ever reads a half-written lock. */
function tryCreate(path: string, text: string): boolean {
  const draft = `${path}.new-${process.pid}-${Date.now()}`;
  writeFileSync(draft, text, { mode: 0o600 });
  try {
    linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return false;
  } finally {
    unlinkSync(draft);
  }
}

/**
 * Moves a dead holder's lock aside. Two openers may find the same stale lock; the rename lets only one of them
 * move it, and one that moved a fresh lock instead (taken meanwhile by the other) puts it back.
 */
function takeOver(path: string, staleText: string) {
  const aside = `${path}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  let moved = "";
  try {
    moved = readFileSync(aside, "utf8");
  } catch {
    // unreadable: treat as the stale one
    moved = staleText;
  }
  if (moved !== staleText) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone else holds it now; the next attempt sees theirs.
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // ignore
  }
}

/** Whether this process is the bot (`npm start`, `node --import tsx src/main.ts`) rather than a command. */
function runningBot(): boolean {
  return /(^|[\\/])src[\\/]main\.[jt]s$/.test(process.argv[1] ?? "");
}

/** The operator's message for a busy store, in their language (OPERATOR_LANGUAGE). */
export function storeBusyMessage(error: EmbeddedStoreBusyError, env: NodeJS.ProcessEnv = process.env): string {
  const t = tFor(operatorLang(env));
  const { holder } = error;
  const elsewhere = holder.host !== hostname();
  const where = elsewhere ? t("db.busy_where", { ns: "cli", host: holder.host }) : "";
  const params = { ns: "cli", pid: holder.pid, where, since: holder.since, dir: resolve(error.dataDir) };
  const text = t(holder.role === "bot" ? "db.busy_bot" : "db.busy", params);
  return elsewhere ? `${text} ${t("db.busy_other_host", { ns: "cli", lock: join(resolve(error.dataDir), LOCK_FILE) })}` : text;
}
