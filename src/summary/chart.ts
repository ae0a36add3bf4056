// The summary's picture: a horizontal bar chart of % of target per unit, each bar with its counts and percentage
// ("1.234 / 1.810 · 68 %"), with the 100 % line; titles wrap rather than being cut, and long unit names are cut in
// the middle so that two similar ones stay distinct (./labels.ts). Rendered in the process
// (Skia through @napi-rs/canvas, prebuilt binaries, no browser) with Be Vietnam Pro so Vietnamese names keep their
// diacritics. Horizontal bars leave room for long unit names and read well on a phone.
import { canvasModule, fitBlock, FONT, measureText, type TextBlock } from "../shared/canvas.ts";
import { fitLabels } from "./labels.ts";

export interface ChartBar {
  /** The unit's name (a short name: the chart cuts a long one in the middle, keeping what tells it from the others). */
  label: string;
  /** % of target; null: no target (drawn as a note, no bar). */
  percent: number | null;
  behind: boolean;
  /** Written at the end of the bar, e.g. "1.234 / 1.810 · 68 %" (or, without a target, in place of the bar). */
  value: string;
}

export interface ChartInput {
  title: string;
  subtitle: string;
  bars: ChartBar[];
  /** Shown under the last bar when bars were left out, e.g. "and 12 more units". */
  more?: string;
  /** How the grid's percentages are written (the person's language: "20 %"). */
  percentLabel?: (percent: number) => string;
}

export const CHART_WIDTH = 1000;
export const MAX_BARS = 30;
const ROW = 34;
/** The least space above the bars (a one-line title and subtitle). */
const TOP = 96;
const LEFT = 360;
const RIGHT = 40;
const BOTTOM = 50;
const MARGIN = 20;
/** The width a title or subtitle line may take. */
export const TEXT_WIDTH = CHART_WIDTH - 2 * MARGIN;
const LABEL_WIDTH = LEFT - 20;

export const COLOURS = { met: "#2e7d32", onPace: "#1565c0", behind: "#c62828", line: "#111111", grid: "#e0e0e0" } as const;

export interface ChartLayout {
  title: TextBlock;
  subtitle: TextBlock;
  /** Where the first bar's row starts. */
  top: number;
  height: number;
  /** The bars' labels as drawn. */
  labels: string[];
  bars: ChartBar[];
}

const LABEL_FONT = `15px '${FONT}'`;

/** Where everything goes: the heading's lines, the labels (fitted and kept distinct), the picture's height. */
export function layoutChart(input: ChartInput): ChartLayout {
  const bars = input.bars.slice(0, MAX_BARS);
  const title = fitBlock(input.title, TEXT_WIDTH, { bold: true, max: 24, min: 20, wrap: 22 });
  const subtitle = fitBlock(input.subtitle, TEXT_WIDTH, { bold: false, max: 16, min: 14, wrap: 15 });
  const heading = 14 + title.lines.length * title.lineHeight + 6 + subtitle.lines.length * subtitle.lineHeight;
  const top = Math.max(TOP, heading + 30);
  const height = top + Math.max(1, bars.length) * ROW + BOTTOM + (input.more ? 24 : 0);
  const labels = fitLabels(
    bars.map((b) => b.label),
    (text) => measureText(text, LABEL_FONT) <= LABEL_WIDTH,
  );
  return { title, subtitle, top, height, labels, bars };
}

/** The x of a percentage on the scale. */
export function scaleMax(bars: Pick<ChartBar, "percent">[]): number {
  const top = Math.max(100, ...bars.map((b) => b.percent ?? 0));
  return Math.min(300, Math.ceil((top * 1.1) / 20) * 20);
}

export function renderChart(input: ChartInput): Buffer {
  const { createCanvas } = canvasModule();
  const layout = layoutChart(input);
  const { bars, height } = layout;
  const TOP = layout.top;
  const canvas = createCanvas(CHART_WIDTH, height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, CHART_WIDTH, height);

  ctx.textBaseline = "alphabetic";
  ctx.textAlign = "left";
  let y = 14;
  for (const [block, colour] of [[layout.title, "#111111"], [layout.subtitle, "#444444"]] as const) {
    ctx.font = block.font;
    ctx.fillStyle = colour;
    for (const line of block.lines) {
      y += block.lineHeight;
      ctx.fillText(line, MARGIN, y - Math.round(block.lineHeight * 0.2));
    }
    y += 6;
  }

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
    ctx.fillText(input.percentLabel ? input.percentLabel(p) : `${p} %`, x(p), plotBottom + 20);
  }

  // The bars and their labels, then the 100 % line over the bars, then the numbers over everything.
  ctx.textBaseline = "middle";
  const ends = bars.map((bar, i) => {
    const y = TOP + i * ROW;
    ctx.textAlign = "right";
    ctx.fillStyle = "#111111";
    ctx.font = LABEL_FONT;
    ctx.fillText(layout.labels[i] ?? "", LEFT - 10, y + ROW / 2);
    if (bar.percent === null) return null;
    ctx.fillStyle = bar.percent >= 100 ? COLOURS.met : bar.behind ? COLOURS.behind : COLOURS.onPace;
    const end = x(Math.max(0, bar.percent));
    ctx.fillRect(LEFT, y + 6, Math.max(2, end - LEFT), ROW - 12);
    return end;
  });

  ctx.strokeStyle = COLOURS.line;
  ctx.lineWidth = 3;
  ctx.setLineDash([8, 5]);
  ctx.beginPath();
  ctx.moveTo(x(100), TOP - 10);
  ctx.lineTo(x(100), plotBottom + 4);
  ctx.stroke();
  ctx.setLineDash([]);

  bars.forEach((bar, i) => {
    const y = TOP + i * ROW + ROW / 2;
    const end = ends[i];
    ctx.textAlign = "left";
    if (end === null || end === undefined) {
      ctx.fillStyle = "#888888";
      ctx.font = `italic 14px '${FONT}'`;
      ctx.fillText(bar.value, LEFT + 8, y);
      return;
    }
    ctx.font = `bold 14px '${FONT}'`;
    const width = ctx.measureText(bar.value).width;
    if (end + 6 + width <= CHART_WIDTH - 8) {
      // After the bar, on a white ground so that the 100 % line does not cross the digits.
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(end + 3, y - 9, width + 6, 18);
      ctx.fillStyle = "#111111";
      ctx.fillText(bar.value, end + 6, y);
    } else {
      // No room after a long bar: inside it, in white on the bar's colour, ending where the bar ends.
      ctx.fillStyle = bar.percent !== null && bar.percent >= 100 ? COLOURS.met : bar.behind ? COLOURS.behind : COLOURS.onPace;
      ctx.fillRect(end - width - 9, y - 9, width + 6, 18);
      ctx.textAlign = "right";
      ctx.fillStyle = "#ffffff";
      ctx.fillText(bar.value, end - 6, y);
    }
  });

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

export const CHART_LAYOUT = { ROW, TOP, LEFT, LABEL_WIDTH } as const;
