// The summary's picture: a horizontal bar chart of % of target per unit, with the 100 % line, rendered in the process
// (Skia through @napi-rs/canvas, prebuilt binaries, no browser) with Be Vietnam Pro so Vietnamese names keep their
// diacritics. Horizontal bars leave room for long unit names and read well on a phone.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createCanvas, GlobalFonts, type SKRSContext2D } from "@napi-rs/canvas";

const FONT = "Be Vietnam Pro";
let fontsLoaded = false;

function loadFonts(): void {
  if (fontsLoaded) return;
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve("@expo-google-fonts/be-vietnam-pro/package.json"));
  GlobalFonts.registerFromPath(join(dir, "400Regular", "BeVietnamPro_400Regular.ttf"), FONT);
  GlobalFonts.registerFromPath(join(dir, "700Bold", "BeVietnamPro_700Bold.ttf"), FONT);
  fontsLoaded = true;
}

export interface ChartBar {
  label: string;
  /** % of target; null: no target (drawn as a note, no bar). */
  percent: number | null;
  behind: boolean;
}

export interface ChartInput {
  title: string;
  subtitle: string;
  bars: ChartBar[];
  /** Shown in place of a bar for a unit without a target. */
  noTarget: string;
  /** Shown under the last bar when bars were left out, e.g. "and 12 more units". */
  more?: string;
}

export const CHART_WIDTH = 1000;
export const MAX_BARS = 30;
const ROW = 34;
const TOP = 96;
const LEFT = 330;
const RIGHT = 70;
const BOTTOM = 50;

export const COLOURS = { met: "#2e7d32", onPace: "#1565c0", behind: "#c62828", line: "#111111", grid: "#e0e0e0" } as const;

function fit(ctx: SKRSContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let s = text;
  while (s.length > 1 && ctx.measureText(`${s}…`).width > width) s = s.slice(0, -1);
  return `${s.trimEnd()}…`;
}

/** The x of a percentage on the scale. */
export function scaleMax(bars: ChartBar[]): number {
  const top = Math.max(100, ...bars.map((b) => b.percent ?? 0));
  return Math.min(300, Math.ceil((top * 1.1) / 20) * 20);
}

export function renderChart(input: ChartInput): Buffer {
  loadFonts();
  const bars = input.bars.slice(0, MAX_BARS);
  const height = TOP + Math.max(1, bars.length) * ROW + BOTTOM + (input.more ? 24 : 0);
  const canvas = createCanvas(CHART_WIDTH, height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, CHART_WIDTH, height);

  ctx.fillStyle = "#111111";
  ctx.font = `bold 24px '${FONT}'`;
  ctx.textBaseline = "alphabetic";
  ctx.fillText(fit(ctx, input.title, CHART_WIDTH - 40), 20, 36);
  ctx.font = `16px '${FONT}'`;
  ctx.fillStyle = "#444444";
  ctx.fillText(fit(ctx, input.subtitle, CHART_WIDTH - 40), 20, 62);

  const max = scaleMax(bars);
  const plotWidth = CHART_WIDTH - LEFT - RIGHT;
  const x = (p: number) => LEFT + (Math.min(p, max) / max) * plotWidth;
  const plotBottom = TOP + bars.length * ROW;

  // Grid every 20 % (50 % above 200), with labels.
  const step = max > 200 ? 50 : 20;
  ctx.font = `13px '${FONT}'`;
  ctx.textAlign = "center";
  for (let p = 0; p <= max; p += step) {
    ctx.strokeStyle = COLOURS.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(Math.round(x(p)) + 0.5, TOP - 6);
    ctx.lineTo(Math.round(x(p)) + 0.5, plotBottom);
    ctx.stroke();
    ctx.fillStyle = "#666666";
    ctx.fillText(`${p} %`, x(p), plotBottom + 20);
  }

  ctx.textBaseline = "middle";
  bars.forEach((bar, i) => {
    const y = TOP + i * ROW;
    ctx.textAlign = "right";
    ctx.fillStyle = "#111111";
    ctx.font = `15px '${FONT}'`;
    ctx.fillText(fit(ctx, bar.label, LEFT - 20), LEFT - 10, y + ROW / 2);
    ctx.textAlign = "left";
    if (bar.percent === null) {
      ctx.fillStyle = "#888888";
      ctx.font = `italic 14px '${FONT}'`;
      ctx.fillText(input.noTarget, LEFT + 8, y + ROW / 2);
      return;
    }
    const colour = bar.percent >= 100 ? COLOURS.met : bar.behind ? COLOURS.behind : COLOURS.onPace;
    ctx.fillStyle = colour;
    const end = x(Math.max(0, bar.percent));
    ctx.fillRect(LEFT, y + 6, Math.max(2, end - LEFT), ROW - 12);
    ctx.fillStyle = "#111111";
    ctx.font = `bold 14px '${FONT}'`;
    const text = `${bar.percent.toLocaleString("vi-VN", { maximumFractionDigits: 1 })} %`;
    ctx.fillText(text, Math.min(end + 6, CHART_WIDTH - RIGHT + 4), y + ROW / 2);
  });

  // The 100 % line, over the bars.
  ctx.strokeStyle = COLOURS.line;
  ctx.lineWidth = 3;
  ctx.setLineDash([8, 5]);
  ctx.beginPath();
  ctx.moveTo(x(100), TOP - 10);
  ctx.lineTo(x(100), plotBottom + 4);
  ctx.stroke();
  ctx.setLineDash([]);

  if (input.more) {
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.fillStyle = "#444444";
    ctx.font = `14px '${FONT}'`;
    ctx.fillText(input.more, 20, height - 12);
  }
  return canvas.toBuffer("image/png");
}

/** Where the chart draws a percentage, for tests: the x pixel of `percent` given the bars. */
export function chartX(bars: ChartBar[], percent: number): number {
  const max = scaleMax(bars.slice(0, MAX_BARS));
  return LEFT + (Math.min(percent, max) / max) * (CHART_WIDTH - LEFT - RIGHT);
}

export const CHART_LAYOUT = { ROW, TOP, LEFT } as const;
