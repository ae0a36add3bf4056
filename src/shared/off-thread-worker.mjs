// The worker thread behind off-thread.ts. Plain JavaScript on purpose: on Node 20 a worker cannot start from a .ts
// file, not even with `--import tsx` in its execArgv (the loader is not yet in place for the entry), so this file
// loads tsx's API and imports our TypeScript modules through it.
import { parentPort } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

/** Each module once: tsImport evaluates a fresh copy on every call. */
const modules = new Map();

function load(url) {
  let loaded = modules.get(url);
  if (!loaded) {
    loaded = tsImport(url, import.meta.url);
    modules.set(url, loaded);
  }
  return loaded;
}

parentPort.on("message", async ({ id, module, fn, args }) => {
  try {
    const mod = await load(module);
    if (typeof mod[fn] !== "function") throw new Error(`${fn} is not a function of ${module}`);
    const value = await mod[fn](...args);
    parentPort.postMessage({ id, ok: true, value });
  } catch (error) {
    const fields = {};
    if (error && typeof error === "object") {
      for (const [key, value] of Object.entries(error)) {
        try {
          structuredClone(value);
          fields[key] = value;
        } catch {
          // not cloneable: left out
        }
      }
    }
    parentPort.postMessage({
      id,
      ok: false,
      error: { name: error?.name ?? "Error", message: error?.message ?? String(error), stack: error?.stack, fields },
    });
  }
});
