// The operator CLI's command table and one run of it: what `npm run cli -- <command>` does, as a function of the
// words and the environment, so that a test can run a command in its own process or in the test's. Works on the same
// store as the bot (DATABASE_URL, or the embedded database in DATA_DIR), and migrates it first, so it can be the very
// first command run.
import { ConfigError, loadConfig, type Config } from "../config.ts";
import { openDatabase } from "../db/database.ts";
import { applyMigrations } from "../db/schema-engine.ts";
import { storeOpenProblem } from "../db/store-problems.ts";
import { operatorLang, tFor } from "../i18n/i18n.ts";
import { basicCommands } from "./basics.ts";
import { cardCommands } from "./cards.ts";
import type { Command } from "./command.ts";
import { memberCommands } from "./members.ts";
import { storeCommands } from "./store.ts";
import { summaryCommands } from "./summary.ts";
import { targetCommands } from "./targets.ts";
import { unitCommands } from "./units.ts";

const commands: Record<string, Command> = {
  ...basicCommands,
  ...unitCommands,
  ...memberCommands,
  ...targetCommands,
  ...summaryCommands,
  ...cardCommands,
  ...storeCommands,
};

/** Runs `argv` (the command's name and its words) and returns the exit code; output goes to the console. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [name, ...args] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.log(tFor(operatorLang(env))("cli.usage", { ns: "cli" }));
    return name && name !== "help" ? 2 : 0;
  }
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(problem);
    return 1;
  }
  let db;
  try {
    db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  } catch (error) {
    const problem = storeOpenProblem(error, config.DATA_DIR, env);
    if (problem === undefined) throw error;
    console.error(problem);
    return 1;
  }
  try {
    await applyMigrations(db.adapterFactory);
    return await command(db.prisma, args, config, db);
  } finally {
    await db.close();
  }
}
