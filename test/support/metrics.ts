// Reading Prometheus text in tests. The registry belongs to the process, and with `isolate: false` a worker's earlier
// files have counted their own updates: tests compare values before and after, never absolute counts.

/** A metric's value in Prometheus text, 0 when the series is absent. */
export function valueOf(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
