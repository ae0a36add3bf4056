// Importing and exporting units in chat, end to end: an admin sends an XLSX file, sees the preview, confirms, and the
// units exist; the same file again changes nothing; an officer's row outside their subtree is reported by line and
// nothing is written; a chair is refused; /export_units sends a file that re-imports unchanged; /units_template.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { writeXlsx } from "../../src/shared/spreadsheet.ts";
import { readSheet } from "../../src/shared/spreadsheet.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const en = tFor("en");
const XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const COLUMNS = ["code", "name", "type", "parentCode", "workerCount", "memberCount", "baselineDate", "foundedOn", "closedAt"].map((key) => ({
  key,
  header: vi(`units.columns.${key}`),
}));

function unitsXlsx(rows: Record<string, string | number | Date | null>[]) {
  return writeXlsx([{ name: "Đơn vị", columns: COLUMNS, rows }]);
}

describe("units import and export in chat", () => {
  let h: Harness;
  const admin: TestUser = { id: 9301, first_name: "Quản trị" };
  const officer: TestUser = { id: 9302, first_name: "Cán bộ" };
  const chair: TestUser = { id: 9303, first_name: "Chủ tịch" };
  const officerEn: TestUser = { id: 9304, first_name: "Officer", language_code: "en" };

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, admin, "ADMIN");
    await grant(h.db.prisma, officer, "OFFICER", "LC-DK");
    await grant(h.db.prisma, officerEn, "OFFICER", "LC-DK");
    await grant(h.db.prisma, chair, "CHAIR", "LC-DK-CSLC");
  });
  afterAll(() => h?.close());

  const unitCount = () => h.db.prisma.unit.count();

  it("an admin uploads a file, sees the preview, confirms; the same file again changes nothing", async () => {
    const chat = new Chat(h.fake, admin);
    const file = await unitsXlsx([
      { code: "LC-NEW-XA", name: "Công đoàn xã Nậm Nhùn", type: "Công đoàn xã/phường", parentCode: "LC", workerCount: null, memberCount: null, baselineDate: null, foundedOn: new Date(Date.UTC(2025, 6, 1)), closedAt: null },
      { code: "LC-NEW-CS", name: "Công đoàn cơ sở Thủy điện Nậm Nhùn", type: "CĐCS", parentCode: "LC-NEW-XA", workerCount: 210, memberCount: 190, baselineDate: new Date(Date.UTC(2025, 6, 1)), foundedOn: null, closedAt: null },
      { code: "LC-DK-CSLC", name: "Công đoàn Công ty Cổ phần Cao su Lai Châu (đổi tên)", type: "CĐCS", parentCode: "LC-DK", workerCount: 1164, memberCount: 1027, baselineDate: null, foundedOn: null, closedAt: null },
    ]);
    await chat.answer("/import_units", vi("units.chat.askFile"));
    // A text is told what to send, and asked again.
    await chat.answer("xin chào", `${vi("units.chat.notDocument")}\n\n${vi("units.chat.askFile")}`);
    h.fake.sendDocument(admin, { file_name: "don-vi.xlsx", mime_type: XLSX_MIME, content: file });
    await chat.expect(vi("units.chat.preview", { fileName: "don-vi.xlsx", created: 2, updated: 1, unchanged: 0 }));
    expect(await h.db.prisma.unit.findUnique({ where: { code: "LC-NEW-CS" } })).toBeNull();

    await chat.choose(vi("units.chat.confirm"), vi("units.import.done", { fileName: "don-vi.xlsx", created: 2, updated: 1, unchanged: 0 }));
    const cs = await h.db.prisma.unit.findUniqueOrThrow({ where: { code: "LC-NEW-CS" }, include: { parent: true } });
    expect(cs).toMatchObject({ name: "Công đoàn cơ sở Thủy điện Nậm Nhùn", type: "GRASSROOTS", workerCount: 210, memberCount: 190 });
    expect(cs.parent?.code).toBe("LC-NEW-XA");
    expect((await h.db.prisma.unit.findUniqueOrThrow({ where: { code: "LC-DK-CSLC" } })).name).toBe("Công đoàn Công ty Cổ phần Cao su Lai Châu (đổi tên)");

    const total = await unitCount();
    await chat.answer("/import_units", vi("units.chat.askFile"));
    h.fake.sendDocument(admin, { file_name: "don-vi.xlsx", mime_type: XLSX_MIME, content: file });
    await chat.expect(vi("units.chat.nothingToDo", { fileName: "don-vi.xlsx", unchanged: 3 }));
    expect(await unitCount()).toBe(total);
    expect(h.logs.text).not.toContain(h.fake.token);
  });

  it("an officer's row outside their subtree is reported with its line, in their language, and nothing is written", async () => {
    const chat = new Chat(h.fake, officerEn, "en");
    const total = await unitCount();
    const file = await unitsXlsx([
      { code: "DK-CS-MOI", name: "Công đoàn cơ sở Mới", type: "CĐCS", parentCode: "LC-DK", workerCount: 50, memberCount: 10, baselineDate: null, foundedOn: null, closedAt: null },
      { code: "TP-CS-MOI", name: "Công đoàn cơ sở Tân Phong Mới", type: "CĐCS", parentCode: "LC-TP", workerCount: 50, memberCount: 10, baselineDate: null, foundedOn: null, closedAt: null },
    ]);
    await chat.answer("/import_units", en("units.chat.askFile"));
    h.fake.sendDocument(officerEn, { file_name: "units.xlsx", mime_type: XLSX_MIME, content: file });
    const reply = await chat.expect(en("units.chat.errorsHeader", { fileName: "units.xlsx", count: 1 }));
    expect(reply.text).toContain(en("units.import.line", { line: 3, message: en("units.import.errors.outsideScope", { code: "LC-TP" }) }));
    expect(await unitCount()).toBe(total);

    // a file that is not a spreadsheet: told why, asked again; /cancel leaves
    h.fake.sendDocument(officerEn, { file_name: "photo.pdf", mime_type: "application/pdf", content: Buffer.from("%PDF-1.4") });
    await chat.expect(en("spreadsheet.errors.unsupported"));
    await chat.answer("/cancel", en("forms.units-import.cancelled"));
    expect(await unitCount()).toBe(total);
  });

  it("refuses a chair", async () => {
    const chat = new Chat(h.fake, chair);
    await chat.answer("/import_units", vi("units.chat.refused"));
    await chat.answer("/export_units", vi("units.chat.refused"));
    expect(h.fake.uploads.filter((u) => u.chatId === String(chair.id))).toHaveLength(0);
    expect(await h.db.prisma.auditLog.count({ where: { action: "denied:unit.import" } })).toBeGreaterThan(0);
  });

  it("an officer's export lists their subtree and re-imports unchanged; the template is sent too", async () => {
    const chat = new Chat(h.fake, officer);
    const before = h.fake.uploads.length;
    chat.send("/export_units");
    await chat.expect(/\/import_units/);
    const upload = h.fake.uploads.slice(before).find((u) => u.method === "sendDocument" && u.chatId === String(officer.id));
    expect(upload?.filename).toMatch(/^don-vi-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const exported = upload!.data!;
    const sheet = await readSheet(exported, "x.xlsx", { code: [vi("units.columns.code")] });
    const codes = sheet.rows.map((r) => r.cells.code);
    expect(codes).toContain("LC-DK");
    expect(codes).toContain("LC-DK-CSLC");
    expect(codes).not.toContain("LC-TP");

    await chat.answer("/import_units", vi("units.chat.askFile"));
    h.fake.sendDocument(officer, { file_name: "export.xlsx", mime_type: XLSX_MIME, content: exported });
    await chat.expect(vi("units.chat.nothingToDo", { fileName: "export.xlsx", unchanged: codes.length }));

    const n = h.fake.uploads.length;
    await chat.answer("/units_template", vi("units.chat.templateCaption"));
    const template = h.fake.uploads.slice(n).find((u) => u.chatId === String(officer.id));
    expect(template?.filename).toBe("units-template.xlsx");
    expect((await readSheet(template!.data!, "t.xlsx", { code: [vi("units.columns.code")] })).missingColumns).toEqual([]);
  });
});
