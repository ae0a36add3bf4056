// `npm run cli -- move-to-postgres <url>`: an operator leaves the embedded store for PostgreSQL. The store (demo units,
// 30 applications of which 10 approved, a web file's bytes, JSON values, 2,500 inbox rows) is made in a temporary
// folder, the CLI's own entry (`runCli`, in this process) copies it into a new, empty database, and both sides are
// compared table by table, row by row.
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.ts";
import { maskPassword, withoutPassword } from "../../src/db/move-to-postgres.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { Prisma } from "../../src/generated/prisma/client.ts";
import { decideApplication } from "../../src/membership/applications.ts";
import { createTestDataDir, ENGINE } from "../support/database.ts";
import { runCliHere as cli } from "../support/cli-files.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";
import { patternOf } from "../support/locale-texts.ts";
import { adminQuery as admin, adminUrl, databaseUrl } from "../support/pg-urls.ts";

const vi = tFor("vi");

/** Every row of every table of ours, as PostgreSQL writes it as text: equal digests mean equal contents. */
async function contents(query: (sql: string) => Promise<Record<string, unknown>[]>): Promise<Record<string, { rows: number; digest: string }>> {
  const tables = await query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1`);
  const out: Record<string, { rows: number; digest: string }> = {};
  for (const { tablename } of tables) {
    const [row] = await query(`SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS digest FROM "${String(tablename)}" t`);
    out[String(tablename)] = { rows: Number(row?.rows), digest: String(row?.digest) };
  }
  return out;
}


// Bytes with every value, a NUL and invalid UTF-8 among them.
const FILE_BYTES = Buffer.from([...Array(256).keys(), 0, 0xff, 0xfe]);
// Past 2^53: a copy that went through JavaScript numbers would change it.
const BIG_UPDATE_ID = 9_007_199_254_740_993n;

describe.skipIf(ENGINE !== "postgres")("moving the embedded store to PostgreSQL (runs in the postgres project, which needs TEST_DATABASE_URL)", { timeout: 300_000 }, () => {
  let dataDir: string;
  let targetName: string;
  let targetUrl: string;
  let password: string;
  let source: Awaited<ReturnType<typeof contents>>;
  let maxRef = 0;
  let maxNumber = 0;

  beforeAll(async () => {
    dataDir = await createTestDataDir("congdoan-move-");
    const db = await openDatabase({ dataDir });
    try {
      await fillStore(db);
      const refs = await db.prisma.application.aggregate({ _max: { ref: true } });
      const numbers = await db.prisma.member.aggregate({ _max: { number: true } });
      maxRef = refs._max.ref ?? 0;
      maxNumber = numbers._max.number ?? 0;
      source = await contents(async (sql) => (await db.pglite!.query<Record<string, unknown>>(sql)).rows);
    } finally {
      await db.close();
    }
    targetName = `cd_move_${randomBytes(6).toString("hex")}`;
    // A brand-new database, not the migrated test template: the command migrates it itself.
    await admin(`CREATE DATABASE ${targetName}`);
    const url = new URL(databaseUrl(targetName));
    // The test server trusts local connections and ignores it; a server that checks passwords has its own in the URL.
    if (!url.password) url.password = "Kh0ng-In-Ra";
    password = decodeURIComponent(url.password);
    targetUrl = url.toString();
  });

  afterAll(async () => {
    if (targetName) await admin(`DROP DATABASE IF EXISTS ${targetName} WITH (FORCE)`);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Demo units and campaign, applications (a third approved), a web file, JSON and SQL nulls, many inbox rows. */
  async function fillStore(db: Database) {
    const { prisma } = db;
    await loadDemo(prisma);
    const chair = await grant(prisma, { id: 4_100_001 }, "CHAIR", "LC-DK-CSLC");
    for (let i = 0; i < 30; i++) {
      const filed = await fileApplication(prisma, { channel: "ZALO", externalId: `move-${i}` }, "LC-DK-CSLC");
      if (i % 3 === 0) {
        const decided = await decideApplication(prisma, { applicationId: filed.applicationId, actorId: chair.id, decision: { kind: "approve" } });
        expect(decided.ok).toBe(true);
      }
    }
    await prisma.webFile.create({ data: { id: "file-1", chatId: "web:move", name: "ảnh thẻ.png", mime: "image/png", bytes: FILE_BYTES } });
    await prisma.auditLog.create({ data: { action: "move.test", before: Prisma.JsonNull, after: Prisma.DbNull } });
    await prisma.auditLog.create({ data: { action: "move.test.nested", after: { tên: "Lò Thị Ánh", n: 1.5, list: [null, true, "a\"b\\c"] } } });
    await prisma.inboxUpdate.createMany({
      data: Array.from({ length: 2_500 }, (_, i) => ({ channel: "TELEGRAM" as const, externalId: `u${i}`, chatKey: String(i % 40), payload: { update_id: i, text: `tin nhắn ${i}` }, leaseUntil: new Date() })),
    });
    await prisma.inboxUpdate.create({ data: { id: BIG_UPDATE_ID, channel: "ZALO", externalId: "big", chatKey: "zalo:big", payload: {}, leaseUntil: new Date() } });
  }

  it("copies every table, row for row, prints the counts of both sides and the one setting to change, never the password", async () => {
    const run = await cli({ DATA_DIR: dataDir }, "move-to-postgres", targetUrl);
    expect(run.code, run.out).toBe(0);
    expect(run.out).not.toContain(password);
    expect(run.out).toContain(`DATABASE_URL=${maskPassword(targetUrl)}`);
    expect(run.out).toMatch(/^Application\s+30\s+30$/m);
    expect(run.out).toMatch(/^Member\s+10\s+10$/m);
    expect(run.out).toMatch(/^WebFile\s+1\s+1$/m);
    expect(run.out).toMatch(/^InboxUpdate\s+2501\s+2501$/m);
    expect(run.out).toContain("pgboss");

    const target = new pg.Client({ connectionString: targetUrl });
    await target.connect();
    try {
      expect(Object.keys(source).length).toBeGreaterThanOrEqual(27);
      // Same tables, same rows, same values: ids, dates, enums, JSON (a JSON null apart from an SQL NULL), bytes, and
      // the summary tables the triggers keep, copied as they were and not counted a second time.
      expect(await contents(async (sql) => (await target.query(sql)).rows)).toEqual(source);
      const file = await target.query(`SELECT bytes FROM "WebFile" WHERE id = 'file-1'`);
      expect(Buffer.compare(file.rows[0].bytes, FILE_BYTES)).toBe(0);
      const audit = await target.query(`SELECT before IS NULL AS before_sql_null, before = 'null'::jsonb AS before_json_null, after IS NULL AS after_sql_null FROM "AuditLog" WHERE action = 'move.test'`);
      expect(audit.rows).toEqual([{ before_sql_null: false, before_json_null: true, after_sql_null: true }]);
      const big = await target.query(`SELECT id::text FROM "InboxUpdate" WHERE "externalId" = 'big'`);
      expect(big.rows[0].id).toBe(String(BIG_UPDATE_ID));
      const bot = await target.query(`SELECT sum(admitted)::int AS admitted FROM "BotWeekTotal"`);
      expect(bot.rows[0].admitted).toBe(10);
      // The target is as the app migrates it: its own _prisma_migrations, triggers on, keys checked immediately.
      const migrations = await target.query(`SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL`);
      expect(migrations.rows[0].n).toBeGreaterThan(0);
      const deferrable = await target.query(`SELECT count(*)::int AS n FROM pg_constraint WHERE condeferrable AND connamespace = 'public'::regnamespace`);
      expect(deferrable.rows[0].n).toBe(0);
      const disabled = await target.query(`SELECT count(*)::int AS n FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'`);
      expect(disabled.rows[0].n).toBe(0);
    } finally {
      await target.end();
    }
  });

  it("on the moved store, a new application and a new member get numbers after the copied ones", async () => {
    const db = await openDatabase({ url: targetUrl, dataDir: "" });
    try {
      const chair = await db.prisma.person.findFirstOrThrow({ where: { roles: { some: { role: "CHAIR" } } } });
      const filed = await fileApplication(db.prisma, { channel: "ZALO", externalId: "after-move" }, "LC-DK-CSLC");
      expect(filed.ref).toBeGreaterThan(maxRef);
      const decided = await decideApplication(db.prisma, { applicationId: filed.applicationId, actorId: chair.id, decision: { kind: "approve" } });
      expect(decided.ok).toBe(true);
      const member = await db.prisma.member.findUniqueOrThrow({ where: { applicationId: filed.applicationId } });
      expect(member.number).toBeGreaterThan(maxNumber);
      const update = await db.prisma.inboxUpdate.create({ data: { channel: "ZALO", externalId: "after", chatKey: "zalo:after", payload: {}, leaseUntil: new Date() } });
      expect(update.id).toBeGreaterThan(BIG_UPDATE_ID);
    } finally {
      await db.close();
    }
  });

  it("refuses a database that is not empty and leaves it as it was", async () => {
    const target = new pg.Client({ connectionString: targetUrl });
    await target.connect();
    try {
      const before = await contents(async (sql) => (await target.query(sql)).rows);
      const run = await cli({ DATA_DIR: dataDir }, "move-to-postgres", targetUrl);
      expect(run.code, run.out).toBe(1);
      expect(run.stderr).toMatch(patternOf("store.move.not_empty"));
      expect(run.out).not.toContain(password);
      expect(await contents(async (sql) => (await target.query(sql)).rows)).toEqual(before);
    } finally {
      await target.end();
    }
  });

  it("refuses when DATABASE_URL is already set: the instance runs on PostgreSQL already", async () => {
    const run = await cli({ DATA_DIR: dataDir, DATABASE_URL: targetUrl }, "move-to-postgres", targetUrl);
    expect(run.code, run.out).toBe(2);
    expect(run.stderr.trim()).toBe(vi("store.move.on_postgres", { url: maskPassword(targetUrl) }));
    expect(run.out).not.toContain(password);
  });
});

describe("the database address as printed", () => {
  it("hides the password, in the address or as ?password=, and in error texts", () => {
    expect(maskPassword("postgres://bot:s%40cret@db.example:5432/congdoan")).toBe("postgres://bot:***@db.example:5432/congdoan");
    expect(maskPassword("postgresql://bot@db/congdoan?password=hunter22&sslmode=require")).toBe("postgresql://bot@db/congdoan?password=***&sslmode=require");
    expect(maskPassword("postgres://bot@db/congdoan")).toBe("postgres://bot@db/congdoan");
    const url = "postgres://bot:s%40cret@db/congdoan";
    expect(withoutPassword(`cannot reach ${url}; password s@cret refused`, url)).toBe("cannot reach postgres://bot:***@db/congdoan; password *** refused");
  });
});
