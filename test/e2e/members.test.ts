// Member records on Telegram, end to end: a chair lists the union's members (pages, search without diacritics),
// opens one and records them leaving through the form; an officer of another subtree can neither list nor record,
// even with forged buttons; a chair imports an existing roll from an .xlsx file (errors by line and nothing written,
// then the fixed file, then the same file again changing nothing).
import type { Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { formatMemberNumber } from "../../src/membership/numbers.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { writeXlsx } from "../../src/shared/spreadsheet.ts";
import { toSearchText } from "../../src/shared/text.ts";
import { formatVietnamDate, vietnamDay } from "../../src/shared/time.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo, MEMBER_ROLL_COLUMNS } from "../support/fixtures.ts";

const vi = tFor("vi");
const XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

describe("member records in chat", () => {
  let h: Harness;
  const prisma = () => h.db.prisma;
  const ids = new Map<string, string>();
  const unitId = (code: string) => ids.get(code)!;

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    for (const code of ["LC-DK-CSLC", "LC-DK-XDGT", "LC-DK", "LC-TP"]) ids.set(code, (await findUnitByCode(h.db.prisma, code))!.id);
  });
  afterAll(() => h?.close());

  async function addMember(code: string, fullName: string, phone: string) {
    return prisma().member.create({
      data: {
        unitId: unitId(code),
        fullName,
        searchName: toSearchText(fullName),
        phone,
        birthDate: new Date(Date.UTC(1995, 8, 5)),
        sex: "FEMALE",
        joinedAt: new Date("2024-05-10T02:00:00Z"),
      },
    });
  }

  const buttons = (m: Message | undefined) => (m?.reply_markup?.inline_keyboard ?? []).flat();
  async function press(user: TestUser, message: Message, data: string, allowUnknownData = false) {
    const update = h.fake.pressButton(user, message, data, { allowUnknownData });
    return (await h.fake.waitForCallbackAnswer(update.callbackQueryId)).payload.text as string | undefined;
  }

  it("a chair lists, pages, searches, and records a member leaving, who then shows as left", async () => {
    const chairUser = { id: 3100, first_name: "Chủ tịch" };
    const chairPerson = await grant(prisma(), chairUser, "CHAIR", "LC-DK-CSLC");
    const chair = new Chat(h.fake, chairUser);
    for (let i = 1; i <= 11; i++) await addMember("LC-DK-CSLC", `Vàng Thị Pà ${String.fromCharCode(64 + i)}`, `+8497800${String(i).padStart(4, "0")}`);
    const lan = await addMember("LC-DK-CSLC", "Nguyễn Thị Lan", "+84912345678");
    const lanNumber = formatMemberNumber(lan.number);

    // Page 1 of 2, ten to a page, the names in order.
    const list = await chair.answer("/members", vi("members.list.title", { unit: "Công đoàn Công ty Cổ phần Cao su Lai Châu" }));
    expect(list.text).toContain(vi("members.list.count", { count: 12, page: 1, pages: 2 }));
    expect(list.text).toContain(`1. Nguyễn Thị Lan – ${lanNumber} – 0912 345 678`);
    expect(list.text).toContain("10. Vàng Thị Pà I");
    expect(list.text).not.toContain("Vàng Thị Pà J");
    expect(buttons(list).map((b) => b.text)).toEqual([...Array.from({ length: 10 }, (_, i) => String(i + 1)), "▶", vi("members.list.show_left")]);

    // ▶ and ◀ edit the message in place.
    chair.press("▶");
    const page2 = await chair.expect(vi("members.list.count", { count: 12, page: 2, pages: 2 }));
    expect(page2.message_id).toBe(list.message_id);
    expect(page2.text).toContain("11. Vàng Thị Pà J");
    expect(page2.text).toContain("12. Vàng Thị Pà K");
    expect(buttons(page2).map((b) => b.text)).toEqual(["11", "12", "◀", vi("members.list.show_left")]);
    chair.press("◀");
    await chair.expect(vi("members.list.count", { count: 12, page: 1, pages: 2 }));

    // "lan" finds "Lan".
    const found = await chair.answer("/members lan", vi("members.list.search", { query: "lan" }));
    expect(found.text).toContain(vi("members.list.count", { count: 1, page: 1, pages: 1 }));
    expect(found.text).toContain(`1. Nguyễn Thị Lan – ${lanNumber} – 0912 345 678`);
    expect(found.text).not.toContain("Vàng");

    // Details, then the leaving form.
    chair.press("1");
    const detail = await chair.expect(`👤 Nguyễn Thị Lan`);
    expect(detail.text).toContain(lanNumber);
    expect(detail.text).toContain("05/09/1995");
    expect(detail.text).toContain(vi("members.sex.FEMALE"));
    expect(detail.text).toContain(formatVietnamDate(lan.joinedAt));
    expect(detail.text).toContain(vi("members.source.BOT"));
    chair.press(vi("members.detail.leave"));
    await chair.expect(vi("members.leave.reason_ask", { name: "Nguyễn Thị Lan", number: lanNumber }));
    chair.press(vi("members.reason.LEFT_COMPANY"));
    const { y, m, d } = vietnamDay(new Date());
    const todayText = `${String(d).padStart(2, "0")}/${String(m).padStart(2, "0")}/${y}`;
    await chair.expect(vi("members.leave.date_ask", { example: todayText }));
    const notReal = await chair.answer("31/02/2025", vi("members.errors.date_not_real", { date: "31/02/2025" }));
    expect(notReal.text).toContain(vi("members.leave.date_ask", { example: todayText })); // asked again
    await chair.answer(`01/01/${y + 1}`, vi("members.errors.date_future"));
    await chair.answer("01/01/2020", vi("members.errors.date_before_joined", { joined: "10/05/2024" }));
    await chair.answer(vi("members.leave.today"), vi("members.leave.note_ask", { max: 300 }));
    await chair.answer(vi("members.leave.skip"), vi("members.leave.confirm_ask", {
      name: "Nguyễn Thị Lan",
      number: lanNumber,
      reason: vi("members.reason.LEFT_COMPANY"),
      date: todayText,
      note: "—",
    }));
    await chair.choose(vi("members.leave.confirm"), vi("members.leave.done", {
      name: "Nguyễn Thị Lan",
      number: lanNumber,
      date: todayText,
      reason: vi("members.reason.LEFT_COMPANY"),
    }));

    const saved = await prisma().member.findUniqueOrThrow({ where: { id: lan.id } });
    expect(saved.leaveReason).toBe("LEFT_COMPANY");
    expect(vietnamDay(saved.leftOn!)).toEqual({ y, m, d });
    expect(saved.leaveRecordedById).toBe(chairPerson.id);
    expect(await prisma().auditLog.count({ where: { action: "member.leave", targetId: lan.id, actorId: chairPerson.id } })).toBe(1);

    // Opened again: shown as left, without the button; the old button changes nothing.
    const leftStamp = vi("members.detail.left", { reason: vi("members.reason.LEFT_COMPANY"), date: todayText });
    expect(await press(chairUser, found, `md:${lan.id}`)).toBeUndefined();
    const again = await chair.expect(leftStamp);
    expect(buttons(again).map((b) => b.text)).toEqual([vi("members.detail.back")]);
    expect(await press(chairUser, detail, `mx:${lan.id}`)).toBe(vi("members.leave.refused.already_left"));
    expect(await prisma().auditLog.count({ where: { action: "member.leave", targetId: lan.id } })).toBe(1);

    // The list now counts 11; with those who left, Lan is marked.
    const after = await chair.answer("/members", vi("members.list.count", { count: 11, page: 1, pages: 2 }));
    expect(after.text).not.toContain("Nguyễn Thị Lan");
    chair.press(vi("members.list.show_left"));
    const withLeft = await chair.expect(vi("members.list.count_with_left", { count: 12, page: 1, pages: 2 }));
    expect(withLeft.message_id).toBe(after.message_id);
    expect(withLeft.text).toContain(`1. Nguyễn Thị Lan – ${lanNumber} – 0912 345 678 – ${vi("members.list.left_mark")}`);
  });

  it("an officer of another subtree can neither list nor record, even with forged buttons; the officer above can", async () => {
    const member = await addMember("LC-DK-CSLC", "Lò Thị Xuân", "+84978009999");
    const outsiderUser = { id: 3200 };
    const outsiderPerson = await grant(prisma(), outsiderUser, "OFFICER", "LC-TP");
    const outsider = new Chat(h.fake, outsiderUser);

    // Searching for the union finds nothing outside the officer's scope.
    await outsider.answer("/members", vi("members.pick.ask"));
    await outsider.answer("cao su", vi("members.pick.none", { query: "cao su" }));
    await outsider.answer("/cancel", vi("forms.members-pick.cancelled"));

    // Forged buttons on one of the officer's own messages.
    const own = await outsider.answer("/status", vi("status.none"));
    expect(await press(outsiderUser, own, `ml:${unitId("LC-DK-CSLC")}:1:0:`, true)).toBe(vi("members.forbidden"));
    expect(await press(outsiderUser, own, `md:${member.id}`, true)).toBe(vi("members.forbidden"));
    expect(await press(outsiderUser, own, `mx:${member.id}`, true)).toBe(vi("members.leave.refused.forbidden"));
    expect(await press(outsiderUser, own, `ml:${unitId("LC-DK-CSLC")}:1:0:%%`, true)).toBe(vi("form.stale_button"));
    expect(h.fake.deliveredTo(outsiderUser).some((x) => x.text?.includes("Lò Thị Xuân"))).toBe(false);
    expect(h.fake.deliveredTo(outsiderUser).some((x) => x.text?.includes(vi("members.leave.reason_ask", { name: "Lò Thị Xuân", number: formatMemberNumber(member.number) })))).toBe(false);
    expect((await prisma().member.findUniqueOrThrow({ where: { id: member.id } })).leftOn).toBeNull();
    const denied = await prisma().auditLog.findMany({ where: { actorId: outsiderPerson.id, action: { startsWith: "denied:member." } } });
    expect(denied.map((x) => x.action).sort()).toEqual(["denied:member.leave", "denied:member.list", "denied:member.list"]);

    // Someone with no role at all.
    const stranger = new Chat(h.fake, { id: 3201 });
    await stranger.answer("/members", vi("members.not_allowed"));
    await stranger.answer("/import_members", vi("members.not_allowed"));

    // The officer of the commune union above finds the union by searching, and sees Xuân.
    const aboveUser = { id: 3202 };
    await grant(prisma(), aboveUser, "OFFICER", "LC-DK");
    const above = new Chat(h.fake, aboveUser);
    await above.answer("/members xuan", vi("members.pick.ask"));
    const pick = await above.answer("cao su", vi("members.pick.choose"));
    expect(buttons(pick).map((b) => b.text)).toEqual(["Công đoàn Công ty Cổ phần Cao su Lai Châu (LC-DK-CSLC)", vi("members.pick.again")]);
    const list = await above.choose("Công đoàn Công ty Cổ phần Cao su Lai Châu (LC-DK-CSLC)", vi("members.list.search", { query: "xuan" }));
    expect(list.text).toContain(`1. Lò Thị Xuân – ${formatMemberNumber(member.number)} – 0978 009 999`);
  });

  it("a chair imports an .xlsx roll: a bad row is reported by line and nothing is written; fixed, it imports; again, nothing changes", async () => {
    const chairUser = { id: 3300 };
    const chairPerson = await grant(prisma(), chairUser, "CHAIR", "LC-DK-XDGT");
    const chair = new Chat(h.fake, chairUser);
    const columns = MEMBER_ROLL_COLUMNS;
    const rows = [
      { name: "Lò Văn Páo", birth: "05/09/1985", sex: "Nam", phone: "0977 555 001", joined: "01/05/2010" },
      { name: "Tòng Thị Én", birth: "29/02/1992", sex: "Nữ", phone: "0977 555 002", joined: "28/07/2015" },
      { name: "Lường Văn Hặc", birth: "31/12/1990", sex: "Nam", phone: "0977 555 003", joined: "28/07/2020" },
    ];
    const bad = await writeXlsx([{ name: "DS", columns, rows: rows.map((r, i) => (i === 1 ? { ...r, birth: "30/02/1992" } : r)) }]);
    const fixed = await writeXlsx([{ name: "DS", columns, rows }]);
    const unit = "Công đoàn Công ty Cổ phần Xây dựng Giao thông Lai Châu";
    const count = () => prisma().member.count({ where: { unitId: unitId("LC-DK-XDGT") } });

    await chair.answer("/import_members", vi("members.import.ask_file", { unit, maxMb: 5 }));
    await chair.answer("hello", `${vi("members.import.file_expected")}\n\n${vi("members.import.ask_file", { unit, maxMb: 5 })}`);
    h.fake.sendDocument(chairUser, { file_name: "doan-vien.xlsx", mime_type: XLSX_MIME, content: bad });
    const problems = await chair.expect(vi("members.import.problems_title", { count: 1 }));
    expect(problems.text).toContain(vi("members.import.problem_line", { line: 3, problems: vi("members.import.errors.birth_invalid", { value: "30/02/1992" }) }));
    expect(problems.text).toContain(vi("members.import.send_again"));
    expect(await count()).toBe(0);

    h.fake.sendDocument(chairUser, { file_name: "doan-vien.xlsx", mime_type: XLSX_MIME, content: fixed });
    await chair.expect(vi("members.import.preview", { total: 3, created: 3, unchanged: 0, unit }));
    expect(await count()).toBe(0); // a preview writes nothing
    await chair.choose(vi("members.import.confirm", { created: 3 }), vi("members.import.done", { created: 3, unchanged: 0, unit }));
    const imported = await prisma().member.findMany({ where: { unitId: unitId("LC-DK-XDGT") }, orderBy: { number: "asc" } });
    expect(imported.map((x) => [x.fullName, x.phone, x.source, x.personId])).toEqual([
      ["Lò Văn Páo", "+84977555001", "IMPORT", null],
      ["Tòng Thị Én", "+84977555002", "IMPORT", null],
      ["Lường Văn Hặc", "+84977555003", "IMPORT", null],
    ]);
    expect(await prisma().auditLog.count({ where: { action: "member.import", actorId: chairPerson.id } })).toBe(1);

    // The same file again: nothing new, nothing changed.
    await chair.answer("/import_members", vi("members.import.ask_file", { unit, maxMb: 5 }));
    h.fake.sendDocument(chairUser, { file_name: "doan-vien.xlsx", mime_type: XLSX_MIME, content: fixed });
    await chair.expect(vi("members.import.nothing_new", { unchanged: 3, unit }));
    expect(await count()).toBe(3);
    expect(await prisma().auditLog.count({ where: { action: "member.import" } })).toBe(1);

    // The imported members are on the list; the bot token never reached the logs.
    const list = await chair.answer("/members hac", vi("members.list.search", { query: "hac" }));
    expect(list.text).toContain("Lường Văn Hặc");
    expect(h.logs.text).not.toContain(h.fake.token);
  });
});
