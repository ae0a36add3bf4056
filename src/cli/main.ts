// The operator CLI: `npm run cli -- <command>` (the commands: src/cli/run.ts).
import { runCli } from "./run.ts";

// Exit at once: Prisma's migration engine (WebAssembly) leaves a ten-second timer behind after it is freed, which
// would keep every command waiting that long. Output is written synchronously on Linux, so nothing is lost.
process.exit(await runCli(process.argv.slice(2), process.env));
