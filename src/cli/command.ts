// What every operator CLI command looks like, and the one way they read a file named on the command line.
import { readFile } from "node:fs/promises";
import type { Config } from "../config.ts";
import type { Database, PrismaClient } from "../db/database.ts";
import type { T } from "../i18n/i18n.ts";

/**
 * Runs with the migrated store, the words after the command name and the configuration; returns the exit code.
 * `db` is the opened store itself, for the few commands that work on the engine (the embedded store's backup).
 */
export type Command = (prisma: PrismaClient, args: string[], config: Config, db?: Database) => Promise<number>;

/** The file's bytes, or null after telling the operator (with `unreadableKey`) that it cannot be read. */
export async function readCommandFile(file: string, t: T, unreadableKey: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch {
    console.error(t(unreadableKey, { file }));
    return null;
  }
}
