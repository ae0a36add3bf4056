// A real Chromium for the browser tests: Debian's package (CI installs it in .ci/run), driven by playwright-core, which
// never downloads a browser of its own. Without Chromium the browser tests are skipped on a developer's machine, with
// the reason printed, and fail on CI, so a missing browser cannot pass unnoticed there.
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

// Headless, and quiet on the network: no update checks, sync or QUIC probes that would slow a start on a machine
// without internet. --no-sandbox because CI runs as root, where Chromium's sandbox refuses to start.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const hasChromium = existsSync(CHROMIUM_PATH);

const MISSING = `Chromium not found at ${CHROMIUM_PATH} (set CHROMIUM_PATH, or: apt-get install -y chromium)`;

/**
 * Whether the browser tests skip here: only off CI and only without Chromium, saying so on the console. On CI a missing
 * Chromium is not a skip: `launchBrowser` throws and the test fails.
 */
export function skipBrowserTests(suite: string): boolean {
  if (hasChromium || process.env.CI) return false;
  console.warn(`[${suite}] SKIPPED: ${MISSING}`);
  return true;
}

export async function launchBrowser(): Promise<Browser> {
  if (!hasChromium) throw new Error(`${MISSING}. CI must install it before the tests (.ci/run).`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** Full-page screenshots numbered in the order they were taken: test-results/<folder>/<nn>-<step>.png. */
export class Screenshots {
  private count = 0;
  readonly dir: string;

  constructor(folder: string) {
    this.dir = join(process.cwd(), "test-results", folder);
  }

  /** Empties the folder, so what it holds after a run is that run's pictures only. */
  async reset(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });
    this.count = 0;
  }

  /** Takes a screenshot of the whole page; returns its path. */
  async take(page: Page, step: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const name = `${String(++this.count).padStart(2, "0")}-${step.replace(/[^a-z0-9-]+/gi, "-").toLowerCase()}.png`;
    const path = join(this.dir, name);
    // A page that scrolls inside a list (a chat) is all in the window: Chromium's full-page capture would measure the
    // list's content and add that much blank space below it.
    const scrolls = (await page.evaluate("document.documentElement.scrollHeight > window.innerHeight")) === true;
    // Animations finished: a message fading in shows as it will stay.
    await page.screenshot({ path, fullPage: scrolls, animations: "disabled" });
    return path;
  }
}
