// A phone number is not a person. Families and workers share one phone, and anyone can type anyone's number:
// an application with a phone already on a member or another application is filed like any other, the
// applicant never sees anyone else's record, and the chair is told to look twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { Chat } from "../support/chat.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const UNION = "Công ty Cổ phần Cao su Lai Châu";

/** A worker applies to the rubber company's union through its poster link; returns the reference. */
async function apply(h: Harness, id: number, name: string, phone: string) {
  const worker = new Chat(h.fake, { id, first_name: name, language_code: "vi" });
  worker.send("/start LC-DK-CSLC");
  await worker.expect(vi("join.language.ask"));
  await worker.choose("Tiếng Việt", vi("join.consent.question"));
  await worker.choose(vi("join.consent.agree"), vi("join.fields.fullName.ask"));
  await worker.answer(name, vi("join.fields.birthDate.ask"));
  await worker.answer("05/09/1995", vi("join.fields.sex.ask"));
  await worker.choose(vi("join.fields.sex.MALE"), vi("join.fields.phone.ask"));
  await worker.answer(phone, vi("join.fields.nationality.ask"));
  await worker.choose(vi("join.fields.nationality.VIETNAMESE"), UNION);
  await worker.choose(vi("join.fields.workplace.confirm_yes"), vi("join.fields.jobPosition.ask"));
  await worker.answer("Công nhân", vi("join.fields.ethnicity.consent").slice(0, 40));
  await worker.choose(vi("join.fields.ethnicity.skip"), vi("join.summary.title"));
  const submitted = await worker.choose(vi("join.summary.submit"), /HS-\d{6}|DV\d{7}/);
  return { worker, text: submitted.text ?? "", ref: /HS-\d{6}/.exec(submitted.text ?? "")?.[0] };
}

describe("two accounts with one phone number", () => {
  let h: Harness;
  const chair = () => new Chat(h.fake, { id: 700 });
  beforeAll(async () => {
    h = await startHarness();
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, { id: 700 }, "CHAIR", "LC-DK-CSLC");
  });
  afterAll(() => h?.close());

  it("files the second application, shows its applicant nothing of the member, and flags it to the chair", async () => {
    // Lan joins and is admitted.
    const lan = await apply(h, 7001, "Hoàng Thị Nhung", "0912 345 678");
    expect(lan.ref).toBeDefined();
    await chair().expect(lan.ref!);
    chair().press(vi("decision.approve"));
    await lan.worker.expect(vi("decision.approved_applicant"));
    const lanMember = await h.db.prisma.member.findFirstOrThrow({ where: { fullName: "Hoàng Thị Nhung" } });

    // Another account types Lan's phone: it gets an application of its own, not Lan's card.
    const pao = await apply(h, 7002, "Lò Văn Páo", "0912 345 678");
    expect(pao.text).toContain(vi("join.submitted", { ref: pao.ref }));
    expect(pao.ref).not.toBe(lan.ref);
    const seenByPao = h.fake.messagesTo(pao.worker.user).map((m) => m.text ?? m.caption ?? "").join("\n");
    expect(seenByPao).not.toContain("Hoàng Thị Nhung");
    expect(seenByPao).not.toMatch(/DV\d{7}/);
    expect(seenByPao).not.toContain(lan.ref!);
    // Its /status is its own pending application.
    const status = await pao.worker.answer("/status", pao.ref!);
    expect(status.text).not.toContain("Hoàng Thị Nhung");

    // The chair's card says the phone is also on member DV… of this union, without Lan's name.
    const card = await chair().expect(pao.ref!);
    expect(card.text).toContain(
      vi("decision.card.phone_also_on", {
        where: vi("decision.card.phone_member_here", { number: `DV${String(lanMember.number).padStart(7, "0")}` }),
      }),
    );
    expect(card.text).toContain("Lò Văn Páo");
    expect(card.text).not.toContain("Hoàng Thị Nhung");

    // A third account with the same phone while Páo waits: the chair sees both the member and the pending one.
    const third = await apply(h, 7003, "Lò Thị Mai", "0912345678");
    expect(third.text).toContain(vi("join.submitted", { ref: third.ref }));
    const thirdCard = await chair().expect(third.ref!);
    expect(thirdCard.text).toContain(vi("decision.card.phone_application_here", { ref: pao.ref }));

    // The chair may admit Mai (the newest card): two members, one phone, two people.
    chair().press(vi("decision.approve"));
    await third.worker.expect(vi("decision.approved_applicant"));
    expect(await h.db.prisma.member.count({ where: { phone: "+84912345678" } })).toBe(2);
    expect(await h.db.prisma.application.count({ where: { phone: "+84912345678" } })).toBe(3);
    const persons = await h.db.prisma.application.findMany({ where: { phone: "+84912345678" }, select: { personId: true } });
    expect(new Set(persons.map((p) => p.personId)).size).toBe(3);
  });

  it("an application whose phone is on nobody else's record has no warning", async () => {
    const solo = await apply(h, 7004, "Vàng A Sử", "0977 111 222");
    const card = await chair().expect(solo.ref!);
    expect(card.text).not.toContain(vi("decision.card.phone_also_on", { where: "" }).slice(0, 20));
  });
});
