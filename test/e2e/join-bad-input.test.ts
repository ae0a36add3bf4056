// Whatever a worker sends, the form answers with a specific message and asks again; nothing crashes,
// nothing is lost, and nothing half-written reaches the store.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { Chat } from "../support/chat.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");

/** Opens the form for a new worker and answers up to the full-name question. */
async function openForm(h: Harness, id: number, start = "/start") {
  const worker = new Chat(h.fake, { id, first_name: "Test", language_code: "vi" });
  worker.send(start);
  await worker.expect(vi("join.language.ask"));
  await worker.choose("Tiếng Việt", vi("join.consent.question"));
  await worker.choose(vi("join.consent.agree"), vi("join.fields.fullName.ask"));
  return worker;
}

async function fillToSummary(worker: Chat, phone = "0912 345 678") {
  await worker.answer("Trần Văn Bình", vi("join.fields.birthDate.ask"));
  await worker.answer("12/12/1988", vi("join.fields.sex.ask"));
  await worker.choose(vi("join.fields.sex.MALE"), vi("join.fields.phone.ask"));
  await worker.answer(phone, vi("join.fields.nationality.ask"));
  await worker.choose(vi("join.fields.nationality.VIETNAMESE"), vi("join.fields.workplace.ask"));
  await worker.answer("thuy dien nam na 2", vi("join.fields.workplace.pick"));
  await worker.choose("Công đoàn Công ty Cổ phần Thủy điện Nậm Na 2", vi("join.fields.jobPosition.ask"));
  await worker.answer("Vận hành", vi("join.fields.ethnicity.consent").slice(0, 30));
  await worker.choose(vi("join.fields.ethnicity.skip"), vi("join.summary.title"));
}

describe("the join form under bad input", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, { id: 600 }, "CHAIR", "LC-PT-NN2");
  });
  afterAll(() => h?.close());

  it("answers each wrong value with its own message and asks the same question again", async () => {
    const w = await openForm(h, 2001);
    const askName = vi("join.fields.fullName.ask");

    const longName = await w.answer("A".repeat(5000), vi("join.errors.name_too_long", { max: 80 }));
    expect(longName.text).toContain(askName);
    await w.answer("Lan 123", vi("join.errors.name_bad_chars"));
    await w.answer("🙂🙂🙂", vi("join.errors.name_bad_chars"));
    h.fake.sendSticker(w.user);
    await w.expect(vi("form.text_expected"));
    h.fake.sendPhoto(w.user, "ảnh của tôi");
    await w.expect(vi("form.text_expected"));
    await w.answer("/status", vi("forms.join.busy"));
    await w.answer("Phạm Thị Hoa", vi("join.fields.birthDate.ask"));

    await w.answer("31/02/1990", vi("join.errors.dob_not_real", { date: "31/02/1990" }));
    await w.answer("ngày mai", vi("join.errors.dob_format"));
    await w.answer("01/01/2020", vi("join.errors.dob_too_young", { min: 15 }));
    await w.answer("01/01/3000", vi("join.errors.dob_future"));
    await w.answer("29/02/2000", vi("join.fields.sex.ask"));

    // A typed answer to a button question works; nonsense is refused.
    await w.answer("xyz", vi("form.choose_button"));
    await w.answer("Nữ", vi("join.fields.phone.ask"));

    await w.answer("09l2 345 678", vi("join.errors.phone_letters"));
    await w.answer("0912 345", vi("join.errors.phone_length", { actual: 7, expected: 10 }));
    h.fake.sendContact(w.user, { phone_number: "+84911111111", user_id: 999_999 });
    await w.expect(vi("join.fields.phone.not_own_contact"));
    await w.answer("+84 912 000 111", vi("join.fields.nationality.ask"));
    await w.choose(vi("join.fields.nationality.VIETNAMESE"), vi("join.fields.workplace.ask"));

    await w.answer("x", vi("join.fields.workplace.query_too_short"));
    await w.answer("khong co cong ty nay", vi("join.fields.workplace.none", { query: "khong co cong ty nay" }));
    await w.choose(vi("join.fields.workplace.search_again"), vi("join.fields.workplace.ask"));
    await w.answer("CONG TY CO PHAN THUY DIEN", vi("join.fields.workplace.pick"));
    await w.choose("Công đoàn Công ty Cổ phần Thủy điện Nậm Na 3", vi("join.fields.jobPosition.ask"));
    await w.answer("1234", vi("join.errors.job_no_letters"));
    await w.answer("Kỹ sư điện", vi("join.fields.ethnicity.consent").slice(0, 30));
    await w.choose(vi("join.fields.ethnicity.agree"), vi("join.fields.ethnicity.ask"));
    await w.answer("Người sao Hỏa", vi("join.errors.ethnicity_not_found"));
    const summary = await w.answer("hmong", vi("join.summary.title"));
    expect(summary.text).toContain("Phạm Thị Hoa");
    expect(summary.text).toContain("29/02/2000");
    expect(summary.text).toContain("0912 000 111");
    expect(summary.text).toContain("Nậm Na 3");
    expect(summary.text).toMatch(/H.?Mông/);
  });

  it("answers a forged button as stale and an answered question's button as answered, and keeps the form where it was", async () => {
    const w = await openForm(h, 2002);
    await w.answer("Lò Văn Tủa", vi("join.fields.birthDate.ask"));
    await w.answer("03/03/1993", vi("join.fields.sex.ask"));
    const sexQuestion = h.fake.messagesTo(w.user).at(-1);
    if (!sexQuestion) throw new Error("no question");
    const forged = h.fake.pressButton(w.user, sexQuestion, "f3:HACKED", { allowUnknownData: true });
    const answer = await h.fake.waitForCallbackAnswer(forged.callbackQueryId);
    expect(answer.payload.text).toBe(vi("form.stale_button"));
    await w.choose(vi("join.fields.sex.MALE"), vi("join.fields.phone.ask"));
    // The answered question's buttons are gone; an old press arrives anyway (a slow phone).
    const femaleButton = sexQuestion.reply_markup?.inline_keyboard[0]?.[1];
    const staleData = femaleButton && "callback_data" in femaleButton ? femaleButton.callback_data : "";
    expect(staleData).not.toBe("");
    const stale = h.fake.pressButton(w.user, sexQuestion, staleData, { allowUnknownData: true });
    const staleAnswer = await h.fake.waitForCallbackAnswer(stale.callbackQueryId);
    expect(staleAnswer.payload.text).toBe(vi("form.already_answered"));
    await w.answer("0977 111 222", vi("join.fields.nationality.ask"));
  });

  it("processes two messages sent at once in order", async () => {
    const w = await openForm(h, 2003);
    w.send("Đinh Thị Mai");
    w.send("07/07/1997");
    await w.expect(vi("join.fields.sex.ask"));
    await w.choose(vi("join.fields.sex.FEMALE"), vi("join.fields.phone.ask"));
  });

  it("resumes the form where it was after the bot restarts", async () => {
    const w = await openForm(h, 2004);
    await w.answer("Hoàng Văn Nam", vi("join.fields.birthDate.ask"));
    await h.restart();
    await w.answer("10/10/1990", vi("join.fields.sex.ask"));
    await w.choose(vi("join.fields.sex.MALE"), vi("join.fields.phone.ask"));
    await w.answer("0933 444 555", vi("join.fields.nationality.ask"));
    await w.choose(vi("join.fields.nationality.VIETNAMESE"), vi("join.fields.workplace.ask"));
    await w.answer("nam na 2", vi("join.fields.workplace.pick"));
    await w.choose("Công đoàn Công ty Cổ phần Thủy điện Nậm Na 2", vi("join.fields.jobPosition.ask"));
    await w.answer("Bảo vệ", vi("join.fields.ethnicity.consent").slice(0, 30));
    const summary = await w.choose(vi("join.fields.ethnicity.skip"), vi("join.summary.title"));
    expect(summary.text).toContain("Hoàng Văn Nam");
    expect(summary.text).toContain("10/10/1990");
  });

  it("lets every answer be edited from the summary", async () => {
    const w = await openForm(h, 2005);
    await fillToSummary(w, "0944 555 666");
    const editName = vi("join.summary.edit", { field: vi("join.fields.fullName.label") });
    await w.choose(editName, vi("join.fields.fullName.ask"));
    const summary = await w.answer("Trần Văn Bính", vi("join.summary.title"));
    expect(summary.text).toContain("Trần Văn Bính");
    // Switching to a foreign nationality brings up the contract question, and "no" ends politely.
    const editNationality = vi("join.summary.edit", { field: vi("join.fields.nationality.label") });
    await w.choose(editNationality, vi("join.fields.nationality.ask"));
    await w.choose(vi("join.fields.nationality.FOREIGN"), vi("join.fields.longContract.ask"));
    await w.choose(vi("join.fields.longContract.no"), vi("join.fields.longContract.ineligible"));
    expect(await h.db.prisma.application.count({ where: { phone: "+84944555666" } })).toBe(0);
  });

  it("refusing consent ends politely and stores nothing personal", async () => {
    const w = new Chat(h.fake, { id: 2006, language_code: "vi" });
    w.send("/start");
    await w.expect(vi("join.language.ask"));
    await w.choose("Tiếng Việt", vi("join.consent.question"));
    await w.choose(vi("join.consent.refuse"), vi("join.consent.refused"));
    const person = await h.db.prisma.person.findFirstOrThrow({
      where: { identities: { some: { externalId: "2006" } } },
      include: { applications: true, consents: true },
    });
    expect(person.applications).toEqual([]);
    expect(person.consents).toEqual([]);
  });

  it("/cancel leaves the form and saves nothing; /start begins again", async () => {
    const w = await openForm(h, 2007);
    await w.answer("Vàng Thị Dung", vi("join.fields.birthDate.ask"));
    await w.answer("/cancel", vi("forms.join.cancelled"));
    expect(await h.db.prisma.application.count({ where: { fullName: "Vàng Thị Dung" } })).toBe(0);
    w.send("/start");
    await w.expect(vi("join.consent.question"));
    await w.choose(vi("join.consent.agree"), vi("join.fields.fullName.ask"));
  });

  it("one person, one application: the same user gets the status instead of a second form", async () => {
    const first = await openForm(h, 2008);
    await fillToSummary(first, "0966 777 888");
    const submitted = await first.choose(vi("join.summary.submit"), /HS-\d{6}/);
    const ref = /HS-\d{6}/.exec(submitted.text ?? "")?.[0] ?? "";
    await first.answer("/start", ref);
    expect(await h.db.prisma.application.count({ where: { phone: "+84966777888" } })).toBe(1);
  });

  it("keeps tokens and personal data out of the logs", () => {
    const logs = h.logs.text;
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [h.fake.token, "0966 777 888", "+84966777888", "Trần Văn Bình", "Phạm Thị Hoa", "29/02/2000"]) {
      expect(logs).not.toContain(secret);
    }
  });
});
