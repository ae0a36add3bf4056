// DATABASE_POOL_SIZE: read and checked with the rest of the configuration, and what the store reports.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { DEFAULT_POOL_SIZE, openDatabase } from "../../src/db/database.ts";
import { tFor } from "../../src/i18n/i18n.ts";

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("DATABASE_POOL_SIZE", () => {
  it("is a whole number of connections from 1 to 500, unset by default", () => {
    expect(loadConfig({}).DATABASE_POOL_SIZE).toBeUndefined();
    expect(loadConfig({ DATABASE_POOL_SIZE: "25" }).DATABASE_POOL_SIZE).toBe(25);
    for (const bad of ["0", "2.5", "many", "501"]) {
      expect(problems({ DATABASE_POOL_SIZE: bad })).toEqual([tFor("vi")("config.bad_pool_size", { ns: "cli", name: "DATABASE_POOL_SIZE" })]);
    }
  });

  it("the store says how many connections it has: the setting or 10 on PostgreSQL, one on PGlite", async () => {
    const url = "postgres://postgres@127.0.0.1:1/unused"; // never connected to: pools connect on first use
    for (const [poolSize, expected] of [[undefined, DEFAULT_POOL_SIZE], [3, 3]] as const) {
      const db = await openDatabase({ url, dataDir: "", poolSize });
      expect(db.poolSize).toBe(expected);
      await db.close();
    }
    const embedded = await openDatabase({ dataDir: "memory://" });
    expect(embedded.poolSize).toBe(1);
    await embedded.close();
  });
});
