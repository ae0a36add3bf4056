// GET /metrics counts the statements sent to the store, on either engine, and the updates others record; the join
// bench reads SQL per update from it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.ts";
import { createLogger } from "../../src/logger.ts";
import { startHttpServer, type HttpServer } from "../../src/http/server.ts";
import { recordUpdate } from "../../src/metrics/metrics.ts";
import { createTestDatabase, ENGINE } from "../support/database.ts";
import { valueOf } from "../support/metrics.ts";

describe("GET /metrics", () => {
  let db: Database & { destroy?: () => Promise<void> };
  let http: HttpServer;

  beforeAll(async () => {
    // Opened through openDatabase, where the counting is installed, on the engine of this test project.
    db = ENGINE === "postgres" ? await createTestDatabase() : await openDatabase({ dataDir: "memory://" });
    http = await startHttpServer({ port: 0, host: "127.0.0.1", logger: createLogger("silent"), healthy: async () => true });
  });
  afterAll(async () => {
    await http?.close();
    await (db?.destroy ?? db?.close)?.call(db);
  });

  const scrape = async () => {
    const response = await fetch(`http://127.0.0.1:${http.port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    return response.text();
  };
  const statements = (text: string) =>
    [...text.matchAll(/^db_statements_total\{engine="(\w+)"\} (\d+)$/gm)].filter((m) => m[1] === db.engine).reduce((sum, m) => sum + Number(m[2]), 0);

  it("counts every statement and both ends of a transaction", async () => {
    const before = statements(await scrape());
    await db.prisma.$queryRaw`SELECT 1`;
    await db.prisma.$queryRaw`SELECT 2`;
    await db.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 3`;
    });
    const after = statements(await scrape());
    // Two queries, then BEGIN, the query and COMMIT.
    expect(after - before).toBe(5);
  });

  it("shows the updates handled that the bot records", async () => {
    const handled = 'bot_updates_handled_total{channel="TELEGRAM",kind="message",outcome="ok"}';
    const fast = 'bot_update_duration_seconds_bucket{le="0.025",channel="TELEGRAM"}';
    const before = await scrape();
    recordUpdate({ channel: "TELEGRAM", kind: "message", outcome: "ok" }, 0.012);
    const after = await scrape();
    expect(valueOf(after, handled) - valueOf(before, handled)).toBe(1);
    expect(valueOf(after, fast) - valueOf(before, fast)).toBe(1);
  });
});
