// What the operator is told when the store cannot be opened for a reason they can fix: the embedded store is in use
// by another process, or DATA_DIR is not a folder this process may write (a file in the way, no permission, a
// read-only or full disk). One paragraph in OPERATOR_LANGUAGE and exit code 1, never a stack trace.
import { resolve, sep } from "node:path";
import { operatorLang, tFor } from "../i18n/i18n.ts";
import { EmbeddedStoreBusyError, storeBusyMessage } from "./embedded-lock.ts";

const REASONS: Record<string, string> = {
  ENOTDIR: "not_a_folder",
  EEXIST: "not_a_folder",
  EACCES: "no_permission",
  EPERM: "no_permission",
  EROFS: "read_only",
  ENOSPC: "disk_full",
  // Its parent exists, yet the folder cannot be made there (a virtual file system such as /proc).
  ENOENT: "cannot_create",
};

/** The operator's message for an error opening the store in `dataDir`, or undefined when it is not theirs to fix. */
export function storeOpenProblem(error: unknown, dataDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (error instanceof EmbeddedStoreBusyError) return storeBusyMessage(error, env);
  const { code, path } = (error ?? {}) as NodeJS.ErrnoException;
  const reason = code ? REASONS[code] : undefined;
  if (!reason || !path || dataDir.startsWith("memory://")) return undefined;
  const dir = resolve(dataDir);
  const at = resolve(path);
  // Only the store's own folder (or a folder on its way): other files failing are not a DATA_DIR problem.
  if (at !== dir && !at.startsWith(dir + sep) && !dir.startsWith(at + sep)) return undefined;
  const t = tFor(operatorLang(env));
  return t("db.data_dir_unusable", { ns: "cli", dir, path: at, reason: t(`db.data_dir_reason.${reason}`, { ns: "cli" }) });
}

/** For entry points: a store the operator must fix is told in one paragraph and exit code 1; other errors go on. */
export function exitIfStoreUnusable(dataDir: string): (error: unknown) => never {
  return (error) => {
    const problem = storeOpenProblem(error, dataDir);
    if (problem === undefined) throw error;
    console.error(problem);
    process.exit(1);
  };
}
