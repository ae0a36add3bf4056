// Every question of the join form, on both its paths, fuzzed with hostile texts (prompt-fuzzer.ts): a problem and the
// question again, or the form moves on; never the generic error, never an error in the log, no fuzzed text stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { loadDemo } from "../support/fixtures.ts";
import { joinSteps, press, tapFirst, text, workerNo } from "../support/join-form.ts";
import { patternOf } from "../support/locale-texts.ts";
import { itFuzzesEachPrompt, type FormStep } from "./prompt-fuzzer.ts";

const vi = tFor("vi");

/** From a poster's link: the workplace is known, the ethnicity skipped. */
const fromPoster = joinSteps(workerNo(7));
/**
 * Without a poster, by a foreign worker with a long contract, whose workplace is not in the list, giving the
 * ethnicity: the questions the poster's path does not ask.
 */
const unlisted: FormStep[] = [
  ...fromPoster.slice(0, 7).map((step, i) => (i === 0 ? { ...step, act: text("/start") } : step)),
  { act: press(vi("join.fields.nationality.FOREIGN")), reply: vi("join.fields.longContract.ask") },
  { act: press(vi("join.fields.longContract.yes")), reply: vi("join.fields.workplace.ask") },
  { act: text("khong co cong ty nay"), reply: patternOf("join.fields.workplace.none"), or: [vi("join.fields.workplace.pick")] },
  { act: press(vi("join.fields.workplace.not_listed")), reply: vi("join.fields.workplace.employer_ask") },
  { act: text("Công ty TNHH Hoa Sen"), reply: vi("join.fields.workplace.address_ask") },
  { act: text("Phường Tân Phong, Lai Châu"), reply: vi("join.fields.workplace.upper_ask") },
  { act: text("tan phong"), reply: vi("join.fields.workplace.upper_pick"), or: [patternOf("join.fields.workplace.upper_none")] },
  { act: tapFirst, reply: vi("join.fields.jobPosition.ask") },
  { act: text("Thợ may"), reply: vi("join.fields.ethnicity.consent").slice(0, 40) },
  { act: press(vi("join.fields.ethnicity.agree")), reply: vi("join.fields.ethnicity.ask") },
  { act: text("Thái"), reply: vi("join.summary.title") },
];

/** Each path, and the first step after which a prompt of its own waits (the unlisted path shares its start). */
const PATHS: [string, FormStep[], number][] = [
  ["from a poster", fromPoster, 1],
  ["unlisted workplace", unlisted, 7],
];

describe("join form prompts under hostile text", { timeout: 300_000 }, () => {
  let h: Harness;
  let nextId = 810_000;
  const newPerson = async () => new Chat(h.fake, { id: nextId++, first_name: "Fuzz", language_code: "vi" });

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
  });
  afterAll(() => h?.close());

  for (const [path, steps, first] of PATHS) itFuzzesEachPrompt(path, { form: "join", steps, newPerson }, first, () => h);

  it("stored no fuzzed text: an application a typed \"1\" sent from the summary holds the script's answers", async () => {
    const worker = workerNo(7);
    for (const a of await h.db.prisma.application.findMany()) {
      expect({ fullName: a.fullName, phone: a.phone }).toEqual({ fullName: worker.fullName, phone: `+84${worker.phone.slice(1)}` });
      expect([worker.jobPosition, "Thợ may"]).toContain(a.jobPosition);
    }
  });
});
