// Counts every statement sent to the store, at the one place each engine's traffic passes: PGlite's instance
// (Prisma, pg-boss and raw SQL all share it) and pg's Client (Prisma's pool and pg-boss's own pool both use it).
import type { PGlite, Transaction } from "@electric-sql/pglite";
import pg from "pg";
import { countStatements } from "./metrics.ts";

/** Counts what goes through this PGlite instance; call once, right after creating it. */
export function countPgliteStatements(pglite: PGlite): void {
  const query = pglite.query.bind(pglite);
  const exec = pglite.exec.bind(pglite);
  const transaction = pglite.transaction.bind(pglite);
  pglite.query = ((...args: Parameters<typeof query>) => {
    countStatements("pglite");
    return query(...args);
  }) as typeof pglite.query;
  pglite.exec = (...args: Parameters<typeof exec>) => {
    countStatements("pglite");
    return exec(...args);
  };
  pglite.transaction = (<T>(callback: (tx: Transaction) => Promise<T>) => {
    countStatements("pglite", 2); // BEGIN, and COMMIT or ROLLBACK, as pg sends them
    return transaction((tx) => callback(countedTransaction(tx)));
  }) as typeof pglite.transaction;
}

function countedTransaction(tx: Transaction): Transaction {
  // Inherits rollback, listen and the live `closed` getter from the transaction itself.
  const counted = Object.create(tx) as Transaction;
  counted.query = ((...args: Parameters<Transaction["query"]>) => {
    countStatements("pglite");
    return tx.query(...args);
  }) as Transaction["query"];
  counted.exec = (...args: Parameters<Transaction["exec"]>) => {
    countStatements("pglite");
    return tx.exec(...args);
  };
  return counted;
}

let pgCounted = false;

/** Counts every query of every pg Client in this process (pools call Client#query); idempotent. */
export function countPgStatements(): void {
  if (pgCounted) return;
  pgCounted = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    countStatements("postgres");
    return query.apply(this, args);
  };
}
