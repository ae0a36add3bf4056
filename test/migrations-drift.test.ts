// The committed migrations build exactly the schema in prisma/schema.prisma. Diffed on an in-memory
// database, so it needs no server and runs once.
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { expect, it } from "vitest";
import { pendingSchemaChanges } from "../src/db/schema-engine.ts";

it("schema.prisma and prisma/migrations agree (after changing the schema: npm run db:migration -- <name>)", async () => {
  const drift = await pendingSchemaChanges(new PrismaPGlite(new PGlite()));
  expect(drift.replace(/^-- This is an empty migration\.\s*/, "")).toBe("");
  // Every migration is replayed through the WebAssembly schema engine: 17 s on a quiet 2-core machine, twice that
  // with the rest of the suite beside it. The bound is for a hung engine, not for speed.
}, 120_000);
