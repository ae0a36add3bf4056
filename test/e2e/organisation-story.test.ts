// Issue 3's story, end to end in chat on an empty store: an admin imports a province's units from an
// XLSX file, invites an officer, who invites a chair; the chair gets the union's QR poster, a worker
// applies through it, the chair admits them and sees the new member in /members.
import { afterAll, beforeAll, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { LAI_CHAU_DEMO } from "../../src/organisation/demo/lai-chau.ts";
import { writeXlsx } from "../../src/shared/spreadsheet.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant } from "../support/fixtures.ts";
import { decodeQr } from "../support/pdf.ts";

const vi = tFor("vi");
const XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const INVITE = /https:\/\/t\.me\/\w+\?start=(inv_[A-Za-z0-9_-]+)/;
const CSLC = "Công đoàn Công ty Cổ phần Cao su Lai Châu";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ logLevel: "warn" });
});
afterAll(() => h?.close());

it("from an empty store to a member found in /members, all in chat", async () => {
  const adminUser = { id: 8001, first_name: "Quản trị" };
  await grant(h.db.prisma, adminUser, "ADMIN");
  const admin = new Chat(h.fake, adminUser);

  // 1. The province's units, from the spreadsheet an officer fills in Excel.
  const columns = ["code", "name", "type", "parentCode", "workerCount", "memberCount"].map((key) => ({ key, header: vi(`units.columns.${key}`) }));
  const file = await writeXlsx([{ name: "Đơn vị", columns, rows: LAI_CHAU_DEMO.map((u) => ({ ...u })) }]);
  await admin.answer("/import_units", vi("units.chat.askFile"));
  h.fake.sendDocument(adminUser, { file_name: "lai-chau.xlsx", mime_type: XLSX_MIME, content: file });
  const counts = { fileName: "lai-chau.xlsx", created: LAI_CHAU_DEMO.length, updated: 0, unchanged: 0 };
  await admin.expect(vi("units.chat.preview", counts));
  await admin.choose(vi("units.chat.confirm"), vi("units.import.done", counts));
  expect(await h.db.prisma.unit.count()).toBe(LAI_CHAU_DEMO.length);

  // 2. The admin invites an officer of the ward union Đoàn Kết.
  admin.send("/invite");
  await admin.expect(vi("invites.ask_role"));
  await admin.choose(vi("invites.roles.OFFICER"), vi("invites.ask_unit"));
  await admin.answer("doan ket", vi("invites.unit_pick"));
  await admin.choose("Công đoàn phường Đoàn Kết · LC-DK", vi("invites.ask_validity"));
  const officerLink = await admin.choose(vi("invites.validity.72"), INVITE);
  const officerUser = { id: 8002, first_name: "Cán bộ" };
  const officer = new Chat(h.fake, officerUser);
  await officer.answer(`/start ${INVITE.exec(officerLink.text ?? "")?.[1]}`, vi("invites.redeem.done.OFFICER", { unit: "Công đoàn phường Đoàn Kết" }));

  // 3. The officer invites the chair of a grassroots union in the ward.
  officer.send("/invite");
  await officer.expect(vi("invites.ask_role"));
  await officer.choose(vi("invites.roles.CHAIR"), vi("invites.ask_unit_grassroots"));
  await officer.answer("cao su", vi("invites.unit_pick"));
  await officer.choose(`${CSLC} · LC-DK-CSLC`, vi("invites.ask_validity"));
  const chairLink = await officer.choose(vi("invites.validity.24"), INVITE);
  const chairUser = { id: 8003, first_name: "Chủ tịch" };
  const chair = new Chat(h.fake, chairUser);
  await chair.answer(`/start ${INVITE.exec(chairLink.text ?? "")?.[1]}`, `Bạn đã là Chủ tịch CĐCS ${CSLC}`);

  // 4. The chair gets the poster; its QR code carries the join link.
  const before = h.fake.uploads.length;
  chair.send("/poster");
  await chair.expect(vi("posters.document_caption", { unit: CSLC }));
  const qr = h.fake.uploads.slice(before).find((u) => u.method === "sendPhoto" && u.chatId === String(chairUser.id));
  const joinLink = decodeQr(qr!.data!)?.text ?? "";
  const payload = new URL(joinLink).searchParams.get("start");
  expect(payload).toBe("LC-DK-CSLC");

  // 5. A worker scans it and applies.
  const worker = new Chat(h.fake, { id: 8004, first_name: "Lan", language_code: "vi" });
  worker.send(`/start ${payload}`);
  await worker.expect(vi("join.language.ask"));
  await worker.choose("Tiếng Việt", vi("join.consent.question"));
  await worker.choose(vi("join.consent.agree"), vi("join.fields.fullName.ask"));
  await worker.answer("Giàng Thị Mỷ", vi("join.fields.birthDate.ask"));
  await worker.answer("14/02/1999", vi("join.fields.sex.ask"));
  await worker.choose(vi("join.fields.sex.FEMALE"), vi("join.fields.phone.ask"));
  await worker.answer("0388 123 456", vi("join.fields.nationality.ask"));
  await worker.choose(vi("join.fields.nationality.VIETNAMESE"), CSLC);
  await worker.choose(vi("join.fields.workplace.confirm_yes"), vi("join.fields.jobPosition.ask"));
  await worker.answer("Công nhân", vi("join.fields.ethnicity.consent").slice(0, 30));
  await worker.choose(vi("join.fields.ethnicity.skip"), vi("join.summary.title"));
  await worker.choose(vi("join.summary.submit"), /HS-\d{6}/);

  // 6. The chair admits her and finds her in /members.
  await chair.expect("Giàng Thị Mỷ");
  chair.press(vi("decision.approve"));
  await worker.expect(vi("decision.approved_applicant"));
  const list = await chair.answer("/members", vi("members.list.title", { unit: CSLC }));
  expect(list.text).toMatch(/1\. Giàng Thị Mỷ – DV\d{7} – 0388 123 456/);
  const application = await h.db.prisma.application.findFirstOrThrow({ where: { fullName: "Giàng Thị Mỷ" } });
  expect(application.source).toBe("LC-DK-CSLC");
});
