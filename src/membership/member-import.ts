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
 * Rows per INSERT. PGlite runs on this thread, so a batch there is time nobody else is answered: smaller batches.
 * On PostgreSQL a batch costs this thread little but a round trip.
 */
const WRITE_BATCH = { pglite: 500, postgres: 1000 } as const;
/** Rows per read of the union's roll, and phones per lookup in other unions. */
const READ_PAGE = 2000;
const PHONE_LOOKUP = 1000;
/** The PostgreSQL transaction may take this long: 20,000 rows take a few seconds, on a busy server more. */
const TRANSACTION_TIMEOUT_MS = 5 * 60_000;

const MEMBER_ROWS_MODULE = new URL("./member-rows.ts", import.meta.url);

/** Lets the updates waiting behind this work run (and their queries reach the store) before it goes on. */
const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

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
async function unitRoll(db: Db, unitId: string) {
  const phones = new Set<string>();
  const nameBirths = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const page = await db.member.findMany({
      where: { unitId, ...(after ? { id: { gt: after } } : {}) },
      select: { id: true, phone: true, searchName: true, birthDate: true },
      orderBy: { id: "asc" },
      take: READ_PAGE,
    });
    for (const m of page) {
      if (m.phone) phones.add(m.phone);
      if (m.birthDate) nameBirths.add(nameBirth(m.searchName, m.birthDate));
    }
    if (page.length < READ_PAGE) return { phones, nameBirths };
    after = page[page.length - 1]!.id;
    await yieldToOthers();
  }
}

/** Which of `phones` belong to a current member of another union, looked up a slice at a time. */
async function phonesElsewhere(db: Db, unitId: string, phones: string[]) {
  const found = new Set<string>();
  for (let i = 0; i < phones.length; i += PHONE_LOOKUP) {
    const slice = phones.slice(i, i + PHONE_LOOKUP);
    const rows = await db.member.findMany({
      where: { phone: { in: slice }, unitId: { not: unitId }, leftOn: null },
      select: { phone: true },
    });
    for (const r of rows) if (r.phone) found.add(r.phone);
    if (i + PHONE_LOOKUP < phones.length) await yieldToOthers();
  }
  return found;
}

/** Splits valid rows into new and already there; a phone of a current member of another union is a problem. */
async function classify(db: Db, unitId: string, rows: MemberRow[]) {
  const here = await unitRoll(db, unitId);
  const isHere = (row: MemberRow) => (row.phone !== null && here.phones.has(row.phone)) || here.nameBirths.has(nameBirth(row.searchName, row.birthDate));
  const candidates = rows.filter((row) => !isHere(row));
  const elsewhere = await phonesElsewhere(db, unitId, candidates.flatMap((r) => (r.phone ? [r.phone] : [])));
  const fresh: MemberRow[] = [];
  const lines: LineProblems[] = [];
  for (const row of candidates) {
    if (row.phone && elsewhere.has(row.phone)) lines.push({ line: row.line, problems: [{ key: MEMBER_ROW_ERRORS.otherUnit }] });
    else fresh.push(row);
  }
  return { fresh, unchanged: rows.length - candidates.length, lines };
}

/** Checks a file already read against the union's current members, without writing anything. */
async function check(db: Db, unitId: string, file: MemberFile): Promise<{ check: ImportCheck; fresh?: MemberRow[] }> {
  switch (file.kind) {
    case "file":
      return { check: { ok: false, reason: "file", problem: file.problem } };
    case "columns":
      return { check: { ok: false, reason: "columns", missing: file.missing } };
    case "no_rows":
      return { check: { ok: false, reason: "no_rows" } };
  }
  const classified = await classify(db, unitId, file.valid);
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
  return (await check(prisma, input.unitId, file)).check;
}

function memberData(unitId: string, row: MemberRow, mark?: Date) {
  return {
    personId: null,
    unitId,
    fullName: row.fullName,
    searchName: row.searchName,
    phone: row.phone,
    birthDate: row.birthDate,
    sex: row.sex,
    source: "IMPORT" as const,
    joinedAt: startOfVietnamDay(row.joined),
    ...(mark ? { createdAt: mark, updatedAt: mark } : {}),
  };
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
function importInOneTransaction(prisma: PrismaClient, input: ImportInput, file: MemberFile): Promise<ImportCheck> {
  return prisma.$transaction(
    async (tx) => {
      // Two imports into one union run one after the other, so neither creates what the other just did.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`members:import:${input.unitId}`}))`;
      const { check: result, fresh } = await check(tx, input.unitId, file);
      if (!result.ok || !fresh) return result;
      for (const batch of batches(fresh, WRITE_BATCH.postgres)) {
        await tx.member.createMany({ data: batch.map((row) => memberData(input.unitId, row)) });
        await yieldToOthers();
      }
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
function importInBatches(prisma: PrismaClient, input: ImportInput, file: MemberFile): Promise<ImportCheck> {
  return oneAtATime(input.unitId, async () => {
    const { check: result, fresh } = await check(prisma, input.unitId, file);
    if (!result.ok || !fresh) return result;
    // Every row of this import gets this createdAt: what a failure deletes, and nothing else has it.
    const mark = new Date();
    const all = batches(fresh, WRITE_BATCH.pglite);
    try {
      for (const [i, batch] of all.entries()) {
        const data = batch.map((row) => memberData(input.unitId, row, mark));
        if (i < all.length - 1) {
          await prisma.member.createMany({ data });
          await yieldToOthers();
        } else {
          await prisma.$transaction(async (tx) => {
            await tx.member.createMany({ data });
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
  return (await onSingleConnection(prisma)) ? importInBatches(prisma, target, file) : importInOneTransaction(prisma, target, file);
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
