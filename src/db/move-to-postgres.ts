// Moves everything in the embedded store to an empty PostgreSQL database, for an operator who outgrew PGlite. The
// target is migrated as the app migrates (so _prisma_migrations is its own), then every table of the public schema is
// copied in one target transaction: nothing is kept if anything fails. pg-boss's schema is left behind on purpose:
// the bot creates it and its schedules again when it starts.
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import type { PrismaClient } from "./database.ts";
import { applyMigrations } from "./schema-engine.ts";

/** Runs one statement and gives its rows as objects. */
export type Query = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** What a Prisma client (or its interactive transaction) offers for raw SQL. */
interface RawSql {
  $queryRawUnsafe<T = unknown>(sql: string, ...values: unknown[]): PromiseLike<T>;
  $executeRawUnsafe(sql: string, ...values: unknown[]): PromiseLike<number>;
}

export const viaPrisma = (prisma: RawSql): Query => async (sql, params = []) => prisma.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...params);
const viaPg = (client: pg.Client): Query => async (sql, params = []) => (await client.query(sql, params)).rows as Record<string, unknown>[];

export const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Our tables: the public schema without Prisma's migration history (every database keeps its own). */
export async function listTables(query: Query): Promise<string[]> {
  const rows = await query(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '_prisma_migrations' ORDER BY c.relname`,
  );
  return rows.map((r) => String(r.name));
}

export async function countRows(query: Query, tables: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const table of tables) {
    const [row] = await query(`SELECT count(*)::text AS n FROM ${quote(table)}`);
    counts.set(table, Number(row?.n ?? 0));
  }
  return counts;
}

/** The first of our tables that holds a row, if any. */
async function firstNonEmptyTable(query: Query): Promise<string | undefined> {
  for (const table of await listTables(query)) {
    const [row] = await query(`SELECT EXISTS (SELECT 1 FROM ${quote(table)}) AS found`);
    if (row?.found === true) return table;
  }
  return undefined;
}

export interface TableCount {
  table: string;
  source: number;
  target: number;
}

export type MoveResult =
  | { moved: true; tables: TableCount[]; /** every table has as many rows on both sides */ same: boolean }
  | { moved: false; nonEmptyTable: string };

/** Rows read and written at a time: the store is streamed, never held whole in memory. */
const BATCH_ROWS = 1_000;
/** PostgreSQL's limit on the parameters of one statement. */
const MAX_PARAMS = 65_535;

/**
 * Copies the source store (the embedded one, through its Prisma client, already migrated) into the database at
 * `targetUrl`, which must hold no row in any public table. Ids, sequences (Application.ref, Member.number, …), Bytes
 * and Json values arrive as they were: every value travels as its PostgreSQL text form and is parsed back by the same
 * type, so nothing passes through JavaScript numbers or dates, and a JSON null stays apart from an SQL NULL.
 */
export async function moveToPostgres(source: PrismaClient, targetUrl: string): Promise<MoveResult> {
  const target = new pg.Client({ connectionString: targetUrl, connectionTimeoutMillis: 10_000 });
  // A dropped connection also rejects the query under way; without a listener it would end the process instead.
  target.on("error", () => undefined);
  await target.connect();
  try {
    const onTarget = viaPg(target);
    // Before migrating, so a database that belongs to something else is left exactly as it was.
    const busy = await firstNonEmptyTable(onTarget);
    if (busy) return { moved: false, nonEmptyTable: busy };
    await applyMigrations(new PrismaPg({ connectionString: targetUrl }));

    const tables = await listTables(viaPrisma(source));
    const { order, deferred } = copyOrder(tables, await foreignKeys(onTarget));
    await target.query("BEGIN");
    try {
      // Triggers keep summary tables (ReportMonthTotal, BotWeekTotal) from the rows they watch; those tables are
      // copied as they are, so replaying the triggers would count everything twice. USER spares the foreign keys.
      for (const table of order) await target.query(`ALTER TABLE ${quote(table)} DISABLE TRIGGER USER`);
      // A key to its own table (Unit.parentId) or back along a cycle cannot be satisfied row by row: checked at the end.
      for (const key of deferred) await target.query(`ALTER TABLE ${quote(key.child)} ALTER CONSTRAINT ${quote(key.name)} DEFERRABLE INITIALLY DEFERRED`);
      // One source transaction: every table is read from the same snapshot.
      await source.$transaction(
        async (tx) => {
          for (const table of order) await copyTable(tx, target, table);
          await copySequences(viaPrisma(tx), onTarget);
        },
        { timeout: 24 * 3_600_000, maxWait: 60_000 },
      );
      await target.query("SET CONSTRAINTS ALL IMMEDIATE");
      for (const key of deferred) await target.query(`ALTER TABLE ${quote(key.child)} ALTER CONSTRAINT ${quote(key.name)} NOT DEFERRABLE`);
      for (const table of order) await target.query(`ALTER TABLE ${quote(table)} ENABLE TRIGGER USER`);
      await target.query("COMMIT");
    } catch (error) {
      await target.query("ROLLBACK").catch(() => undefined);
      throw error;
    }

    const [before, after] = [await countRows(viaPrisma(source), tables), await countRows(onTarget, tables)];
    const counted = tables.map((table) => ({ table, source: before.get(table) ?? 0, target: after.get(table) ?? 0 }));
    return { moved: true, tables: counted, same: counted.every((c) => c.source === c.target) };
  } finally {
    await target.end().catch(() => undefined);
  }
}

interface ForeignKey {
  name: string;
  child: string;
  parent: string;
}

async function foreignKeys(query: Query): Promise<ForeignKey[]> {
  const rows = await query(
    `SELECT con.conname AS name, child.relname AS child, parent.relname AS parent
     FROM pg_constraint con
     JOIN pg_class child ON child.oid = con.conrelid
     JOIN pg_class parent ON parent.oid = con.confrelid
     JOIN pg_namespace n ON n.oid = child.relnamespace
     WHERE con.contype = 'f' AND NOT con.condeferrable AND n.nspname = 'public'`,
  );
  return rows.map((r) => ({ name: String(r.name), child: String(r.child), parent: String(r.parent) }));
}

/** Parents before children; the keys this order cannot satisfy row by row (self-references, cycles) to defer. */
export function copyOrder(tables: string[], keys: ForeignKey[]): { order: string[]; deferred: ForeignKey[] } {
  const left = new Set(tables);
  const waitingOn = (table: string) => keys.filter((k) => k.child === table && k.parent !== table && left.has(k.parent)).length;
  const order: string[] = [];
  while (left.size > 0) {
    // Free tables first; in a cycle, the one waiting on the fewest others.
    const next = [...left].sort((a, b) => waitingOn(a) - waitingOn(b))[0]!;
    order.push(next);
    left.delete(next);
  }
  const position = new Map(order.map((table, i) => [table, i]));
  const deferred = keys.filter((k) => position.has(k.child) && (position.get(k.parent) ?? -1) >= position.get(k.child)!);
  return { order, deferred };
}

async function copyTable(source: RawSql, target: pg.Client, table: string): Promise<void> {
  const columns = (
    await viaPrisma(source)(
      `SELECT a.attname AS name FROM pg_attribute a
       WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum`,
      [`public.${quote(table)}`],
    )
  ).map((r) => String(r.name));
  const selected = columns.map((c, i) => `${quote(c)}::text AS c${i}`).join(", ");
  await source.$executeRawUnsafe(`DECLARE move_rows NO SCROLL CURSOR FOR SELECT ${selected} FROM ${quote(table)}`);
  const perInsert = Math.max(1, Math.min(BATCH_ROWS, Math.floor(MAX_PARAMS / columns.length)));
  for (;;) {
    const rows = await source.$queryRawUnsafe<Record<string, string | null>[]>(`FETCH ${BATCH_ROWS} FROM move_rows`);
    if (rows.length === 0) break;
    for (let start = 0; start < rows.length; start += perInsert) {
      const chunk = rows.slice(start, start + perInsert);
      // Parameters of no stated type: PostgreSQL reads each text with the input function of its column's own type.
      const values = chunk.map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(", ")})`);
      await target.query(
        `INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) OVERRIDING SYSTEM VALUE VALUES ${values.join(", ")}`,
        chunk.flatMap((row) => columns.map((_, c) => row[`c${c}`] ?? null)),
      );
    }
  }
  await source.$executeRawUnsafe("CLOSE move_rows");
}

/**
 * Each sequence where the source left it, so new refs and member numbers follow the copied ones (numbers used and then
 * deleted are not given again), or past the highest copied value of its column when a row was given one by hand.
 */
async function copySequences(source: Query, target: Query): Promise<void> {
  const owners = new Map<string, { table: string; column: string }>();
  for (const r of await target(
    `SELECT s.relname AS sequence, t.relname AS "table", a.attname AS "column"
     FROM pg_class s
     JOIN pg_namespace n ON n.oid = s.relnamespace
     JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
     JOIN pg_class t ON t.oid = d.refobjid
     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
     WHERE s.relkind = 'S' AND n.nspname = 'public'`,
  )) {
    owners.set(String(r.sequence), { table: String(r.table), column: String(r.column) });
  }
  const sequences = await source(`SELECT sequencename AS name FROM pg_sequences WHERE schemaname = 'public'`);
  for (const { name } of sequences) {
    const sequence = `public.${quote(String(name))}`;
    const [state] = await source(`SELECT last_value::text AS value, is_called AS called FROM ${sequence}`);
    let value = BigInt(String(state?.value));
    let called = state?.called === true;
    const owner = owners.get(String(name));
    if (owner) {
      const [top] = await target(`SELECT max(${quote(owner.column)})::text AS max FROM ${quote(owner.table)}`);
      const highest = top?.max == null ? undefined : BigInt(String(top.max));
      // The next value is `value` + 1 once called, `value` itself before.
      if (highest !== undefined && highest >= (called ? value + 1n : value)) [value, called] = [highest, true];
    }
    await target(`SELECT setval($1::regclass, $2::bigint, $3::boolean)`, [sequence, value.toString(), called]);
  }
}

/** The address with its password (in the authority or as ?password=) replaced by ***, for anything printed. */
export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    if (parsed.searchParams.has("password")) parsed.searchParams.set("password", "***");
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}

/** Text (an error message) with the address's password, as written or decoded, replaced by ***. */
export function withoutPassword(text: string, url: string): string {
  let secrets: string[] = [];
  try {
    const parsed = new URL(url);
    secrets = [parsed.password, parsed.searchParams.get("password") ?? ""].flatMap((s) => [s, safeDecode(s)]);
  } catch {
    // An address URL cannot parse was masked whole by maskPassword.
  }
  return secrets.filter((s) => s.length > 0).reduce((out, secret) => out.replaceAll(secret, "***"), text.replaceAll(url, maskPassword(url)));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
