// Keeps one section per benchmark in BENCHMARKS.md between markers, leaving the others untouched.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const FILE = fileURLToPath(new URL("../../BENCHMARKS.md", import.meta.url));
const HEADER = "# Benchmarks\n\nWritten by `npm run bench` (see `test/bench/`); numbers are from the last run on the machine named in each section.\n";

export async function writeSection(name: string, title: string, markdown: string): Promise<void> {
  const current = await readFile(FILE, "utf8").catch(() => HEADER);
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = `${start}\n## ${title}\n\n${markdown.trim()}\n${end}`;
  const pattern = new RegExp(`${start}[\\s\\S]*?${end}`);
  const next = pattern.test(current) ? current.replace(pattern, section) : `${current.trimEnd()}\n\n${section}\n`;
  await writeFile(FILE, next);
}
