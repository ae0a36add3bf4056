// Every conversation says what it is when a command arrives in its middle, and how to start it again after
// /cancel: a new conversation without its texts would fall back to saying nothing useful.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FORM_NAMES, formTexts } from "../../src/bot/forms.ts";
import { LANGUAGES, tFor } from "../../src/i18n/i18n.ts";

function conversationNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .flatMap((entry) => [...readFileSync(join(entry.parentPath, entry.name), "utf8").matchAll(/export const \w+_CONVERSATION = "([^"]+)"/g)])
    .map((match) => match[1] ?? "");
}

describe("form texts", () => {
  const names = conversationNames(join(import.meta.dirname, "../../src/bot"));

  it("finds the conversations", () => {
    expect(names).toContain("join");
    expect(names).toContain("report");
  });

  it.each(LANGUAGES)("every conversation has its busy and cancelled texts in %s", (lang) => {
    const t = tFor(lang);
    for (const name of names) {
      expect(FORM_NAMES, `FORM_NAMES lacks the "${name}" conversation`).toContain(name);
      const texts = formTexts(name as (typeof FORM_NAMES)[number]);
      expect(t(texts.busy)).not.toBe(texts.busy);
      expect(t(texts.cancelled)).not.toBe(texts.cancelled);
    }
  });

  it("a report cancelled is not sent back to /start, which opens the join form", () => {
    expect(tFor("vi")(formTexts("report").cancelled)).toContain("/report");
    expect(tFor("vi")(formTexts("report").cancelled)).not.toContain("/start");
  });
});
