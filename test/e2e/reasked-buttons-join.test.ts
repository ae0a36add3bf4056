// The join form walked as a worker on a cheap phone lives it: a wrong answer before every button answer, and the
// button then tapped on the message that asked again. Every re-asked question's buttons work until it is answered;
// after that, a tap on any of its messages is answered "already answered" and changes nothing.
import type { Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { Chat } from "../support/chat.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const RUBBER = "Công ty Cổ phần Cao su Lai Châu";

describe("the join form, with a wrong answer before every button", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, { id: 800 }, "CHAIR", "LC-DK-CSLC");
  });
  afterAll(() => h?.close());

  /**
   * Answers the open button question wrongly (typed text or a sticker), checks it is asked again with its
   * buttons, taps `label` on that new message, and waits for `next`. Returns the re-asked message.
   */
  async function wrongThenTap(w: Chat, label: string, next: string | RegExp, wrong: "text" | "sticker" = "text"): Promise<Message> {
    if (wrong === "text") w.send("sai rồi");
    else h.fake.sendSticker(w.user);
    const reasked = await w.expect(vi("form.choose_button"));
    const button = reasked.reply_markup?.inline_keyboard.flat().find((b) => b.text === label);
    if (!button || !("callback_data" in button)) throw new Error(`the re-asked message has no button "${label}"`);
    const press = h.fake.pressButton(w.user, reasked, button.callback_data);
    const answer = await h.fake.waitForCallbackAnswer(press.callbackQueryId);
    expect(answer.payload.text, `tapping "${label}" on the re-asked message`).toBeUndefined();
    await w.expect(next);
    return reasked;
  }

  /** A tap on a button of a question already answered: told so, and nothing else happens. */
  async function tapAnswered(w: Chat, message: Message) {
    const data = message.reply_markup?.inline_keyboard.flat().flatMap((b) => ("callback_data" in b ? [b.callback_data] : []))[0];
    const press = h.fake.pressButton(w.user, message, data ?? "", { allowUnknownData: true });
    const answer = await h.fake.waitForCallbackAnswer(press.callbackQueryId);
    expect(answer.payload.text).toBe(vi("form.already_answered"));
  }

  it("a foreign worker who searches for the workplace, edits an answer from the summary and submits", async () => {
    const w = new Chat(h.fake, { id: 8001, first_name: "Kim", language_code: "vi" });
    w.send("/start LC-DK-CSLC");
    const languageQuestion = await w.expect(vi("join.language.ask"));
    await wrongThenTap(w, "Tiếng Việt", vi("join.consent.question"), "sticker");
    await tapAnswered(w, languageQuestion);
    await wrongThenTap(w, vi("join.consent.agree"), vi("join.fields.fullName.ask"));
    await w.answer("Kim Min Jun", vi("join.fields.birthDate.ask"));
    await w.answer("01/02/1990", vi("join.fields.sex.ask"));
    // The reported case: "con gái" is not an option; Nữ on the new message must work.
    w.send("con gái");
    const sexAgain = await w.expect(vi("form.choose_button"));
    const nu = sexAgain.reply_markup?.inline_keyboard.flat().find((b) => b.text === vi("join.fields.sex.FEMALE"));
    const press = h.fake.pressButton(w.user, sexAgain, nu && "callback_data" in nu ? nu.callback_data : "");
    expect((await h.fake.waitForCallbackAnswer(press.callbackQueryId)).payload.text).toBeUndefined();
    await w.expect(vi("join.fields.phone.ask"));
    await tapAnswered(w, sexAgain);
    await w.answer("0988 123 456", vi("join.fields.nationality.ask"));
    await wrongThenTap(w, vi("join.fields.nationality.FOREIGN"), vi("join.fields.longContract.ask"));
    await wrongThenTap(w, vi("join.fields.longContract.yes"), vi("join.fields.workplace.confirm", { name: `Công đoàn ${RUBBER}` }));
    await wrongThenTap(w, vi("join.fields.workplace.confirm_no"), vi("join.fields.workplace.ask"));
    await w.answer("cao su", vi("join.fields.workplace.pick"));
    await wrongThenTap(w, `Công đoàn ${RUBBER}`, vi("join.fields.jobPosition.ask"));
    await w.answer("Kỹ sư", vi("join.fields.ethnicity.consent").slice(0, 40));
    await wrongThenTap(w, vi("join.fields.ethnicity.agree"), vi("join.fields.ethnicity.ask"));
    await w.answer("Kinh", vi("join.summary.title"));

    // The summary is a button question too: edit an answer from the re-asked summary, then submit from another.
    const sexLabel = vi("join.summary.edit", { field: vi("join.fields.sex.label") });
    await wrongThenTap(w, sexLabel, vi("join.fields.sex.ask"));
    await wrongThenTap(w, vi("join.fields.sex.MALE"), vi("join.summary.title"));
    await wrongThenTap(w, vi("join.summary.submit"), /HS-\d{6}/);

    const application = await h.db.prisma.application.findFirstOrThrow({ where: { fullName: "Kim Min Jun" } });
    expect(application).toMatchObject({ sex: "MALE", nationality: "FOREIGN", longContract: true, ethnicity: "Kinh", phone: "+84988123456" });
  });

  it("a worker whose workplace is not listed, choosing the upper union and then cancelling from the summary", async () => {
    const w = new Chat(h.fake, { id: 8002, first_name: "Sùng", language_code: "vi" });
    w.send("/start");
    await w.expect(vi("join.language.ask"));
    await wrongThenTap(w, "Tiếng Việt", vi("join.consent.question"));
    await wrongThenTap(w, vi("join.consent.agree"), vi("join.fields.fullName.ask"), "sticker");
    await w.answer("Sùng A Chư", vi("join.fields.birthDate.ask"));
    await w.answer("15/06/2000", vi("join.fields.sex.ask"));
    await wrongThenTap(w, vi("join.fields.sex.MALE"), vi("join.fields.phone.ask"));
    await w.answer("0355 666 777", vi("join.fields.nationality.ask"));
    await wrongThenTap(w, vi("join.fields.nationality.VIETNAMESE"), vi("join.fields.workplace.ask"));
    await w.answer("xưởng gỗ", /./);
    await wrongThenTap(w, vi("join.fields.workplace.search_again"), vi("join.fields.workplace.ask"));
    await w.answer("xưởng gỗ", /./);
    await wrongThenTap(w, vi("join.fields.workplace.not_listed"), vi("join.fields.workplace.employer_ask"));
    await w.answer("Xưởng gỗ Tam Đường", vi("join.fields.workplace.address_ask"));
    await w.answer("Bản Hon, Tam Đường", vi("join.fields.workplace.upper_ask"));
    await w.answer("binh lu", vi("join.fields.workplace.upper_pick"));
    await wrongThenTap(w, "Công đoàn xã Bình Lư", vi("join.fields.jobPosition.ask"));
    await w.answer("Thợ mộc", vi("join.fields.ethnicity.consent").slice(0, 40));
    await wrongThenTap(w, vi("join.fields.ethnicity.skip"), vi("join.summary.title"));
    const summary = await wrongThenTap(w, vi("join.summary.cancel"), vi("join.cancelled"), "sticker");
    expect(summary.text).toContain("Xưởng gỗ Tam Đường");
    expect(summary.text).toContain("Công đoàn xã Bình Lư");
    expect(await h.db.prisma.application.count({ where: { fullName: "Sùng A Chư" } })).toBe(0);
  });
});
