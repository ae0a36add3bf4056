// /mydata: a person sees every field the store holds about them, in their language, and gets it as JSON and as a
// spreadsheet; nothing of anyone else's appears; the view is audited. On Zalo the text arrives (files become a note).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { decideApplication } from "../../src/membership/applications.ts";
import { formatApplicationRef, formatMemberNumber } from "../../src/membership/numbers.ts";
import { formatVietnamDate } from "../../src/shared/time.ts";
import { FakeZalo } from "../fake-zalo/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");

describe("/mydata", () => {
  let h: Harness;
  let zalo: FakeZalo;
  let chairId: string;
  beforeAll(async () => {
    zalo = await FakeZalo.start();
    h = await startHarness({ logLevel: "warn", env: { ZALO_BOT_TOKEN: zalo.token, ZALO_API_ROOT: zalo.apiRoot } });
    await loadDemo(h.db.prisma);
    chairId = (await grant(h.db.prisma, { id: 9700 }, "CHAIR", "LC-DK-CSLC")).id;
  });
  afterAll(async () => {
    await h?.close();
    await zalo?.close();
  });

  it("shows a member every stored field, as text, JSON and a spreadsheet, and nobody else's", async () => {
    const user = { id: 9701, first_name: "Mai" };
    const filed = await fileApplication(h.db.prisma, user, "LC-DK-CSLC", { fullName: "Lò Thị Mai", phone: "+84987109701", birthDate: new Date(Date.UTC(1991, 6, 23)), jobPosition: "Công nhân cạo mủ" });
    const decided = await decideApplication(h.db.prisma, { applicationId: filed.applicationId, actorId: chairId, decision: { kind: "approve" } });
    if (!decided.ok) throw new Error("not approved");
    const other = await fileApplication(h.db.prisma, { id: 9702 }, "LC-DK-CSLC", { fullName: "Vàng Văn Khác", phone: "+84987109702" });
    void other;

    const chat = new Chat(h.fake, user);
    const since = h.fake.mark();
    chat.send("/mydata");
    const first = await chat.expect(vi("mydata.title"));
    const text = first.text ?? "";
    const application = await h.db.prisma.application.findUniqueOrThrow({ where: { id: filed.applicationId } });
    const consent = await h.db.prisma.consent.findFirstOrThrow({ where: { personId: filed.personId } });
    for (const expected of [
      `${vi("mydata.fields.fullName")}: Lò Thị Mai`,
      `${vi("mydata.fields.birthDate")}: 23/07/1991`,
      `${vi("mydata.fields.phone")}: ${application.phone}`,
      `${vi("mydata.fields.jobPosition")}: Công nhân cạo mủ`,
      `${vi("mydata.fields.ref")}: ${formatApplicationRef(application.ref)}`,
      `${vi("mydata.fields.number")}: ${formatMemberNumber(decided.memberNumber!)}`,
      `${vi("mydata.fields.union")}: Công đoàn Công ty Cổ phần Cao su Lai Châu`,
      `${vi("mydata.fields.textVersion")}: ${consent.textVersion}`,
      `${vi("mydata.fields.sex")}: ${vi("join.fields.sex.MALE")}`,
      `${vi("mydata.fields.accountId")}: 9701`,
    ]) {
      expect(text, expected).toContain(expected);
    }
    expect(text).toContain(formatVietnamDate(consent.givenAt));
    expect(text).not.toContain("Vàng Văn Khác");
    expect(text).not.toContain("987109702");

    await h.fake.waitForCall((c) => c.method === "sendDocument" && String(c.payload.chat_id) === "9701" && String(c.payload.caption ?? "").includes(vi("mydata.xlsx_caption")), 15_000, since);
    const files = h.fake.uploads.filter((u) => u.chatId === "9701" && u.method === "sendDocument");
    const json = files.find((f) => f.filename?.endsWith(".json"))!;
    const data = JSON.parse(json.data!.toString("utf8"));
    expect(data.applications[0]).toMatchObject({ fullName: "Lò Thị Mai", phone: application.phone, jobPosition: "Công nhân cạo mủ", ref: application.ref });
    expect(data.member).toMatchObject({ number: decided.memberNumber });
    expect(data.consents[0]).toMatchObject({ textVersion: consent.textVersion, text: consent.text });
    expect(JSON.stringify(data)).not.toContain("Khác");

    const xlsx = files.find((f) => f.filename?.endsWith(".xlsx"))!;
    // One sheet per section, each with its item, field and value columns.
    const cells = JSON.stringify(await allSheets(xlsx.data!));
    expect(cells).toContain(vi("mydata.column_value"));
    expect(cells).toContain("Lò Thị Mai");
    expect(cells).toContain(application.phone);

    expect(await h.db.prisma.auditLog.count({ where: { action: "privacy.view", actorId: filed.personId, targetId: filed.personId } })).toBe(1);
  });

  it("gives a person with nothing stored a short answer, and reaches Zalo users too", async () => {
    const chat = new Chat(h.fake, { id: 9703, first_name: "An" });
    chat.send("/mydata");
    const answer = await chat.expect(vi("mydata.title"));
    expect(answer.text).toContain(vi("mydata.none"));

    zalo.userSends("zalo-mydata-1", "/mydata", "Lan");
    const onZalo = await zalo.expect("zalo-mydata-1", vi("mydata.title"));
    expect(onZalo.text).toContain(`${vi("mydata.fields.channel")}: ZALO`);
    await zalo.expect("zalo-mydata-1", vi("zalo.file_unavailable"));
  });
});

/** Every cell of every sheet of a workbook, as text. */
async function allSheets(bytes: Buffer): Promise<string[][]> {
  const ExcelJS = (await import("exceljs")).default;
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  const out: string[][] = [];
  workbook.eachSheet((ws) => ws.eachRow((row) => out.push((row.values as unknown[]).map((v) => String(v ?? "")))));
  return out;
}
