// PGlite's file system for a data folder on disk, with the modes of the files it creates limited to the owner.
// PGlite runs PostgreSQL on Emscripten's NODEFS, which creates every file and then chmods it to the mode asked
// for, 0666 for almost all of them (relations, the write-ahead log): a chmod, which no umask limits. A store
// created under any umask so ended up with its applicants' names and phones readable and writable by every
// local user. Here the two Emscripten calls every creation and mode change go through (mknod, doChmod) drop
// the group and other bits, for the files PGlite writes while it runs as well as those initdb writes first.
import type { Filesystem } from "@electric-sql/pglite/basefs";

const GROUP_AND_OTHER = 0o077;

/** The part of Emscripten's FS object we wrap; both are looked up through FS at every call, so wrapping works. */
interface ModeSettingFS {
  mknod(path: string, mode: number, dev: number): unknown;
  doChmod(stream: unknown, node: unknown, mode: number, dontFollow?: boolean): void;
}

function keepModesOwnerOnly(fs: ModeSettingFS): void {
  const { mknod, doChmod } = fs;
  // A PGlite upgrade that renames them must not quietly bring world-readable files back.
  if (typeof mknod !== "function" || typeof doChmod !== "function") throw new Error("PGlite's file system has no FS.mknod/FS.doChmod to keep the data folder owner-only");
  fs.mknod = (path, mode, dev) => mknod.call(fs, path, mode & ~GROUP_AND_OTHER, dev);
  fs.doChmod = (stream, node, mode, dontFollow) => doChmod.call(fs, stream, node, mode & ~GROUP_AND_OTHER, dontFollow);
}

/** PGlite's NodeFS for `dataDir`, creating files 0600 and folders 0700. Loaded only for the embedded store. */
export async function ownerOnlyNodeFS(dataDir: string): Promise<Filesystem> {
  const { NodeFS } = await import("@electric-sql/pglite/nodefs");
  class OwnerOnlyNodeFS extends NodeFS {
    override async init(...args: Parameters<InstanceType<typeof NodeFS>["init"]>) {
      const { emscriptenOpts } = await super.init(...args);
      const wrap: NonNullable<typeof emscriptenOpts.preRun>[number] = (mod) => keepModesOwnerOnly(mod.FS as unknown as ModeSettingFS);
      const preRun = [...(emscriptenOpts.preRun ?? []), wrap];
      return { emscriptenOpts: { ...emscriptenOpts, preRun } };
    }
  }
  return new OwnerOnlyNodeFS(dataDir);
}
