// /mydata: a person sees every field the store holds about them, in their language, and gets it as JSON and as a
// spreadsheet; nothing of anyone else's appears (the chair who decided is "the union"); every view is audited.
// On Zalo the text arrives and each file becomes a note. A long history is split into messages Telegram accepts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zaloChatId } from "../../src/channels/address.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { decideApplication } from "../../src/membership/applications.ts";
import { formatApplicationRef, formatMemberNumber } from "../../src/membership/numbers.ts";
import type ExcelJS from "exceljs";
import { loadExcel } from "../../src/shared/spreadsheet.ts";
import { formatCalendarDate, formatVietnamDate } from "../../src/shared/time.ts";
import { FakeZalo } from "../fake-zalo/server.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const en = tFor("en");
const UNION = "Công đoàn Công ty Cổ phần Cao su Lai Châu";

describe("/mydata", () => {
  let h: Harness;
  let zalo: FakeZalo;
  let chairId: string;
  beforeAll(async () => {
    zalo = await FakeZalo.start();
    h = await startHarness({ logLevel: "warn", env: { ZALO_BOT_TOKEN: zalo.token, ZALO_API_ROOT: zalo.apiRoot } });
    await loadDemo(h.db.prisma);
    chairId = (await grant(h.db.prisma, { id: 9700, first_name: "Chủ tịch" }, "CHAIR", "LC-DK-CSLC")).id;
  });
  afterAll(async () => {
    await h?.close();
    await zalo?.close();
  });

  /** Sends /mydata and returns the texts of the bot's answer and the files it sent (once both files are there). */
  async function askMyData(user: TestUser) {
    const before = h.fake.messagesTo(user).length;
    const since = h.fake.mark();
    h.fake.sendText(user, "/mydata");
    const isFile = (ext: string) => (c: { method: string; payload: Record<string, unknown> }) =>
      c.method === "sendDocument" && String(c.payload.chat_id) === String(user.id) && JSON.stringify(c.payload).includes(ext);
    await h.fake.waitForCall(isFile(".xlsx"), 15_000, since);
    const texts = h.fake
      .messagesTo(user)
      .slice(before)
      .filter((m) => m.text !== undefined)
      .map((m) => m.text!);
    const files = h.fake.uploads.filter((u) => u.chatId === String(user.id) && u.method === "sendDocument");
    const json = files.findLast((f) => f.filename?.endsWith(".json"))!;
    const xlsx = files.findLast((f) => f.filename?.endsWith(".xlsx"))!;
    return { texts, text: texts.join("\n"), json: JSON.parse(json.data!.toString("utf8")), xlsx: xlsx.data!, xlsxName: xlsx.filename! };
  }

  it("shows an approved member every stored field, as text, JSON and a spreadsheet, and nobody else's", async () => {
    const user = { id: 9701, first_name: "Mai" };
    const filed = await fileApplication(h.db.prisma, user, "LC-DK-CSLC", {
      fullName: "Lò Thị Mai",
      sex: "FEMALE",
      phone: "+84987109701",
      birthDate: new Date(Date.UTC(1991, 6, 23)),
      jobPosition: "Công nhân cạo mủ",
      source: "LC-DK-CSLC",
    });
    const decided = await decideApplication(h.db.prisma, { applicationId: filed.applicationId, actorId: chairId, decision: { kind: "approve" } });
    if (!decided.ok) throw new Error("not approved");
    // Someone else of the same union, pending: nothing of theirs may show.
    await fileApplication(h.db.prisma, { id: 9702 }, "LC-DK-CSLC", { fullName: "Vàng Văn Khác", phone: "+84987109702", jobPosition: "Thợ hàn điện" });

    const { texts, text, json, xlsx } = await askMyData(user);

    const app = await h.db.prisma.application.findUniqueOrThrow({ where: { id: filed.applicationId } });
    const member = await h.db.prisma.member.findUniqueOrThrow({ where: { applicationId: app.id } });
    const consent = await h.db.prisma.consent.findFirstOrThrow({ where: { personId: filed.personId } });
    const person = await h.db.prisma.person.findUniqueOrThrow({ where: { id: filed.personId } });
    const line = (field: string, value: string) => `${vi(`mydata.fields.${field}`)}: ${value}`;

    // The text, field by field against the rows.
    expect(texts[0]).toContain(vi("mydata.title"));
    for (const expected of [
      line("channel", "Telegram"),
      line("accountId", "9701"),
      line("ref", formatApplicationRef(app.ref)),
      line("status", vi("mydata.values.status.APPROVED")),
      line("union", UNION),
      line("fullName", app.fullName),
      line("birthDate", formatCalendarDate(app.birthDate)),
      line("birthDate", "23/07/1991"),
      line("sex", vi("mydata.values.sex.FEMALE")),
      line("phone", app.phone),
      line("nationality", vi("mydata.values.nationality.VIETNAMESE")),
      line("jobPosition", app.jobPosition),
      line("source", app.source!),
      line("createdAt", formatVietnamDate(app.createdAt)),
      line("decidedBy", vi("mydata.values.actor.UNION")),
      line("decidedAt", formatVietnamDate(app.decidedAt!)),
      line("number", formatMemberNumber(member.number)),
      line("joinedAt", formatVietnamDate(member.joinedAt)),
      line("purpose", vi("mydata.values.purpose.MEMBERSHIP_APPLICATION")),
      line("textVersion", consent.textVersion),
      line("givenAt", formatVietnamDate(consent.givenAt)),
      line("text", consent.text.split("\n")[0]!),
      line("language", vi("mydata.values.language.vi")),
      line("announcementsOn", vi("mydata.yes")),
    ]) {
      expect(text, expected).toContain(expected);
    }
    expect(text).toContain(consent.text);
    expect(text).toContain(vi("mydata.rights"));
    expect(formatMemberNumber(member.number)).toBe(formatMemberNumber(decided.memberNumber!));

    // The JSON: every value as stored.
    expect(json.applications).toHaveLength(1);
    expect(json.applications[0]).toMatchObject({
      ref: app.ref,
      status: "APPROVED",
      channel: "TELEGRAM",
      union: UNION,
      decidingUnion: UNION,
      fullName: app.fullName,
      birthDate: "1991-07-23",
      sex: "FEMALE",
      phone: app.phone,
      nationality: "VIETNAMESE",
      jobPosition: app.jobPosition,
      ethnicity: null,
      source: app.source,
      createdAt: app.createdAt.toISOString(),
      decidedBy: "UNION",
      decidedAt: app.decidedAt!.toISOString(),
      rejectReason: null,
    });
    expect(json.member).toMatchObject({ number: member.number, union: UNION, fullName: member.fullName, phone: member.phone, joinedAt: member.joinedAt.toISOString(), leftOn: null });
    expect(json.consents).toEqual([
      { purpose: "MEMBERSHIP_APPLICATION", textVersion: consent.textVersion, language: "vi", givenAt: consent.givenAt.toISOString(), withdrawnAt: null, text: consent.text },
    ]);
    expect(json.identities).toEqual([{ channel: "TELEGRAM", accountId: "9701", since: expect.any(String) }]);
    expect(json.person).toMatchObject({ language: person.language, announcementsOn: person.announcementsOn, remindersOn: person.remindersOn });

    // The spreadsheet opens; its first sheet lists every field with its value.
    const book = await openWorkbook(xlsx);
    const overview = sheetRows(book.worksheets[0]!);
    expect(Object.keys(overview[0]!)).toEqual([vi("mydata.sheet.section"), vi("mydata.sheet.item"), vi("mydata.sheet.field"), vi("mydata.sheet.value")]);
    const cell = (section: string, field: string) =>
      overview.find((r) => r[vi("mydata.sheet.section")] === vi(`mydata.sections.${section}`) && r[vi("mydata.sheet.field")] === vi(`mydata.fields.${field}`))?.[vi("mydata.sheet.value")];
    expect(cell("applications", "fullName")).toBe(app.fullName);
    expect(cell("applications", "birthDate")).toBe("23/07/1991");
    expect(cell("applications", "phone")).toBe(app.phone);
    expect(cell("applications", "jobPosition")).toBe(app.jobPosition);
    expect(cell("applications", "union")).toBe(UNION);
    expect(cell("member", "number")).toBe(formatMemberNumber(member.number));
    expect(cell("consents", "textVersion")).toBe(consent.textVersion);
    expect(cell("consents", "givenAt")).toBe(formatVietnamDate(consent.givenAt));
    // …followed by one sheet per section, headed in the person's language.
    expect(book.worksheets.map((w) => w.name)).toEqual([
      vi("mydata.sheet.overview"),
      ...(["person", "identities", "applications", "member", "consents", "roles", "requests", "changes"] as const).map((s) => vi(`mydata.sections.${s}`)),
    ]);
    const [applicationRow] = sheetRows(book.getWorksheet(vi("mydata.sections.applications"))!);
    expect(applicationRow).toMatchObject({
      [vi("mydata.fields.fullName")]: app.fullName,
      [vi("mydata.fields.birthDate")]: "23/07/1991",
      [vi("mydata.fields.phone")]: app.phone,
      [vi("mydata.fields.jobPosition")]: app.jobPosition,
      [vi("mydata.fields.union")]: UNION,
    });
    expect(sheetRows(book.getWorksheet(vi("mydata.sections.member"))!)[0]).toMatchObject({ [vi("mydata.fields.number")]: formatMemberNumber(member.number) });

    // Nobody else's data anywhere: not the other applicant, not the chair who decided.
    const everything = [text, JSON.stringify(json), JSON.stringify(book.worksheets.map(sheetRows))].join("\n");
    for (const foreign of ["Vàng Văn Khác", "987109702", "Thợ hàn điện", "9700", chairId]) expect(everything).not.toContain(foreign);

    const views = await h.db.prisma.auditLog.findMany({ where: { action: "privacy.view", targetId: filed.personId } });
    expect(views).toMatchObject([{ actorId: filed.personId, targetType: "Person", targetId: filed.personId }]);
  });

  it("splits a long history into messages Telegram accepts and answers in English with English headers", async () => {
    const user = { id: 9704, first_name: "John", language_code: "en" };
    for (let i = 0; i < 4; i++) {
      const filed = await fileApplication(h.db.prisma, user, "LC-DK-CSLC", { fullName: "Lường Văn Nam", phone: "+84987109704" });
      const rejected = await decideApplication(h.db.prisma, { applicationId: filed.applicationId, actorId: chairId, decision: { kind: "reject", reason: `Thiếu giấy tờ lần ${i + 1}` } });
      if (!rejected.ok) throw new Error("not rejected");
    }

    // A correction asked for and one made: the request and the history are theirs to see too.
    const last = await h.db.prisma.application.findFirstOrThrow({ where: { phone: "+84987109704" }, orderBy: { ref: "desc" } });
    const dueAt = new Date(Date.UTC(2030, 0, 15, 3));
    await h.db.prisma.dataRequest.create({ data: { kind: "CORRECTION", personId: last.personId, field: "birthDate", value: "1990-02-03", dueAt } });
    await h.db.prisma.fieldChange.create({
      data: { personId: last.personId, entity: "Application", entityId: last.id, field: "jobPosition", before: "Công nhân", after: "Tổ trưởng", changedById: chairId },
    });

    const { texts, text, xlsx, xlsxName } = await askMyData(user);
    for (const expected of [
      `${en("mydata.fields.kind")}: ${en("mydata.values.kind.CORRECTION")}`,
      `${en("mydata.fields.field")}: ${en("mydata.fields.birthDate")}`,
      `${en("mydata.fields.value")}: 03/02/1990`,
      `${en("mydata.fields.dueAt")}: 15/01/2030`,
      `${en("mydata.fields.entity")}: ${en("mydata.values.entity.Application")}`,
      `${en("mydata.fields.before")}: Công nhân`,
      `${en("mydata.fields.after")}: Tổ trưởng`,
      `${en("mydata.fields.changedBy")}: ${en("mydata.values.actor.UNION")}`,
    ]) {
      expect(text, expected).toContain(expected);
    }
    expect(texts.length).toBeGreaterThan(1);
    for (const part of texts) expect(part.length).toBeLessThanOrEqual(4096);
    expect(texts[0]).toContain(en("mydata.title"));
    const refs = await h.db.prisma.application.findMany({ where: { phone: "+84987109704" }, orderBy: { ref: "asc" } });
    for (const app of refs) expect(text).toContain(`${en("mydata.fields.ref")}: ${formatApplicationRef(app.ref)}`);
    for (let i = 1; i <= 4; i++) expect(text).toContain(`${en("mydata.fields.rejectReason")}: Thiếu giấy tờ lần ${i}`);
    expect(text).toContain(`${en("mydata.fields.status")}: ${en("mydata.values.status.REJECTED")}`);
    expect(xlsxName).toMatch(/^my-data-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const book = await openWorkbook(xlsx);
    expect(book.worksheets.map((w) => w.name)).toContain(en("mydata.sections.applications"));
    const overview = sheetRows(book.worksheets[0]!);
    expect(overview.filter((r) => r[en("mydata.sheet.field")] === en("mydata.fields.rejectReason")).map((r) => r[en("mydata.sheet.value")])).toEqual(
      [1, 2, 3, 4].map((i) => `Thiếu giấy tờ lần ${i}`),
    );
    expect(sheetRows(book.getWorksheet(en("mydata.sections.applications"))!).map((r) => r[en("mydata.fields.status")])).toEqual(Array(4).fill(en("mydata.values.status.REJECTED")));
  });

  it("tells a person with nothing stored that only their chat account and language are kept", async () => {
    const user = { id: 9703, first_name: "An" };
    h.fake.sendText(user, "/mydata");
    const answer = await h.fake.nextMessageTo(user, { timeoutMs: 8_000 });
    expect(answer.text).toBe(vi("mydata.only_identity", { identities: "Telegram (9703)", language: vi("mydata.values.language.vi") }));
    // A short answer only: no files with nothing in them.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.fake.callsTo("sendDocument").filter((c) => String(c.payload.chat_id) === "9703")).toEqual([]);
    const { personId } = await h.db.prisma.chatIdentity.findFirstOrThrow({ where: { channel: "TELEGRAM", externalId: "9703" } });
    expect(await h.db.prisma.auditLog.count({ where: { action: "privacy.view", actorId: personId, targetId: personId } })).toBe(1);
  });

  it("reaches Zalo users: the text summary arrives and each file becomes a note", async () => {
    const zaloId = "zalo-mydata-1";
    await fileApplication(h.db.prisma, { channel: "ZALO", externalId: zaloId, chatId: zaloChatId(zaloId) }, "LC-DK-CSLC", {
      fullName: "Giàng Thị Lan",
      phone: "+84987109705",
      jobPosition: "Công nhân chế biến",
    });
    zalo.userSends(zaloId, "/mydata", "Lan");
    await zalo.expect(zaloId, vi("mydata.title"));
    await zalo.expect(zaloId, vi("mydata.xlsx_caption"));
    const text = zalo
      .sentTo(zaloId)
      .map((m) => m.text ?? "")
      .join("\n");
    for (const expected of [
      `${vi("mydata.fields.channel")}: Zalo`,
      `${vi("mydata.fields.accountId")}: ${zaloId}`,
      `${vi("mydata.fields.fullName")}: Giàng Thị Lan`,
      `${vi("mydata.fields.phone")}: +84987109705`,
      `${vi("mydata.fields.jobPosition")}: Công nhân chế biến`,
      `${vi("mydata.fields.status")}: ${vi("mydata.values.status.PENDING")}`,
    ]) {
      expect(text, expected).toContain(expected);
    }
    expect(text).toContain(vi("zalo.file_unavailable"));
    expect(text).not.toContain("Lò Thị Mai");
  });
});

// Opened with exceljs's whole-file reader: readSheet's streaming reader loses xl/workbook.xml in exceljs-written
// workbooks of seven sheets or more (exceljs puts the sheets before sharedStrings.xml and workbook.xml).
async function openWorkbook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const { Workbook } = await loadExcel();
  const book = new Workbook();
  await book.xlsx.load(bytes as unknown as ArrayBuffer);
  return book;
}

/** A sheet's rows below its header, as header → cell text (dates dd/mm/yyyy as Excel shows them), read back as readSheet does. */
function sheetRows(sheet: ExcelJS.Worksheet): Record<string, string>[] {
  const headers: string[] = [];
  sheet.getRow(1).eachCell((cell, col) => (headers[col] = String(cell.value)));
  const rows: Record<string, string>[] = [];
  sheet.eachRow((row, n) => {
    if (n === 1) return;
    const out: Record<string, string> = {};
    row.eachCell((cell, col) => {
      const v = cell.value;
      // Text a spreadsheet would run as a formula (a phone's "+") is written with a leading ' as every export does.
      out[headers[col]!] = v instanceof Date ? formatCalendarDate(v) : String(v).replace(/^'(?=[=+\-@\t\r])/, "");
    });
    rows.push(out);
  });
  return rows;
}
