// Runs CPU-heavy, database-free work (reading and checking a spreadsheet of tens of thousands of rows) on a worker
// thread, so the event loop keeps answering everyone else meanwhile. A function is named by its module's URL and
// export name; its arguments and result cross the thread boundary by structured clone (plain data, Dates, Buffers
// as Uint8Array). At most MAX_WORKERS run at once, each with its own heap, so a burst of imports cannot multiply
// the memory taken; idle workers are kept a little while (starting one costs a few hundred ms) and then ended.
import { Worker } from "node:worker_threads";

const MAX_WORKERS = 2;
const IDLE_MS = 30_000;
const WORKER_URL = new URL("./off-thread-worker.mjs", import.meta.url);

/** An error thrown on the worker thread: its name, message and own cloneable fields (e.g. an i18n key). */
export class OffThreadError extends Error {
  constructor(
    name: string,
    message: string,
    readonly fields: Record<string, unknown>,
  ) {
    super(message);
    this.name = name;
  }
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string; stack?: string; fields: Record<string, unknown> } };

interface Job {
  module: string;
  fn: string;
  args: unknown[];
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

class PooledWorker {
  private readonly worker: Worker;
  private current: (Job & { id: number }) | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  dead = false;

  constructor(private readonly onFree: (w: PooledWorker) => void, private readonly onDead: (w: PooledWorker) => void) {
    // execArgv empty: the parent's tsx loader flags do nothing for a worker on Node 20 and only slow its start.
    this.worker = new Worker(WORKER_URL, { execArgv: [] });
    this.worker.on("message", (reply: Reply) => this.settle(reply));
    this.worker.on("error", (error) => this.die(error));
    this.worker.on("exit", (code) => this.die(new Error(`spreadsheet worker exited with code ${code}`)));
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  run(job: Job): void {
    clearTimeout(this.idleTimer);
    this.current = { ...job, id: this.nextId++ };
    // Held open while it works (the CLI may have nothing else keeping the process alive), not while idle.
    this.worker.ref();
    this.worker.postMessage({ id: this.current.id, module: job.module, fn: job.fn, args: job.args });
  }

  private settle(reply: Reply): void {
    const job = this.current;
    if (!job || reply.id !== job.id) return;
    this.current = undefined;
    this.worker.unref();
    if (reply.ok) job.resolve(reply.value);
    else {
      const error = new OffThreadError(reply.error.name, reply.error.message, reply.error.fields);
      if (reply.error.stack) error.stack = reply.error.stack;
      job.reject(error);
    }
    this.idleTimer = setTimeout(() => void this.worker.terminate(), IDLE_MS);
    this.idleTimer.unref();
    this.onFree(this);
  }

  private die(error: Error): void {
    if (this.dead) return;
    this.dead = true;
    clearTimeout(this.idleTimer);
    const job = this.current;
    this.current = undefined;
    job?.reject(error);
    this.onDead(this);
  }
}

const workers = new Set<PooledWorker>();
const queue: Job[] = [];

function dispatch(): void {
  while (queue.length > 0) {
    let worker = [...workers].find((w) => !w.busy && !w.dead);
    if (!worker && workers.size < MAX_WORKERS) {
      worker = new PooledWorker(
        () => dispatch(),
        (dead) => {
          workers.delete(dead);
          dispatch();
        },
      );
      workers.add(worker);
    }
    if (!worker) return;
    worker.run(queue.shift()!);
  }
}

/** Calls `fn` exported by the module at `module` (a file URL of ours) on a worker thread, with `args`. */
export function runOffThread<R>(module: URL, fn: string, args: unknown[]): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    queue.push({ module: module.href, fn, args, resolve: resolve as (value: unknown) => void, reject });
    dispatch();
  });
}
