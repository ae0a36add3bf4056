// Files that hold personal data (the embedded store, exports the operator writes) are readable by their owner
// only. Modes are set explicitly rather than left to the umask: a permissive umask (0000 in some containers and
// service managers) made the store's write-ahead log, with applicants' phones in it, readable by every local user.
import { chmod, lstat, mkdir, open, readdir } from "node:fs/promises";
import { dirname, join } from "node:path";

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Creates the folder (and missing parents) if needed and makes it owner-only, also when it already existed. */
export async function privateDir(path: string): Promise<void> {
  await makeDirs(path, PRIVATE_DIR_MODE);
  await chmod(path, PRIVATE_DIR_MODE);
}

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir never returns where the kernel refuses a new folder with
 * ENOENT under a parent that exists (anywhere under /proc): it tries the parent and the folder again, forever.
 */
async function makeDirs(path: string, mode: number): Promise<void> {
  try {
    await mkdir(path, { mode });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST" && (await lstat(path).then((s) => s.isDirectory() || s.isSymbolicLink(), () => false))) return;
    const parent = dirname(path);
    if (code !== "ENOENT" || parent === path) throw error;
    await makeDirs(parent, mode);
    // Refused again with the parent in place: the error says so.
    await mkdir(path, { mode }).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== "EEXIST") throw again;
    });
  }
}

/**
 * Sets every file under the folder to 0600 and every folder to 0700 (the folder itself included), only where
 * the mode differs: one lstat per entry and a chmod for the few that need it, which on a store of ~1,200 files
 * takes milliseconds. Symbolic links are left alone: chmod would follow them out of the folder.
 */
export async function makeTreePrivate(root: string): Promise<void> {
  await fixMode(root, PRIVATE_DIR_MODE);
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  await Promise.all(
    entries.map(async (entry) => {
      if (entry.isSymbolicLink()) return;
      await fixMode(join(entry.parentPath, entry.name), entry.isDirectory() ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE);
    }),
  );
}

async function fixMode(path: string, mode: number): Promise<void> {
  try {
    const stats = await lstat(path);
    if (stats.isSymbolicLink() || (stats.mode & 0o777) === mode) return;
    await chmod(path, mode);
  } catch (error) {
    // A file PGlite removed between the listing and now needs no fixing.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

/**
 * Writes the bytes to a file only its owner can read. An existing file keeps its inode but loses any wider mode
 * it had; something that is not a regular file (/dev/stdout, a pipe) is written to and not chmod-ed.
 */
export async function writePrivateFile(path: string, bytes: string | Uint8Array): Promise<void> {
  const handle = await open(path, "w", PRIVATE_FILE_MODE);
  try {
    if ((await handle.stat()).isFile()) await handle.chmod(PRIVATE_FILE_MODE);
    await handle.writeFile(bytes);
  } finally {
    await handle.close();
  }
}
