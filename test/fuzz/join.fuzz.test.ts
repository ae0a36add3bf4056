// Every question of the join form, from a poster's link, fuzzed with hostile texts (prompt-fuzzer.ts): a problem and
// the question again, or the form moves on; never the generic error, never an error in the log, nothing stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { loadDemo } from "../support/fixtures.ts";
import { joinSteps, workerNo } from "../support/join-form.ts";
import { errorsLogged, fuzzPrompt, type FormScript } from "./prompt-fuzzer.ts";

const steps = joinSteps(workerNo(7));
/** The prompts: after the language is chosen (the consent) up to the summary's "send"; the last step files the form. */
const PROMPTS = steps.slice(1, -1).map((step, i) => ({ index: i + 1, question: String(step.reply).slice(0, 50) }));

describe("join form prompts under hostile text", { timeout: 300_000 }, () => {
  let h: Harness;
  let nextId = 810_000;
  const script: FormScript = { form: "join", steps, newPerson: async () => new Chat(h.fake, { id: nextId++, first_name: "Fuzz", language_code: "vi" }) };

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
  });
  afterAll(() => h?.close());

  for (const { index, question } of PROMPTS) {
    it(`asks again or moves on: "${question}…"`, async () => {
      const counts = await fuzzPrompt(h, script, index);
      expect(counts.again + counts.next + counts.busy).toBeGreaterThan(0);
      expect(errorsLogged(h)).toEqual([]);
    });
  }

  it("stored no application: no fuzzed text reached the summary's send", async () => {
    expect(await h.db.prisma.application.count()).toBe(0);
  });
});
