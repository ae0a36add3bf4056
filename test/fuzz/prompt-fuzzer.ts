// Property-based fuzzing of a form's prompts through chat: a person is played to a prompt, then sends hostile texts
// (hostile-text.ts) one after another. Whatever the text, the bot must answer with a text rendered from the locales:
// either a specific problem followed by the same question again, or (the text was a valid answer) the form moves on
// to its next question, and then a new person is played to the prompt for the next text. Never the generic error,
// never silence, never a crash, and nothing logged at error level.
import fc from "fast-check";
import { expect, it } from "vitest";
import { formTexts, type FormName } from "../../src/bot/forms.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import type { Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import type { JoinStep } from "../support/join-form.ts";
import { keysIn } from "../support/locale-texts.ts";
import { FUZZ_RUNS, FUZZ_SEED, hostileText } from "./hostile-text.ts";

const vi = tFor("vi");

/** A step; `or`: other questions its answer may bring instead of `reply` (a search finds something, or nothing). */
export type FormStep = JoinStep & { or?: (string | RegExp)[] };

export interface FormScript {
  /** The conversation's name: a command typed in its middle is answered with its "busy" text. */
  form: FormName;
  /** The steps from a person's first message to the form's last question (each: what is sent, what it is answered with). */
  steps: FormStep[];
  /** A new person who may open the form (given a role if the form needs one). */
  newPerson(): Promise<Chat>;
}

type Verdict = { asked: "again"; problemKeys: string[] } | { asked: "next" } | { asked: "busy" } | { asked: "wrong"; text: string };

const matches = (text: string, expected: string | RegExp) => (typeof expected === "string" ? text.includes(expected) : expected.test(text));

/**
 * What the first answer to a text sent at `question` shows: a problem rendered from the locales and the question
 * again (in the same message; the caller also accepts the question alone in the message after the problem); or the
 * form moved on, which is a choice closed with the answer ("question\n\n→ label") or the question that follows
 * `question` in the script; or, to a text that looks like a command, the form's "answer the question above or
 * /cancel"; anything else is wrong.
 */
function judge(input: string, text: string, question: string, script: FormScript, index: number): Verdict {
  if (text === vi("error") || text === vi("unhandled")) return { asked: "wrong", text };
  if (input.startsWith("/") && text === vi(formTexts(script.form).busy)) return { asked: "busy" };
  const following = script.steps[index + 1];
  const next = following ? [following.reply, ...(following.or ?? [])] : [];
  if (text.length > question.length && text.endsWith(question)) {
    const problemKeys = keysIn(text.slice(0, -question.length).trim());
    return problemKeys.length > 0 ? { asked: "again", problemKeys } : { asked: "wrong", text };
  }
  if (text.startsWith(`${question}\n\n→ `) || next.some((expected) => matches(text, expected))) return { asked: "next" };
  return { asked: "wrong", text };
}

/** Plays a new person through `steps[0..index]`; returns them and the question they then face. */
async function playTo(script: FormScript, index: number): Promise<{ chat: Chat; question: string }> {
  const chat = await script.newPerson();
  let question = "";
  for (const step of script.steps.slice(0, index + 1)) {
    step.act(chat);
    question = (await chat.expect(step.reply, 30_000)).text ?? "";
  }
  return { chat, question };
}

/** Fuzzes the question asked after `steps[index]`; returns how many texts were answered each way. */
async function fuzzPrompt(h: Harness, script: FormScript, index: number): Promise<Record<"again" | "next" | "busy", number>> {
  let at = await playTo(script, index);
  const counts = { again: 0, next: 0, busy: 0 };
  await fc.assert(
    fc.asyncProperty(hostileText, async (input) => {
      const since = h.fake.mark();
      at.chat.send(input);
      const reply = await h.fake.nextMessageTo(at.chat.user, { since, timeoutMs: 30_000 });
      const text = reply.text ?? reply.caption ?? "";
      let verdict = judge(input, text, at.question, script, index);
      if (verdict.asked === "wrong" && text !== vi("error") && text !== vi("unhandled") && keysIn(text).length > 0) {
        // Some forms say the problem in a message of its own and then ask the question again in the next one.
        const following = await h.fake.nextMessageTo(at.chat.user, { timeoutMs: 30_000 });
        if (following.text === at.question) verdict = { asked: "again", problemKeys: keysIn(text) };
      }
      if (verdict.asked === "wrong") throw new Error(`answered "${verdict.text.slice(0, 200)}" to ${JSON.stringify(input.slice(0, 200))}`);
      counts[verdict.asked]++;
      if (verdict.asked === "next") at = await playTo(script, index);
    }),
    // No shrinking: each text changes the conversation, so a shrunk text would meet another state than the first.
    { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: true },
  );
  return counts;
}

/** Pino's error and fatal lines, which a fuzzed prompt must never cause. */
function errorsLogged(h: Harness): string[] {
  return h.logs.lines.filter((line) => /"level":(50|60)/.test(line));
}

/** A prompt's name in a test title: its question, or the text of the pattern that matches it. */
const promptLabel = (reply: string | RegExp) =>
  String(reply).replace(/^\/|\/$/g, "").replaceAll("[\\s\\S]*?", "…").replace(/\\/g, "").slice(0, 50);

/**
 * One test per prompt of `script`, from the question after `steps[first]` on: every step but the last leaves a
 * question waiting. `harness` is read when the tests run (it is started in the file's beforeAll).
 */
export function itFuzzesEachPrompt(name: string, script: FormScript, first: number, harness: () => Harness): void {
  for (let index = first; index < script.steps.length - 1; index++) {
    it(`${name}: asks again or moves on at "${promptLabel(script.steps[index]!.reply)}"`, async () => {
      const h = harness();
      const counts = await fuzzPrompt(h, script, index);
      expect(counts.again + counts.next + counts.busy).toBeGreaterThan(0);
      expect(errorsLogged(h)).toEqual([]);
    });
  }
}
