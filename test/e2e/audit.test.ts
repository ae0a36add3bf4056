// The audit log in chat, end to end: an admin reads it newest first with /audit, narrows it by unit,
// person or action, pages with ◀ ▶ (buttons checked again on every press, forged ones harmless) and
// downloads it with /audit_export; everyone else is refused, and the refusal is itself audited.
import ExcelJS from "exceljs";
import type { Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../../src/bot/audit/feature.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { decideApplication } from "../../src/membership/applications.ts";
import { formatApplicationRef } from "../../src/membership/numbers.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { vietnamDay } from "../../src/shared/time.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const approveLabel = vi("audit.actions.application.approve");
const grantLabel = vi("audit.actions.role.grant");

describe("/audit and /audit_export", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
  });
  afterAll(() => h?.close());
  const prisma = () => h.db.prisma;

  /** A pending application filed through the domain, then approved by `chair`. */
  async function approvedApplication(applicant: TestUser, unitCode: string, chairPersonId: string) {
    const submitted = await fileApplication(prisma(), applicant, unitCode);
    const decided = await decideApplication(prisma(), { applicationId: submitted.applicationId, actorId: chairPersonId, decision: { kind: "approve" } });
    if (!decided.ok) throw new Error(JSON.stringify(decided));
    return formatApplicationRef(submitted.ref);
  }

  const linesOf = (m: Message | undefined) => (m?.text ?? "").split("\n");
  const buttonsOf = (m: Message | undefined) => (m?.reply_markup?.inline_keyboard ?? []).flat();
  const current = (user: TestUser, m: Message) => h.fake.messagesTo(user).find((x) => x.message_id === m.message_id);
  const personOf = async (user: TestUser) =>
    (await prisma().chatIdentity.findUniqueOrThrow({ where: { channel_externalId: { channel: "TELEGRAM", externalId: String(user.id) } } })).personId;

  it("an admin sees the latest entries newest first, and can narrow them by unit", async () => {
    const adminUser = { id: 700 };
    const chairUser = { id: 701 };
    const otherChairUser = { id: 702 };
    await grant(prisma(), adminUser, "ADMIN");
    const chair = await grant(prisma(), chairUser, "CHAIR", "LC-DK-CSLC");
    const otherChair = await grant(prisma(), otherChairUser, "CHAIR", "LC-DK-AGR");
    const ref = await approvedApplication({ id: 1700 }, "LC-DK-CSLC", chair.id);
    const otherRef = await approvedApplication({ id: 1701 }, "LC-DK-AGR", otherChair.id);

    const admin = new Chat(h.fake, adminUser);
    const list = await admin.answer("/audit", vi("audit.title"));
    const lines = linesOf(list);
    const approveCslc = lines.findIndex((l) => l.includes(`tg 701 · ${approveLabel} · LC-DK-CSLC · ${ref}`));
    const approveAgr = lines.findIndex((l) => l.includes(`tg 702 · ${approveLabel} · LC-DK-AGR · ${otherRef}`));
    const grantCslc = lines.findIndex((l) => l.includes(`CLI · ${grantLabel} · LC-DK-CSLC · tg 701`));
    expect(approveCslc).toBeGreaterThan(0);
    // Newest first: the later approval above the earlier one, both above the grant that preceded them.
    expect(approveAgr).toBeGreaterThan(0);
    expect(approveAgr).toBeLessThan(approveCslc);
    expect(grantCslc).toBeGreaterThan(approveCslc);
    expect(lines[approveCslc]).toMatch(/^\d{2}\/\d{2} \d{2}:\d{2} · /);

    const narrowed = await admin.answer("/audit unit lc-dk-cslc", vi("audit.filter_line", { filter: vi("audit.filter.unit", { code: "LC-DK-CSLC" }) }));
    expect(narrowed.text).toContain(`tg 701 · ${approveLabel} · LC-DK-CSLC`);
    expect(narrowed.text).not.toContain("LC-DK-AGR");

    const byPerson = await admin.answer("/audit person 702", vi("audit.filter.person", { id: "702" }));
    expect(byPerson.text).toContain(otherRef);
    expect(byPerson.text).not.toContain(ref);

    await admin.answer("/audit unit NO-SUCH", vi("audit.unknown_unit", { code: "NO-SUCH" }));
    await admin.answer("/audit colour blue", vi("audit.usage"));
  });

  it("pages with ◀ ▶; a forged cursor shows the first page; the buttons are checked again on every press", async () => {
    const adminUser = { id: 710 };
    await grant(prisma(), adminUser, "ADMIN");
    const base = Date.UTC(2029, 0, 1);
    await prisma().auditLog.createMany({
      data: Array.from({ length: PAGE_SIZE + 5 }, (_, i) => ({ action: "paging.test", at: new Date(base + i * 60_000) })),
    });
    const admin = new Chat(h.fake, adminUser);
    const first = await admin.answer("/audit action paging.test", vi("audit.filter.action", { action: "paging.test" }));
    const entryLines = (m: Message | undefined) => linesOf(m).filter((l) => l.includes("paging.test") && l.includes(" · "));
    expect(entryLines(first)).toHaveLength(PAGE_SIZE);
    expect(buttonsOf(first).map((b) => b.text)).toEqual([vi("audit.older")]);
    const firstText = first.text;

    const older = buttonsOf(first)[0]!;
    if (!("callback_data" in older)) throw new Error("no callback data");
    const press = h.fake.pressButton(adminUser, first, older.callback_data);
    await h.fake.waitForCallbackAnswer(press.callbackQueryId);
    await expect.poll(() => entryLines(current(adminUser, first)).length).toBe(5);
    const second = current(adminUser, first)!;
    expect(buttonsOf(second).map((b) => b.text)).toEqual([vi("audit.newer")]);
    // The oldest entry (01/01/2029 07:00 in Vietnam) is on the last page.
    expect(second.text).toContain("01/01 07:00 · CLI · paging.test");

    const newer = buttonsOf(second)[0]!;
    if (!("callback_data" in newer)) throw new Error("no callback data");
    await h.fake.waitForCallbackAnswer(h.fake.pressButton(adminUser, second, newer.callback_data).callbackQueryId);
    await expect.poll(() => current(adminUser, first)?.text).toBe(firstText);

    // A cursor that names no entry: the first page, nothing else.
    const auditsBefore = await prisma().auditLog.count();
    const forged = h.fake.pressButton(adminUser, first, `au:o:${"c".repeat(25)} a=paging.test`, { allowUnknownData: true });
    await h.fake.waitForCallbackAnswer(forged.callbackQueryId);
    expect(current(adminUser, first)?.text).toBe(firstText);
    // Garbage in the filter part: refused as a stale button.
    const junk = h.fake.pressButton(adminUser, first, `au:o:${"c".repeat(25)} u=<script>`, { allowUnknownData: true });
    expect((await h.fake.waitForCallbackAnswer(junk.callbackQueryId)).payload.text).toBe(vi("form.stale_button"));
    expect(await prisma().auditLog.count()).toBe(auditsBefore);

    // The same button pressed by someone who is no longer an admin: refused, audited, nothing shown.
    await prisma().roleGrant.deleteMany({ where: { personId: await personOf(adminUser) } });
    const refused = h.fake.pressButton(adminUser, first, older.callback_data, { allowUnknownData: true });
    expect((await h.fake.waitForCallbackAnswer(refused.callbackQueryId)).payload.text).toBe(vi("audit.forbidden"));
    expect(current(adminUser, first)?.text).toBe(firstText);
    expect(await prisma().auditLog.count({ where: { action: "denied:audit.read", actorId: await personOf(adminUser) } })).toBe(1);
  });

  it("a chair or an officer is refused /audit and /audit_export, and each refusal is audited", async () => {
    const chairUser = { id: 720 };
    const officerUser = { id: 721 };
    const chair = await grant(prisma(), chairUser, "CHAIR", "LC-DK-CSLC");
    const officer = await grant(prisma(), officerUser, "OFFICER", "LC");
    for (const user of [chairUser, officerUser]) {
      const chat = new Chat(h.fake, user);
      const reply = await chat.answer("/audit", vi("audit.forbidden"));
      expect(reply.text).not.toContain(approveLabel);
      await chat.answer("/audit_export unit LC-DK-CSLC", vi("audit.forbidden"));
    }
    for (const person of [chair, officer]) {
      expect(await prisma().auditLog.count({ where: { action: "denied:audit.read", actorId: person.id } })).toBe(2);
    }
    expect(h.fake.uploads.filter((u) => u.chatId === "720" || u.chatId === "721")).toEqual([]);
  });

  it("/audit_export sends an Excel file with Vietnamese headers and labels, and the export is audited", async () => {
    const adminUser = { id: 730 };
    const admin = await grant(prisma(), adminUser, "ADMIN");
    const chair = await grant(prisma(), { id: 731 }, "CHAIR", "LC-BD");
    const ref = await approvedApplication({ id: 1730 }, "LC-BD", chair.id);
    const expectedRows = await prisma().auditLog.count({ where: { unitId: (await findUnitByCode(prisma(), "LC-BD"))!.id } });

    const chat = new Chat(h.fake, adminUser);
    chat.send("/audit_export unit LC-BD");
    const sent = await h.fake.waitForCall((c) => c.method === "sendDocument" && String(c.payload.chat_id) === "730");
    expect(sent.status).toBe(200);
    const upload = h.fake.uploads.find((u) => u.chatId === "730" && u.method === "sendDocument");
    const { y, m, d } = vietnamDay(new Date());
    expect(upload?.filename).toBe(`nhat-ky-${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}.xlsx`);
    expect(upload?.mimeType).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    const caption = await chat.expect(vi("audit.export.caption", { count: expectedRows }));
    expect(caption.document?.file_name).toBe(upload?.filename);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(upload!.data! as unknown as ExcelJS.Buffer);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.name).toBe(vi("audit.export.sheet"));
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(["Thời gian", "Người thực hiện", "Hành động", "Đơn vị", "Đối tượng", "Trước", "Sau"]);
    const rows = sheet.getRows(2, sheet.rowCount - 1)!.map((r) => (r.values as unknown[]).slice(1).map((v) => String(v ?? "")));
    expect(rows).toHaveLength(expectedRows);
    const approved = rows.find((r) => r[2] === "Kết nạp đoàn viên");
    expect(approved?.[0]).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/);
    expect(approved?.[1]).toBe("tg 731 (Chủ tịch CĐCS LC-BD)");
    expect(approved?.[3]).toBe("LC-BD – Công đoàn Bưu điện tỉnh Lai Châu");
    expect(approved?.[4]).toBe(`Đơn ${ref}`);
    expect(approved?.[6]).toContain('"status":"APPROVED"');
    expect(rows.some((r) => r[2] === "Cấp vai trò" && r[1] === "CLI")).toBe(true);

    const exported = await prisma().auditLog.findFirstOrThrow({ where: { action: "audit.export", actorId: admin.id } });
    expect(exported.after).toEqual({ filter: { unitCode: "LC-BD" }, rows: expectedRows, truncated: false });
    // And an admin reading the log sees the export in it.
    const list = await chat.answer("/audit action audit.export", vi("audit.title"));
    expect(list.text).toContain(`tg 730 · ${vi("audit.actions.audit.export")}`);
  });
});
