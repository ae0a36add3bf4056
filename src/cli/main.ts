// The operator CLI: `npm run cli -- <command>`. Works on the same store as the bot (DATABASE_URL, or
// the embedded database in DATA_DIR), and migrates it first, so it can be the very first command run.
import { loadConfigOrExit } from "../config.ts";
import { openDatabase } from "../db/database.ts";
import { exitIfStoreBusy } from "../db/embedded-lock.ts";
import { applyMigrations } from "../db/schema-engine.ts";
import { operatorLang, tFor } from "../i18n/i18n.ts";
import { basicCommands } from "./basics.ts";
import { cardCommands } from "./cards.ts";
import type { Command } from "./command.ts";
import { memberCommands } from "./members.ts";
import { storeCommands } from "./store.ts";
import { summaryCommands } from "./summary.ts";
import { targetCommands } from "./targets.ts";
import { unitCommands } from "./units.ts";

const t = tFor(operatorLang());
const say = (key: string) => console.log(t(key, { ns: "cli" }));

const commands: Record<string, Command> = {
  ...basicCommands,
  ...unitCommands,
  ...memberCommands,
  ...targetCommands,
  ...summaryCommands,
  ...cardCommands,
  ...storeCommands,
};

async function main(): Promise<number> {
  const [name, ...args] = process.argv.slice(2);
  const command = name ? commands[name] : undefined;
  if (!command) {
    say("cli.usage");
    return name && name !== "help" ? 2 : 0;
  }
  const config = loadConfigOrExit(process.env);
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR }).catch(exitIfStoreBusy);
  try {
    await applyMigrations(db.adapterFactory);
    return await command(db.prisma, args, config, db);
  } finally {
    await db.close();
  }
}

// Exit at once: Prisma's migration engine (WebAssembly) leaves a ten-second timer behind after it is freed, which
// would keep every command waiting that long. Output is written synchronously on Linux, so nothing is lost.
process.exit(await main());
