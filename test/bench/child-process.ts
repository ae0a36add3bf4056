// Child processes of the join bench (the bot as `npm start` runs it, the baseline bot, the CLI) and what the bench
// reads of them from /proc: CPU time and resident memory. Every child is registered so that a failing or
// interrupted bench never leaves one running.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const live = new Set<ChildProcess>();
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface Child {
  process: ChildProcess;
  /** Resolves with the exit code (or signal) once it exits. */
  exited: Promise<string>;
  /** The last lines it wrote, for failure messages. */
  stderrTail(): string;
}

/**
 * `node --import tsx <script>` in the project folder, with `env` on top of this process's environment; `nodeFlags`
 * go before the rest (the tests' SHORT_LIVED_NODE_FLAGS; the benches give none).
 */
export function startNode(script: string, args: string[], env: Record<string, string | undefined>, nodeFlags: string[] = []): Child {
  const merged: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  const child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", script, ...args], { cwd: ROOT, env: merged, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  // The bot logs (pino, JSON) on stdout and crashes on stderr; both are kept for failure messages.
  const tail: string[] = [];
  const keep = (chunk: string) => {
    tail.push(...chunk.split("\n").filter(Boolean).map((line) => line.slice(0, 600)));
    if (tail.length > 20) tail.splice(0, tail.length - 20);
  };
  child.stdout!.setEncoding("utf8").on("data", keep);
  child.stderr!.setEncoding("utf8").on("data", keep);
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve(signal ?? String(code));
    });
  });
  return { process: child, exited, stderrTail: () => tail.join("\n") };
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopChild(child: Child, graceMs = 30_000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill("SIGTERM");
  const timer = setTimeout(() => child.process.kill("SIGKILL"), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Kills every child still running (bench failure or interruption). */
export function killAll(): void {
  for (const child of live) child.kill("SIGKILL");
}

/** Runs a script to completion; throws with its stderr if it fails. */
export async function runNode(script: string, args: string[], env: Record<string, string | undefined>): Promise<void> {
  const child = startNode(script, args, env);
  const code = await child.exited;
  if (code !== "0") throw new Error(`${script} ${args.join(" ")} exited with ${code}:\n${child.stderrTail()}`);
}

/** User + system CPU time of a process so far, ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** A memory line of /proc/<pid>/status (VmRSS, VmHWM), MB. */
export function memoryMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}
