// PGlite stores a worker keeps for its next test files. Loading the migrated template costs about a second of CPU
// per store; emptying a used one back to the template's state costs a few tens of milliseconds. With `isolate: false`
// (vitest.config.ts) a worker's modules, and so these spares, outlive each file.
import { readFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";

/** What a store freshly loaded from the template holds; a used store is given out again only once it matches. */
interface TemplateShape {
  /** Every table, schema-qualified and quoted, that is empty in the template. */
  emptyTables: string[];
  /** Tables with rows in the template (the migrations' own record), and how many. */
  filledTables: Map<string, number>;
  schemas: Set<string>;
  /** Every relation and type of the user schemas with its oid: PGlite caches array types by oid at start, so a store
   *  whose types were made again (a test that drops the schema and migrates) would send enum arrays as plain text. */
  objects: string;
  /** setval() calls that put every sequence back where the template has it. */
  sequences: string[];
}

const spares: PGlite[] = [];
let shape: TemplateShape | undefined;

const USER_SCHEMAS = `nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'`;

/** The same condition on a namespace joined as `n`. */
const IN_USER_SCHEMA = USER_SCHEMAS.replaceAll("nspname", "n.nspname");

const TABLES = `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND ${IN_USER_SCHEMA}`;

const OBJECTS = `SELECT coalesce(string_agg(o, ',' ORDER BY o), '') AS objects FROM (
  SELECT c.oid::text || ':' || c.relname AS o FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${IN_USER_SCHEMA}
  UNION ALL
  SELECT t.oid::text || ':' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ${IN_USER_SCHEMA}) AS all_objects`;
const objectsOf = async (pglite: PGlite) => (await pglite.query<{ objects: string }>(OBJECTS)).rows[0]!.objects;

async function readShape(pglite: PGlite): Promise<TemplateShape> {
  const schemas = await pglite.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE ${USER_SCHEMAS}`);
  const tables = await pglite.query<{ name: string }>(TABLES);
  const filledTables = new Map<string, number>();
  const emptyTables: string[] = [];
  for (const { name } of tables.rows) {
    const { rows } = await pglite.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}`);
    if (rows[0]!.n > 0) filledTables.set(name, rows[0]!.n);
    else emptyTables.push(name);
  }
  const sequences = await pglite.query<{ name: string; last_value: string | null; is_called: boolean }>(
    `SELECT format('%I.%I', schemaname, sequencename) AS name, last_value::text, last_value IS NOT NULL AS is_called FROM pg_sequences`,
  );
  return {
    emptyTables,
    filledTables,
    schemas: new Set(schemas.rows.map((r) => r.nspname)),
    objects: await objectsOf(pglite),
    sequences: sequences.rows.map((s) => `SELECT setval('${s.name}', ${s.last_value ?? 1}, ${s.is_called});`),
  };
}

/** A store in the template's state: a spare when the worker has one, otherwise loaded from the dump. */
export async function takePglite(templateDump: string): Promise<PGlite> {
  const spare = spares.pop();
  if (spare) return spare;
  const pglite = await PGlite.create({ loadDataDir: new Blob([await readFile(templateDump)]) });
  shape ??= await readShape(pglite);
  return pglite;
}

/**
 * Empties a store its test is done with and keeps it for the next file; closes it instead when it is already closed
 * or no longer matches the template (a table or schema of its own that emptying would not undo).
 */
export async function giveBackPglite(pglite: PGlite): Promise<void> {
  if (pglite.closed || !shape) return;
  try {
    // Whatever the test left: an open transaction, session settings, advisory locks, prepared statements.
    await pglite.exec("ROLLBACK");
    await pglite.exec("DISCARD ALL");
    const schemas = await pglite.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE ${USER_SCHEMAS}`);
    const extra = schemas.rows.map((r) => r.nspname).filter((name) => !shape!.schemas.has(name));
    // pg-boss makes its schema when the app starts, as on a new store.
    for (const name of extra) await pglite.exec(`DROP SCHEMA "${name}" CASCADE`);
    await pglite.exec(`TRUNCATE ${shape.emptyTables.join(", ")} CASCADE; ${shape.sequences.join(" ")}`);
    const filled = await Promise.all([...shape.filledTables.keys()].map(async (name) => (await pglite.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}`)).rows[0]!.n));
    const same = (await objectsOf(pglite)) === shape.objects && filled.every((rows, i) => rows === [...shape!.filledTables.values()][i]);
    if (same) {
      spares.push(pglite);
      return;
    }
  } catch {
    // A store that cannot be emptied is not worth keeping.
  }
  if (!pglite.closed) await pglite.close();
}
