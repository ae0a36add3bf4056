import { defineConfig } from "vitest/config";

// Every test that touches the store runs twice: on embedded PGlite, and on PostgreSQL when
// TEST_DATABASE_URL names a server (CI sets it). Pure tests run once.
const DB_TESTS = ["test/e2e/**/*.test.ts", "test/db/**/*.test.ts"];
const shared = { testTimeout: 30_000, hookTimeout: 60_000, globalSetup: ["test/support/global-setup.ts"] };

export default defineConfig({
  test: {
    // Vitest's default on a 2-core machine is one worker; most tests wait on HTTP and the database, and three
    // workers keep both cores busy (the suite takes about 8 minutes instead of 12).
    maxWorkers: 3,
    projects: [
      { test: { ...shared, name: "pglite", include: ["test/**/*.test.ts"], env: { TEST_DB_ENGINE: "pglite" } } },
      ...(process.env.TEST_DATABASE_URL
        ? [{ test: { ...shared, name: "postgres", include: DB_TESTS, env: { TEST_DB_ENGINE: "postgres" } } }]
        : []),
    ],
  },
});
