// A worker joins the union on Telegram, end to end: poster link, language, consent, the form, the
// summary, submission, the chair's decision, and the member number.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUBLIC_COMMANDS } from "../../src/bot/commands.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { Chat } from "../support/chat.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const en = tFor("en");

describe("joining the union", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, { id: 500 }, "CHAIR", "LC-DK-CSLC");
  });
  afterAll(() => h?.close());

  it("takes a worker from a poster's link to an approved membership, in Vietnamese", async () => {
    const worker = new Chat(h.fake, { id: 1001, first_name: "Lan", language_code: "vi" });
    const chair = new Chat(h.fake, { id: 500, first_name: "Chủ tịch" });

    worker.send("/start LC-DK-CSLC");
    await worker.expect(vi("join.language.ask"));
    await worker.choose("Tiếng Việt", vi("join.consent.question"));
    await worker.choose(vi("join.consent.agree"), vi("join.fields.fullName.ask"));
    await worker.answer("nguyễn thị lan", vi("join.fields.birthDate.ask"));
    await worker.answer("05/09/1995", vi("join.fields.sex.ask"));
    await worker.choose(vi("join.fields.sex.FEMALE"), vi("join.fields.phone.ask"));
    await worker.answer("0912 345 678", vi("join.fields.nationality.ask"));
    await worker.choose(vi("join.fields.nationality.VIETNAMESE"), "Công ty Cổ phần Cao su Lai Châu");
    await worker.choose(vi("join.fields.workplace.confirm_yes"), vi("join.fields.jobPosition.ask"));
    await worker.answer("Công nhân khai thác mủ", vi("join.fields.ethnicity.consent").slice(0, 40));
    await worker.choose(vi("join.fields.ethnicity.agree"), vi("join.fields.ethnicity.ask"));
    const summary = await worker.answer("thai", vi("join.summary.title"));
    expect(summary.text).toContain("Nguyễn Thị Lan");
    expect(summary.text).toContain("05/09/1995");
    expect(summary.text).toContain("0912 345 678");
    expect(summary.text).toContain("Thái");
    const submitted = await worker.choose(vi("join.summary.submit"), /HS-\d{6}/);
    const ref = /HS-\d{6}/.exec(submitted.text ?? "")?.[0];

    // The chair gets the application with the buttons, and approves it.
    const card = await chair.expect(vi("decision.new_application"));
    expect(card.text).toContain(ref);
    expect(card.text).toContain("Nguyễn Thị Lan");
    chair.press(vi("decision.approve"));
    const welcome = await worker.expect(vi("decision.approved_applicant"));
    expect(welcome.text).toMatch(/DV\d{7}/);
    expect(welcome.text).toContain("Công ty Cổ phần Cao su Lai Châu");

    const member = await h.db.prisma.member.findFirstOrThrow({ include: { application: true } });
    expect(member.fullName).toBe("Nguyễn Thị Lan");
    expect(member.phone).toBe("+84912345678");
    expect(member.application?.status).toBe("APPROVED");
    expect(member.application?.source).toBe("LC-DK-CSLC");
    const consents = await h.db.prisma.consent.findMany({ orderBy: { purpose: "asc" } });
    expect(consents.map((c) => [c.purpose, c.textVersion.split("/")[0]])).toEqual([
      ["MEMBERSHIP_APPLICATION", "membership-application"],
      ["SENSITIVE_ETHNICITY", "sensitive-ethnicity"],
    ]);
    expect(consents[0]?.text).toBe(vi("join.consent.text"));
    const audit = await h.db.prisma.auditLog.findFirstOrThrow({ where: { action: "application.approve" } });
    expect(audit.targetId).toBe(member.applicationId);

    // /status now shows the member card.
    await worker.answer("/status", /DV\d{7}/);
  });

  it("works in English, with a workplace found by search without diacritics, and a rejection with a reason", async () => {
    const worker = new Chat(h.fake, { id: 1002, first_name: "John", language_code: "en" }, "en");
    const chair = new Chat(h.fake, { id: 500 });

    worker.send("/start");
    await worker.expect(en("join.language.ask"));
    await worker.choose("English", en("join.consent.question"));
    await worker.choose(en("join.consent.agree"), en("join.fields.fullName.ask"));
    await worker.answer("John Smith", en("join.fields.birthDate.ask"));
    await worker.answer("1/2/1990", en("join.fields.sex.ask"));
    await worker.choose(en("join.fields.sex.MALE"), en("join.fields.phone.ask"));
    h.fake.sendContact(worker.user, { phone_number: "84987654321", user_id: worker.user.id });
    await worker.expect(en("join.fields.nationality.ask"));
    await worker.choose(en("join.fields.nationality.FOREIGN"), en("join.fields.longContract.ask"));
    await worker.choose(en("join.fields.longContract.yes"), en("join.fields.workplace.ask"));
    await worker.answer("cao su", en("join.fields.workplace.pick"));
    await worker.choose("Công đoàn Công ty Cổ phần Cao su Lai Châu", en("join.fields.jobPosition.ask"));
    await worker.answer("Engineer", en("join.fields.ethnicity.consent").slice(0, 40));
    await worker.choose(en("join.fields.ethnicity.skip"), en("join.summary.title"));
    await worker.choose(en("join.summary.submit"), /HS-\d{6}/);

    const card = await chair.expect("John Smith");
    expect(card.text).toContain("0987 654 321");
    chair.press(vi("decision.reject"));
    await chair.expect(vi("decision.reason_ask"));
    await chair.answer("Xin bổ sung hợp đồng lao động", vi("decision.rejected_done", { reason: "Xin bổ sung hợp đồng lao động" }));
    const told = await worker.expect(en("decision.rejected_applicant", { reason: "Xin bổ sung hợp đồng lao động" }));
    expect(told.text).toContain("Xin bổ sung hợp đồng lao động");

    const application = await h.db.prisma.application.findFirstOrThrow({ where: { fullName: "John Smith" } });
    expect(application.status).toBe("REJECTED");
    expect(application.ethnicity).toBeNull();
    expect(application.ethnicityConsentId).toBeNull();
    expect(application.longContract).toBe(true);
  });
});

describe("the command menu", () => {
  it("is published in Vietnamese by default and in English for English speakers", async () => {
    const h = await startHarness();
    try {
      const vi = h.fake.commandsFor(undefined, undefined).map((c) => c.command);
      expect(vi).toEqual([...PUBLIC_COMMANDS]);
      expect(vi).toEqual(expect.arrayContaining(["start", "status", "language", "stop", "cancel", "help", "mydata", "correct", "withdraw", "delete_my_data", "link"]));
      expect(h.fake.commandsFor(undefined, undefined)[0]?.description).toBe(tFor("vi")("commands.start"));
      expect(h.fake.commandsFor(undefined, "en")[0]?.description).toBe(tFor("en")("commands.start"));
    } finally {
      await h.close();
    }
  });
});
