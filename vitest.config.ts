import { accessSync, constants, mkdtempSync } from "node:fs";
import { defineConfig } from "vitest/config";
import { SHORT_LIVED_NODE_FLAGS } from "./test/support/node-args.ts";
import SlowestFirst from "./test/support/slowest-first.ts";

// Every test runs on embedded PGlite. When TEST_DATABASE_URL names a server (CI sets it), the tests where the engine
// matters run again on PostgreSQL: the store's own tests (SQL, locks, transactions, triggers) and the chat journeys
// that lean on them: several instances, outages, crashes, the inbox under a burst larger than the pool, bulk imports,
// decisions racing, the reminder schedule shared by instances. Chat-only behaviour (forms, buttons, wording, roles,
// bad input, the summary's table, files) is the same on both engines and runs once, on PGlite.
const ENGINE_E2E = [
  "instances", "broadcast-instances", "broadcast-outage", "broadcast-crash", "inbox-crash", "inbox-outage", "inbox",
  "operations", "big-import", "decisions", "reminder-schedule",
];
const DB_TESTS = ["test/db/**/*.test.ts", ...ENGINE_E2E.map((name) => `test/e2e/${name}.test.ts`)];
// Test stores in folders are a thousand files each. On a virtual machine's disk creating a file can cost half a
// millisecond of kernel time (a few CPU-seconds over a run): the tests' temporary folders (TMPDIR, for the workers and
// every process they start) go to memory when the machine has /dev/shm. The folder is this run's own;
// test/support/global-setup.ts removes it at the end.
if (!process.env.CONGDOAN_TEST_TMPDIR && !process.env.TMPDIR) {
  try {
    accessSync("/dev/shm", constants.W_OK);
    process.env.TMPDIR = process.env.CONGDOAN_TEST_TMPDIR = mkdtempSync("/dev/shm/congdoan-tests-");
  } catch {
    // No /dev/shm: the system's temporary folder.
  }
}

const shared = {
  // V8's baseline WebAssembly compiler only: see test/support/node-args.ts (about a tenth of the run's CPU).
  execArgv: SHORT_LIVED_NODE_FLAGS,
  testTimeout: 30_000,
  hookTimeout: 60_000,
  globalSetup: ["test/support/global-setup.ts"],
  // Each worker imports the application once, not once per file (about 2 s of CPU a file: Prisma's client, grammY,
  // PGlite's WebAssembly), and keeps its emptied PGlite stores for its next files (test/support/pglite-spares.ts).
  // Files share nothing else: each makes its own store, fake Bot API and app; the metrics registry, the one
  // process-wide thing, is read as differences.
  isolate: false,
};

export default defineConfig({
  test: {
    // Vitest's default on a 2-core machine is one worker; tests also wait on HTTP, child processes and PostgreSQL,
    // and three workers keep both cores busy (about 1.75 cores over a whole run).
    maxWorkers: 3,
    sequence: { sequencer: SlowestFirst },
    projects: [
      { test: { ...shared, name: "pglite", include: ["test/**/*.test.ts"], env: { TEST_DB_ENGINE: "pglite" } } },
      ...(process.env.TEST_DATABASE_URL
        ? [{ test: { ...shared, name: "postgres", include: DB_TESTS, env: { TEST_DB_ENGINE: "postgres" } } }]
        : []),
    ],
  },
});
