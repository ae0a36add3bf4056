// Drawing with text in the process (Skia through @napi-rs/canvas, prebuilt binaries, no browser) in Be Vietnam Pro,
// so Vietnamese names keep their diacritics: the summary's chart and the member card. Text is measured with the
// real font, so titles wrap rather than being cut.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { SKRSContext2D } from "@napi-rs/canvas";

export const FONT = "Be Vietnam Pro";
const require = createRequire(import.meta.url);
let skia: typeof import("@napi-rs/canvas") | undefined;

/**
 * Skia and the fonts on the first chart, not at start: most processes never draw one, and loading them costs
 * start-up time and memory. Loaded synchronously (the package is CommonJS) so the drawing functions stay plain.
 */
export function canvasModule(): typeof import("@napi-rs/canvas") {
  if (skia) return skia;
  const loaded = require("@napi-rs/canvas") as typeof import("@napi-rs/canvas");
  const dir = dirname(require.resolve("@expo-google-fonts/be-vietnam-pro/package.json"));
  loaded.GlobalFonts.registerFromPath(join(dir, "400Regular", "BeVietnamPro_400Regular.ttf"), FONT);
  loaded.GlobalFonts.registerFromPath(join(dir, "700Bold", "BeVietnamPro_700Bold.ttf"), FONT);
  return (skia = loaded);
}

type Measure = (text: string, font: string) => number;

let measurer: SKRSContext2D | null = null;
/** Text widths as the chart draws them (the real font, through the canvas's measureText). */
export const measureText: Measure = (text, font) => {
  measurer ??= canvasModule().createCanvas(10, 10).getContext("2d");
  measurer.font = font;
  return measurer.measureText(text).width;
};

export interface TextBlock {
  font: string;
  size: number;
  lines: string[];
  lineHeight: number;
}

/** Words into lines no wider than `width` (a single word wider than that gets a line of its own). */
export function wrapWords(text: string, width: number, measure: (text: string) => number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && measure(next) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * A title that fits the width, never cut: on one line at the largest size from `max` down to `min`, else wrapped
 * over several lines at `wrap` (smaller only if a single word is wider than the width).
 */
export function fitBlock(text: string, width: number, style: { bold: boolean; max: number; min: number; wrap: number }, measure: Measure = measureText): TextBlock {
  const font = (size: number) => `${style.bold ? "bold " : ""}${size}px '${FONT}'`;
  for (let size = style.max; size >= style.min; size--) {
    if (measure(text, font(size)) <= width) return { font: font(size), size, lines: [text], lineHeight: Math.round(size * 1.3) };
  }
  let size = style.wrap;
  let lines = wrapWords(text, width, (s) => measure(s, font(size)));
  while (size > 8 && lines.some((l) => measure(l, font(size)) > width)) {
    size--;
    lines = wrapWords(text, width, (s) => measure(s, font(size)));
  }
  return { font: font(size), size, lines, lineHeight: Math.round(size * 1.3) };
}

