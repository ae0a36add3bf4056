// Runs once per test project: migrates a template database with the real migrator, so each test file
// starts from a copy in well under a second instead of migrating again.
//  - PGlite: a dump of a migrated data directory (made once for both projects), loaded by each test file, and by
//    the tests that need a store in a folder (createTestDataDir).
//  - PostgreSQL: a template database; each test file gets CREATE DATABASE … TEMPLATE.
import { writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../src/db/database.ts";
import { applyMigrations } from "../../src/db/schema-engine.ts";
import { adminUrl, databaseUrl } from "./pg-urls.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** PGlite: path of the migrated data-directory dump. PostgreSQL: name of the template database. */
    dbTemplate: string;
    /** Path of the migrated PGlite dump in both projects: tests on PostgreSQL also move an embedded store. */
    pgliteTemplate: string;
  }
}

/** The PGlite dump, made once for both projects (their setups run in this one process). */
let pgliteDump: Promise<string> | undefined;
async function makePgliteDump(): Promise<string> {
  const pglite = await PGlite.create();
  await applyMigrations(new PrismaPGlite(pglite));
  const dump = await pglite.dumpDataDir("none");
  await pglite.close();
  const path = join(tmpdir(), `congdoan-pglite-template-${process.pid}.tar`);
  await writeFile(path, Buffer.from(await dump.arrayBuffer()));
  return path;
}

export default async function setup(project: TestProject) {
  const dump = await (pgliteDump ??= makePgliteDump());
  project.provide("pgliteTemplate", dump);
  // Project env reaches the test workers, not this process: tell the engines apart by project name.
  if (project.name === "postgres") {
    const name = `cd_template_${process.pid}`;
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    const db = await openDatabase({ url: databaseUrl(name), dataDir: "" });
    await applyMigrations(db.adapterFactory);
    await db.close();
    project.provide("dbTemplate", name);
    return async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      await removeTemporaries(dump);
    };
  }
  project.provide("dbTemplate", dump);
  return () => removeTemporaries(dump);
}

/** The template dump, and the run's temporary folder in memory when vitest.config.ts made one. */
async function removeTemporaries(dump: string) {
  await rm(dump, { force: true });
  const runTmp = process.env.CONGDOAN_TEST_TMPDIR;
  if (runTmp) await rm(runTmp, { recursive: true, force: true });
}
