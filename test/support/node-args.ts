// How the tests start the bot or the CLI as a process of its own: `node --import tsx <script>`, as `npm start` and
// `npm run cli` do, plus one V8 flag that changes how fast code gets, never what it does: WebAssembly stays with V8's
// baseline compiler (Liftoff). These processes, and the test workers (vitest.config.ts), live for seconds to a minute:
// compiling PGlite's and Prisma's WebAssembly a second time with the optimising tier costs more than it saves there
// (1.2 of the bot's 3.4 CPU-s to its first poll; a tenth of a worker's CPU). A bot that runs for days gains from it:
// the benches start the bot without the flag, as production runs it (test/bench/child-process.ts).
export const SHORT_LIVED_NODE_FLAGS = ["--liftoff-only"];

/** The node arguments that run `script` (a path from the project folder) with `args`. */
export const nodeArgs = (script: string, ...args: string[]): string[] => [...SHORT_LIVED_NODE_FLAGS, "--import", "tsx", script, ...args];
