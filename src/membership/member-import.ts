// Importing a grassroots union's existing member rolls (members admitted before, or outside, the bot) from an .xlsx
// or .csv file. Every row is validated first and problems are reported by line number; the import is all or
// nothing; importing the same file again changes nothing. Knows nothing of chat platforms: problems are i18n keys
// with their parameters.
//
// A roll can have 20,000 rows, and nobody else's reply may wait for it: the file is read and checked on a worker
// thread (member-rows.ts), the store is read in pages and written in batches, with the event loop free between them.
// On PostgreSQL the batches are one transaction, committed once, while other updates use the pool's other
// connections. PGlite has one connection, and an open transaction would hold everyone else's queries for the whole
// import: there each batch commits on its own, every row of the import carries the same createdAt (the import's
// mark), any failure deletes what was written under that mark, and the audit row is written with the last batch, so
// a complete import is exactly one with its audit row. Only a crash of the process mid-import can leave part of a
// roll; importing the same file again then adds the rest (rows already there count as unchanged).
import { randomBytes } from "node:crypto";
import type { Prisma } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { writeAudit } from "../audit/audit.ts";
import type { T } from "../i18n/i18n.ts";
import { authorize } from "../policy/policy.ts";
import { isGrassroots } from "../organisation/units.ts";
import { offThread } from "../shared/spreadsheet.ts";
import { truncate } from "../shared/text.ts";
import { vietnamDay, type CalendarDay } from "../shared/time.ts";
import { calendarDayToDate } from "./application-fields.ts";
import { MEMBER_ROW_ERRORS, type LineProblems, type MemberColumn, type MemberFile, type MemberRow, type Problem } from "./member-rows.ts";

export type { LineProblems, MemberColumn, Problem } from "./member-rows.ts";

export type ImportCheck =
  | { ok: true; total: number; created: number; unchanged: number }
  | { ok: false; reason: "file"; problem: Problem }
  | { ok: false; reason: "columns"; missing: MemberColumn[] }
  | { ok: false; reason: "rows"; total: number; lines: LineProblems[] }
  | { ok: false; reason: "no_rows" }
  | { ok: false; reason: "unit_not_found" | "unit_closed" | "not_grassroots" };

export type ImportResult = ImportCheck | { ok: false; reason: "forbidden" };

/**
 * Sizes of the steps: rows per INSERT, rows per read of the union's roll, phones per lookup in other unions. PGlite
 * runs on this thread, so a step there is time nobody else is answered (and everyone else's queries wait behind it
 * on its one connection): small steps. On PostgreSQL a step costs this thread little more than a round trip.
 */
const STEP = {
  pglite: { write: 100, read: 1000, phones: 500 },
  postgres: { write: 1000, read: 2000, phones: 1000 },
} as const;
type Steps = (typeof STEP)[keyof typeof STEP];
/** PGlite: the longest rest between two steps. */
const MAX_REST_MS = 100;
/** The PostgreSQL transaction may take this long: 20,000 rows take a few seconds, on a busy server more. */
const TRANSACTION_TIMEOUT_MS = 5 * 60_000;

const MEMBER_ROWS_MODULE = new URL("./member-rows.ts", import.meta.url);

/**
 * How an import shares the process with everyone else: after each step the updates waiting behind it run (and their
 * queries reach the store) before the next. On PGlite, whose steps run on this thread, it then rests as long as the
 * step took, so other people's updates get at least half of the time whatever the size of the file.
 */
class Pace {
  constructor(
    readonly steps: Steps,
    readonly onThisThread: boolean,
  ) {}

  async step<R>(work: () => Promise<R>): Promise<R> {
    const started = performance.now();
    const result = await work();
    if (this.onThisThread) {
      const rest = Math.min(MAX_REST_MS, performance.now() - started);
      await new Promise<void>((resolve) => setTimeout(resolve, rest));
    } else {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return result;
  }
}

async function paceFor(prisma: PrismaClient): Promise<Pace> {
  return (await onSingleConnection(prisma)) ? new Pace(STEP.pglite, true) : new Pace(STEP.postgres, false);
}

/** Vietnam's midnight at the start of a calendar day, as an instant: the day a member joined. */
function startOfVietnamDay(day: CalendarDay): Date {
  return new Date(calendarDayToDate(day).getTime() - 7 * 3600_000);
}

type Db = PrismaClient | Prisma.TransactionClient;

const singleConnection = new WeakMap<PrismaClient, Promise<boolean>>();
/** Whether the client is on PGlite (one connection, running on this thread); asked once per client. */
function onSingleConnection(prisma: PrismaClient): Promise<boolean> {
  let known = singleConnection.get(prisma);
  if (!known) {
    known = prisma.$queryRaw<{ version: string }[]>`SELECT version() AS version`.then((rows) => /PGlite/i.test(rows[0]?.version ?? ""));
    singleConnection.set(prisma, known);
  }
  return known;
}

/** The file read and checked on a worker thread: what needs no database. */
function readFile(file: Buffer, fileName: string, today: CalendarDay): Promise<MemberFile> {
  return offThread<MemberFile>(MEMBER_ROWS_MODULE, "readMemberFile", [file, fileName, today]);
}

const nameBirth = (searchName: string, birthDate: Date) => `${searchName}|${birthDate.toISOString()}`;

/** The phones and name-and-birth-date keys on the union's roll (those who left included), read a page at a time. */
async function unitRoll(db: Db, unitId: string, pace: Pace) {
  const phones = new Set<string>();
  const nameBirths = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const page = await pace.step(() =>
      db.member.findMany({
        where: { unitId, ...(after ? { id: { gt: after } } : {}) },
        select: { id: true, phone: true, searchName: true, birthDate: true },
        orderBy: { id: "asc" },
        take: pace.steps.read,
      }),
    );
    for (const m of page) {
      if (m.phone) phones.add(m.phone);
      if (m.birthDate) nameBirths.add(nameBirth(m.searchName, m.birthDate));
    }
    if (page.length < pace.steps.read) return { phones, nameBirths };
    after = page[page.length - 1]!.id;
  }
}

/** Which of `phones` belong to a current member of another union, looked up a slice at a time. */
async function phonesElsewhere(db: Db, unitId: string, phones: string[], pace: Pace) {
  const found = new Set<string>();
  for (let i = 0; i < phones.length; i += pace.steps.phones) {
    const slice = phones.slice(i, i + pace.steps.phones);
    const rows = await pace.step(() =>
      db.member.findMany({ where: { phone: { in: slice }, unitId: { not: unitId }, leftOn: null }, select: { phone: true } }),
    );
    for (const r of rows) if (r.phone) found.add(r.phone);
  }
  return found;
}

/** Splits valid rows into new and already there; a phone of a current member of another union is a problem. */
async function classify(db: Db, unitId: string, rows: MemberRow[], pace: Pace) {
  const here = await unitRoll(db, unitId, pace);
  const isHere = (row: MemberRow) => (row.phone !== null && here.phones.has(row.phone)) || here.nameBirths.has(nameBirth(row.searchName, row.birthDate));
  const candidates = rows.filter((row) => !isHere(row));
  const elsewhere = await phonesElsewhere(db, unitId, candidates.flatMap((r) => (r.phone ? [r.phone] : [])), pace);
  const fresh: MemberRow[] = [];
  const lines: LineProblems[] = [];
  for (const row of candidates) {
    if (row.phone && elsewhere.has(row.phone)) lines.push({ line: row.line, problems: [{ key: MEMBER_ROW_ERRORS.otherUnit }] });
    else fresh.push(row);
  }
  return { fresh, unchanged: rows.length - candidates.length, lines };
}

/** Checks a file already read against the union's current members, without writing anything. */
async function check(db: Db, unitId: string, file: MemberFile, pace: Pace): Promise<{ check: ImportCheck; fresh?: MemberRow[] }> {
  switch (file.kind) {
    case "file":
      return { check: { ok: false, reason: "file", problem: file.problem } };
    case "columns":
      return { check: { ok: false, reason: "columns", missing: file.missing } };
    case "no_rows":
      return { check: { ok: false, reason: "no_rows" } };
  }
  const classified = await classify(db, unitId, file.valid, pace);
  const lines = [...file.lines, ...classified.lines].sort((a, b) => a.line - b.line);
  if (lines.length) return { check: { ok: false, reason: "rows", total: file.total, lines } };
  return { check: { ok: true, total: file.total, created: classified.fresh.length, unchanged: classified.unchanged }, fresh: classified.fresh };
}

async function unitProblem(db: Db, unitId: string): Promise<ImportCheck | null> {
  const unit = await db.unit.findUnique({ where: { id: unitId }, select: { type: true, closedAt: true } });
  if (!unit) return { ok: false, reason: "unit_not_found" };
  if (!isGrassroots(unit)) return { ok: false, reason: "not_grassroots" };
  if (unit.closedAt) return { ok: false, reason: "unit_closed" };
  return null;
}

/**
 * What importing the file would do (a preview): how many members are new and how many are already there, or the
 * problems by line. Writes nothing; whether the person may import is checked by importMembers.
 */
export async function checkMemberImport(
  prisma: PrismaClient,
  input: { unitId: string; file: Buffer; fileName: string; now?: Date },
): Promise<ImportCheck> {
  const problem = await unitProblem(prisma, input.unitId);
  if (problem) return problem;
  const file = await readFile(input.file, input.fileName, vietnamDay(input.now ?? new Date()));
  return (await check(prisma, input.unitId, file, await paceFor(prisma))).check;
}

/** A member id like the ones Prisma makes (a cuid: "c" and 24 lower-case letters and digits), for raw inserts. */
function newMemberId(): string {
  const time = Date.now().toString(36).padStart(9, "0").slice(-9);
  let rest = "";
  for (const byte of randomBytes(15)) rest += (byte % 36).toString(36);
  return `c${time}${rest}`;
}

/** An instant as a `timestamp(3)` column holds it: UTC, without a zone (as Prisma writes DateTime). */
const utcTimestamp = (d: Date) => d.toISOString().replace("T", " ").replace("Z", "");

/**
 * Inserts rows in one statement with one array parameter per column. createMany binds a parameter per cell and costs
 * 5 to 10 times as much time on this thread, which on PGlite is time nobody else is answered.
 */
async function insertMembers(db: Db, unitId: string, rows: MemberRow[], mark: Date): Promise<void> {
  const at = utcTimestamp(mark);
  await db.$executeRaw`
    INSERT INTO "Member" ("id", "unitId", "fullName", "searchName", "phone", "birthDate", "sex", "source", "joinedAt", "createdAt", "updatedAt")
    SELECT id, ${unitId}, full_name, search_name, phone, birth_date, sex, 'IMPORT'::"MemberSource", joined_at, ${at}::timestamp, ${at}::timestamp
    FROM unnest(
      ${rows.map(newMemberId)}::text[],
      ${rows.map((r) => r.fullName)}::text[],
      ${rows.map((r) => r.searchName)}::text[],
      ${rows.map((r) => r.phone)}::text[],
      ${rows.map((r) => r.birthDate.toISOString().slice(0, 10))}::date[],
      ${rows.map((r) => r.sex)}::"Sex"[],
      ${rows.map((r) => utcTimestamp(startOfVietnamDay(r.joined)))}::timestamp[]
    ) AS row(id, full_name, search_name, phone, birth_date, sex, joined_at)`;
}

function batches<X>(items: X[], size: number): X[][] {
  const out: X[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface ImportInput {
  actorId: string | null;
  unitId: string;
}

function audit(db: Db, input: ImportInput, result: ImportCheck & { ok: true }) {
  return writeAudit(db, {
    actorId: input.actorId,
    action: "member.import",
    unitId: input.unitId,
    targetType: "Unit",
    targetId: input.unitId,
    after: { rows: result.total, created: result.created, unchanged: result.unchanged },
  });
}

/** PostgreSQL: one transaction committed once, written in batches; other updates run on the other connections. */
function importInOneTransaction(prisma: PrismaClient, input: ImportInput, file: MemberFile, pace: Pace): Promise<ImportCheck> {
  return prisma.$transaction(
    async (tx) => {
      // Two imports into one union run one after the other, so neither creates what the other just did.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`members:import:${input.unitId}`}))`;
      const { check: result, fresh } = await check(tx, input.unitId, file, pace);
      if (!result.ok || !fresh) return result;
      const mark = new Date();
      for (const batch of batches(fresh, pace.steps.write)) await pace.step(() => insertMembers(tx, input.unitId, batch, mark));
      await audit(tx, input, result);
      return result;
    },
    { timeout: TRANSACTION_TIMEOUT_MS, maxWait: 60_000 },
  );
}

/** Imports into one union on this process, one after the other (PGlite is one process's database). */
const unitQueues = new Map<string, Promise<unknown>>();
function oneAtATime<R>(unitId: string, work: () => Promise<R>): Promise<R> {
  const before = unitQueues.get(unitId) ?? Promise.resolve();
  const run = before.then(work, work);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  unitQueues.set(unitId, settled);
  void settled.then(() => {
    if (unitQueues.get(unitId) === settled) unitQueues.delete(unitId);
  });
  return run;
}

/** PGlite: short transactions, one per batch, under the import's mark; on failure what was written is deleted. */
function importInBatches(prisma: PrismaClient, input: ImportInput, file: MemberFile, pace: Pace): Promise<ImportCheck> {
  return oneAtATime(input.unitId, async () => {
    const { check: result, fresh } = await check(prisma, input.unitId, file, pace);
    if (!result.ok || !fresh) return result;
    // Every row of this import gets this createdAt: what a failure deletes, and nothing else has it.
    const mark = new Date();
    const all = batches(fresh, pace.steps.write);
    try {
      for (const [i, batch] of all.entries()) {
        if (i < all.length - 1) {
          await pace.step(() => insertMembers(prisma, input.unitId, batch, mark));
        } else {
          await prisma.$transaction(async (tx) => {
            await insertMembers(tx, input.unitId, batch, mark);
            await audit(tx, input, result);
          });
        }
      }
      if (all.length === 0) await audit(prisma, input, result);
    } catch (error) {
      await prisma.member.deleteMany({ where: { unitId: input.unitId, source: "IMPORT", createdAt: mark } }).catch(() => undefined);
      throw error;
    }
    return result;
  });
}

/**
 * Imports the members of a file into a grassroots union: all rows or none. Members already on the union's roll (same
 * phone, or same name and birth date) are left unchanged, so a second import of the same file changes nothing.
 * Imported members have source IMPORT and no person (they never used the bot). `actorId` null is the operator CLI,
 * which is not subject to the policy (like granting roles from the CLI); a person needs "member.import".
 */
export async function importMembers(
  prisma: PrismaClient,
  input: { actorId: string | null; unitId: string; file: Buffer; fileName: string; now?: Date },
): Promise<ImportResult> {
  const problem = await unitProblem(prisma, input.unitId);
  if (problem) return problem;
  if (input.actorId !== null && !(await authorize(prisma, input.actorId, "member.import", input.unitId))) {
    return { ok: false, reason: "forbidden" };
  }
  // Read before any transaction or lock: reading takes seconds for a big file, and needs no database.
  const file = await readFile(input.file, input.fileName, vietnamDay(input.now ?? new Date()));
  const target = { actorId: input.actorId, unitId: input.unitId };
  const pace = await paceFor(prisma);
  return pace.onThisThread ? importInBatches(prisma, target, file, pace) : importInOneTransaction(prisma, target, file, pace);
}

/** What is wrong with a file or an import, in `t`'s language, at most `maxLines` lines of problems; null when nothing is. */
export function formatImportProblem(result: ImportResult, t: T, maxLines: number): string | null {
  if (result.ok) return null;
  switch (result.reason) {
    case "file":
      return t(result.problem.key, result.problem.params);
    case "columns":
      return t("members.import.missing_columns", {
        columns: result.missing.map((c: MemberColumn) => t(`members.import.columns.${c}`)).join(", "),
      });
    case "no_rows":
      return t("members.import.no_rows");
    case "rows": {
      const shown = result.lines.slice(0, maxLines).map((l) =>
        truncate(
          t("members.import.problem_line", {
            line: l.line,
            problems: l.problems.map((p) => t(p.key, p.params)).join("; "),
          }),
          180,
        ),
      );
      const rest = result.lines.length - shown.length;
      return [
        t("members.import.problems_title", { count: result.lines.length }),
        ...shown,
        ...(rest > 0 ? [t("members.import.more_lines", { count: rest })] : []),
      ].join("\n");
    }
    default:
      return t(`members.import.refused.${result.reason}`);
  }
}
