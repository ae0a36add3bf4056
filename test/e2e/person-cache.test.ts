// The bot remembers who wrote for a while instead of asking the database on every update; what a person changes
// must still show on their very next message.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { Chat } from "../support/chat.ts";
import { startHarness, type Harness } from "../support/app.ts";

const vi = tFor("vi");
const en = tFor("en");

describe("the person behind each update", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  const unreachableAt = async (externalId: string) =>
    (await h.db.prisma.person.findFirstOrThrow({ where: { identities: { some: { externalId } } } })).unreachableAt;

  it("answers in the language just chosen with /language", async () => {
    const worker = new Chat(h.fake, { id: 8801, first_name: "Lan", language_code: "vi" });
    await worker.answer("/help", vi("help.intro"));
    await worker.answer("/language", vi("language.ask"));
    await worker.choose("English", en("language.changed"));
    await worker.answer("/help", en("help.intro"));
  });

  it("is marked unreachable when they block the bot, and reachable again when they write after unblocking", async () => {
    const user = { id: 8802, first_name: "Minh", language_code: "vi" };
    const worker = new Chat(h.fake, user);
    await worker.answer("/help", vi("help.intro"));
    expect(await unreachableAt("8802")).toBeNull();

    h.fake.blockBot(user);
    await expect.poll(() => unreachableAt("8802"), { timeout: 10_000 }).not.toBeNull();

    h.fake.unblockBot(user);
    await worker.answer("/help", vi("help.intro"));
    await expect.poll(() => unreachableAt("8802"), { timeout: 10_000 }).toBeNull();
  });
});
