// Counts every statement sent to the store, at the one place each engine's traffic passes: PGlite's instance
// (Prisma, pg-boss and raw SQL all share it) and the pg Client our pools use (Prisma's and pg-boss's).
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

/**
 * A pg Client that counts its queries. The pools that talk to PostgreSQL (Prisma's, pg-boss's) are given it through
 * pg.Pool's `Client` option, so pg itself is left as it is.
 */
export class CountedClient extends pg.Client {}
const clientQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(CountedClient.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
  countStatements("postgres");
  return clientQuery.apply(this, args);
};
