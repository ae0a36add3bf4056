// `npm run bench [name ...]`: runs the benchmarks in this folder (every *.bench.ts, or the named ones)
// and rewrites each one's section of BENCHMARKS.md, so the file always holds the last measured numbers.
import { readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { writeSection } from "./report.ts";

/** A benchmark returns the Markdown it wants in BENCHMARKS.md under its own heading. */
export interface Benchmark {
  title: string;
  run(): Promise<string>;
}

const here = fileURLToPath(new URL(".", import.meta.url));
const wanted = process.argv.slice(2);
const files = (await readdir(here)).filter((f) => f.endsWith(".bench.ts")).sort();
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, "");
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const bench = (await import(`./${file}`)).default as Benchmark;
  console.log(`\n== ${bench.title}`);
  const markdown = await bench.run();
  await writeSection(name, bench.title, markdown);
  console.log(markdown);
}
