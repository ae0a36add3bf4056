// Runs once per test project: migrates a template database with the real migrator, so each test file
// starts from a copy in well under a second instead of migrating again.
//  - PGlite: a dump of a migrated data directory (made once for both projects), loaded by each test file, and by
//    the tests that need a store in a folder (createTestDataDir).
//  - PostgreSQL: a template database; each test file gets CREATE DATABASE … TEMPLATE.
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { runOffThread } from "../../src/shared/off-thread.ts";
import { adminQuery } from "./pg-urls.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** PGlite: path of the migrated data-directory dump. PostgreSQL: name of the template database. */
    dbTemplate: string;
    /** Path of the migrated PGlite dump in both projects: tests on PostgreSQL also move an embedded store. */
    pgliteTemplate: string;
  }
}

/**
 * The templates are made on a worker thread (src/shared/off-thread.ts; the code is in ./templates.ts): Prisma's schema
 * engine (WebAssembly) leaves a ten-second timer behind, which in this process would keep the whole run from exiting
 * for those ten seconds. An idle worker does not hold the process.
 */
const onWorker = <R>(fn: string, ...args: unknown[]) => runOffThread<R>(new URL("./templates.ts", import.meta.url), fn, args);

/**
 * Both templates, made once for the run and at the same time, on two worker threads. Vitest loads this file once per
 * project, so they are kept on globalThis, not in this module.
 */
interface Templates {
  pgliteDump: Promise<string>;
  /** The PostgreSQL template's name, when TEST_DATABASE_URL names a server. */
  postgres?: Promise<string>;
}
const KEY = Symbol.for("congdoan.test.templates");
function templates(): Templates {
  const shared = globalThis as { [KEY]?: Templates };
  if (!shared[KEY]) {
    const postgres = process.env.TEST_DATABASE_URL ? makePostgresTemplate(`cd_template_${process.pid}`) : undefined;
    // Awaited by the PostgreSQL project only: a run of the PGlite project alone goes on without the server.
    postgres?.catch(() => undefined);
    shared[KEY] = { pgliteDump: onWorker<string>("makePgliteDump", join(tmpdir(), `congdoan-pglite-template-${process.pid}.tar`)), postgres };
  }
  return shared[KEY];
}

async function makePostgresTemplate(name: string): Promise<string> {
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${name}`);
  await onWorker("migratePostgres", name);
  return name;
}

export default async function setup(project: TestProject) {
  const { pgliteDump, postgres } = templates();
  const dump = await pgliteDump;
  project.provide("pgliteTemplate", dump);
  // Project env reaches the test workers, not this process: tell the engines apart by project name.
  project.provide("dbTemplate", project.name === "postgres" ? await postgres! : dump);
  return cleanUp;
}

/**
 * After the run (every project's teardown calls it; the second call finds nothing left): the PostgreSQL template, also
 * when only the PGlite project ran, the dump, and the run's temporary folder in memory when vitest.config.ts made one.
 */
async function cleanUp() {
  const { pgliteDump, postgres } = templates();
  const name = await postgres?.catch(() => undefined);
  if (name) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await rm(await pgliteDump, { force: true });
  const runTmp = process.env.CONGDOAN_TEST_TMPDIR;
  if (runTmp) await rm(runTmp, { recursive: true, force: true });
}
