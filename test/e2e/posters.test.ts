// Join posters on Telegram, end to end: /poster gives a chair their union's QR code (a photo that scans
// to the join link) and the A4 PDF; officers pick a union in their subtree and only there; people
// without a role and closed unions get nothing; and a worker who opens the poster's link applies with
// the poster recorded as the application's source.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { applicationsBySource } from "../../src/organisation/posters.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo } from "../support/fixtures.ts";
import { decodeQr, readPdf } from "../support/pdf.ts";

const vi = tFor("vi");
const en = tFor("en");

const CSLC = "Công đoàn Công ty Cổ phần Cao su Lai Châu";
const AGR = "Công đoàn Agribank Chi nhánh tỉnh Lai Châu";

describe("join posters", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, { id: 3001, first_name: "Chủ tịch" }, "CHAIR", "LC-DK-CSLC");
    await grant(h.db.prisma, { id: 3002, first_name: "Phó" }, "DEPUTY_CHAIR", "LC-DK-AGR");
    await grant(h.db.prisma, { id: 3003, first_name: "Officer", language_code: "en" }, "OFFICER", "LC-DK");
    await grant(h.db.prisma, { id: 3004, first_name: "Cán bộ tỉnh" }, "OFFICER", "LC");
    await grant(h.db.prisma, { id: 3005, first_name: "Chủ tịch cũ" }, "CHAIR", "LC-TP-NS");
    await h.db.prisma.unit.update({ where: { code: "LC-TP-NS" }, data: { closedAt: new Date() } });
  });
  afterAll(() => h?.close());

  const link = (code: string) => `https://t.me/${h.fake.botInfo.username}?start=${code}`;
  const uploadsTo = (user: TestUser, since = 0) => h.fake.uploads.slice(since).filter((u) => u.chatId === String(user.id));

  /** Waits for the QR photo and the PDF, and checks both: the QR scans to the link, the PDF is the union's poster. */
  async function expectPoster(chat: Chat, code: string, name: string, since: number, t = vi) {
    const photo = await chat.expect(t("posters.caption", { unit: name, link: link(code) }));
    expect(photo.photo?.length).toBeGreaterThan(0);
    await chat.expect(t("posters.document_caption", { unit: name }));
    const [png, pdf, ...more] = uploadsTo(chat.user, since);
    expect(more).toEqual([]);
    expect(png).toMatchObject({ method: "sendPhoto", mimeType: "image/png" });
    expect(png!.size).toBeGreaterThan(0);
    expect(decodeQr(png!.data!)?.text).toBe(link(code));
    expect(pdf).toMatchObject({ method: "sendDocument", mimeType: "application/pdf", filename: `poster-${code}.pdf` });
    expect(pdf!.size).toBeGreaterThan(0);
    const read = readPdf(pdf!.data!);
    expect(read.pages).toHaveLength(1);
    const text = read.text.join(" ").replace(/\s+/g, " ");
    expect(text).toContain(name);
    expect(text).toContain(link(code));
    expect(text).toContain(vi("posters.pdf.title"));
    return { png: png!.data!, pdf: pdf!.data! };
  }

  it("gives a chair their own union's QR code and A4 poster at once", async () => {
    const chair = new Chat(h.fake, { id: 3001, first_name: "Chủ tịch" });
    const since = h.fake.uploads.length;
    chair.send("/poster");
    await expectPoster(chair, "LC-DK-CSLC", CSLC, since);
  });

  it("gives a deputy chair their own union's poster too", async () => {
    const deputy = new Chat(h.fake, { id: 3002, first_name: "Phó" });
    const since = h.fake.uploads.length;
    deputy.send("/poster");
    await expectPoster(deputy, "LC-DK-AGR", AGR, since);
  });

  it("lets an officer pick a union of their subtree, in their language, and finds nothing outside it", async () => {
    const officer = new Chat(h.fake, { id: 3003, first_name: "Officer", language_code: "en" }, "en");
    await h.db.prisma.person.updateMany({ where: { identities: { some: { externalId: "3003" } } }, data: { language: "en", languageChosen: true } });
    const since = h.fake.uploads.length;
    officer.send("/poster");
    const list = await officer.expect(en("posters.pick"));
    const offered = list.reply_markup?.inline_keyboard.flat().map((b) => b.text) ?? [];
    expect(offered).toContain(AGR);
    expect(offered).toContain(CSLC);
    expect(offered).not.toContain("Công đoàn Công ty Điện lực Lai Châu"); // under another ward
    officer.press(AGR);
    await expectPoster(officer, "LC-DK-AGR", AGR, since, en);

    // A union of another ward, typed by its code, is not in this officer's scope.
    officer.send("/poster LC-TP-DL");
    await officer.expect(en("posters.none_found", { query: "LC-TP-DL" }));
    await officer.expect(en("posters.ask_query"));
    await officer.answer("dien luc", en("posters.none_found", { query: "dien luc" }));
    officer.send("/cancel");
    await officer.expect(en("forms.poster.cancelled"));
    expect(uploadsTo(officer.user, since)).toHaveLength(2);
    const me = await h.db.prisma.person.findFirstOrThrow({ where: { identities: { some: { externalId: "3003" } } } });
    const denied = await h.db.prisma.auditLog.count({ where: { action: "denied:poster.create", actorId: me.id } });
    expect(denied).toBe(0); // nothing outside the scope was even offered
  });

  it("lets a province officer search by name without diacritics, insisting on a usable search", async () => {
    const officer = new Chat(h.fake, { id: 3004, first_name: "Cán bộ tỉnh" });
    const since = h.fake.uploads.length;
    officer.send("/poster");
    await officer.expect(vi("posters.ask_query"));
    await officer.answer("x", vi("posters.query_too_short"));
    await officer.answer("khong co dau", vi("posters.none_found", { query: "khong co dau" }));
    await officer.expect(vi("posters.ask_query"));
    const found = await officer.answer("cao su", vi("posters.pick"));
    expect(found.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual([CSLC, vi("posters.search_again")]);
    officer.press(CSLC);
    await expectPoster(officer, "LC-DK-CSLC", CSLC, since);
  });

  it("refuses a person without a role, and a chair whose union has closed", async () => {
    const member = new Chat(h.fake, { id: 3006, first_name: "Lan" });
    await member.answer("/poster", vi("posters.forbidden"));
    const closed = new Chat(h.fake, { id: 3005, first_name: "Chủ tịch cũ" });
    await closed.answer("/poster", vi("posters.closed", { unit: "Công đoàn Công ty Cổ phần Nước sạch Lai Châu" }));
    // An officer typing a closed union's code is told why too.
    const officer = new Chat(h.fake, { id: 3004 });
    await officer.answer("/poster LC-TP-NS", vi("posters.closed", { unit: "Công đoàn Công ty Cổ phần Nước sạch Lai Châu" }));
    officer.send("/cancel");
    await officer.expect(vi("forms.poster.cancelled"));
    expect(uploadsTo(member.user)).toEqual([]);
    expect(uploadsTo(closed.user)).toEqual([]);
  });

  it("checks again when a union is picked: an officer whose role was revoked meanwhile gets nothing", async () => {
    const person = await grant(h.db.prisma, { id: 3007, first_name: "Cán bộ" }, "OFFICER", "LC-TP");
    const officer = new Chat(h.fake, { id: 3007, first_name: "Cán bộ" });
    officer.send("/poster");
    await officer.expect(vi("posters.pick"));
    await h.db.prisma.roleGrant.deleteMany({ where: { personId: person.id } });
    await officer.choose("Công đoàn Công ty Điện lực Lai Châu", vi("posters.not_allowed"));
    expect(uploadsTo(officer.user)).toEqual([]);
    expect(await h.db.prisma.auditLog.count({ where: { actorId: person.id, action: "denied:poster.create" } })).toBe(1);
  });

  it("records the poster as the source of an application made through its link", async () => {
    const chair = new Chat(h.fake, { id: 3001 });
    const since = h.fake.uploads.length;
    chair.send("/poster");
    const { png } = await expectPoster(chair, "LC-DK-CSLC", CSLC, since);
    const scanned = new URL(decodeQr(png)!.text);
    const payload = scanned.searchParams.get("start");
    expect(payload).toBe("LC-DK-CSLC");

    const worker = new Chat(h.fake, { id: 3010, first_name: "Mai", language_code: "vi" });
    worker.send(`/start ${payload}`);
    await worker.expect(vi("join.language.ask"));
    await worker.choose("Tiếng Việt", vi("join.consent.question"));
    await worker.choose(vi("join.consent.agree"), vi("join.fields.fullName.ask"));
    await worker.answer("Lò Thị Mai", vi("join.fields.birthDate.ask"));
    await worker.answer("12/03/1998", vi("join.fields.sex.ask"));
    await worker.choose(vi("join.fields.sex.FEMALE"), vi("join.fields.phone.ask"));
    await worker.answer("0912 000 310", vi("join.fields.nationality.ask"));
    await worker.choose(vi("join.fields.nationality.VIETNAMESE"), "Công ty Cổ phần Cao su Lai Châu");
    await worker.choose(vi("join.fields.workplace.confirm_yes"), vi("join.fields.jobPosition.ask"));
    await worker.answer("Công nhân", vi("join.fields.ethnicity.consent").slice(0, 40));
    await worker.choose(vi("join.fields.ethnicity.skip"), vi("join.summary.title"));
    await worker.choose(vi("join.summary.submit"), /HS-\d{6}/);

    const application = await h.db.prisma.application.findFirstOrThrow({ where: { fullName: "Lò Thị Mai" } });
    expect(application.source).toBe("LC-DK-CSLC");
    const unit = await findUnitByCode(h.db.prisma, "LC-DK-CSLC");
    expect(await applicationsBySource(h.db.prisma, unit!.id)).toEqual([{ source: "LC-DK-CSLC", kind: "poster", count: 1 }]);
  });
});
