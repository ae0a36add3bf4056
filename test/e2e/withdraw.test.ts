// Withdrawing consent and deleting one's data, end to end on Telegram: the ethnicity consent alone erases only the
// ethnicity; withdrawing membership records the leave (today, RESIGNED) and then erases the rest; an applicant who
// never became a member is erased at once on /delete_my_data; a member's request reaches the chair with its deadline,
// the chair deletes, and the person is told first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../src/db/database.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { decideApplication } from "../../src/membership/applications.ts";
import { formatMemberNumber } from "../../src/membership/numbers.ts";
import { formatVietnamDate, vietnamDate } from "../../src/shared/time.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");

/** Every text, varchar and JSON column of every public table where one of the texts occurs. */
async function findEverywhere(prisma: PrismaClient, texts: string[]): Promise<string[]> {
  const columns = await prisma.$queryRaw<{ table_name: string; column_name: string }[]>`
    SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json')`;
  const hits: string[] = [];
  for (const { table_name, column_name } of columns) {
    const [row] = await prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT COUNT(*)::int AS n FROM "${table_name}" WHERE "${column_name}"::text ILIKE ANY($1::text[])`,
      texts.map((t) => `%${t}%`),
    );
    if (row && row.n > 0) hits.push(`${table_name}.${column_name}: ${row.n}`);
  }
  return hits;
}

describe("withdrawing consent and deleting one's data", () => {
  let h: Harness;
  const prisma = () => h.db.prisma;
  let chairId: string;
  const chairUser = { id: 8100, first_name: "Chủ tịch" };

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    chairId = (await grant(h.db.prisma, chairUser, "CHAIR", "LC-DK-CSLC")).id;
  });
  afterAll(() => h?.close());

  async function member(id: number, fullName: string, phone: string) {
    const filed = await fileApplication(prisma(), { id }, "LC-DK-CSLC", { fullName, phone, birthDate: new Date(Date.UTC(1988, 2, 9)) });
    const decided = await decideApplication(prisma(), { applicationId: filed.applicationId, actorId: chairId, decision: { kind: "approve" } });
    if (!decided.ok) throw new Error("not approved");
    return { ...filed, number: decided.memberNumber! };
  }

  it("withdrawing the ethnicity consent erases the ethnicity and nothing else", async () => {
    const user = { id: 8201, first_name: "Mai" };
    const filed = await fileApplication(prisma(), user, "LC-DK-CSLC", { fullName: "Lò Thị Mai", phone: "+84987108201" });
    const consent = await prisma().consent.create({
      data: { personId: filed.personId, purpose: "SENSITIVE_ETHNICITY", textVersion: "sensitive-ethnicity/2026-11-v1", language: "vi", text: vi("join.fields.ethnicity.consent") },
    });
    await prisma().application.update({ where: { id: filed.applicationId }, data: { ethnicity: "Thái", ethnicityConsentId: consent.id } });
    const before = await prisma().application.findUniqueOrThrow({ where: { id: filed.applicationId } });
    const chat = new Chat(h.fake, user);

    await chat.answer("/withdraw", vi("withdraw.choose"));
    await chat.choose(vi("withdraw.ethnicity_button"), vi("withdraw.ethnicity_confirm"));
    await chat.choose(vi("withdraw.confirm"), vi("withdraw.ethnicity_done"));

    const after = await prisma().application.findUniqueOrThrow({ where: { id: filed.applicationId } });
    expect(after.ethnicity).toBeNull();
    expect({ ...after, ethnicity: "Thái", updatedAt: before.updatedAt }).toEqual(before);
    expect((await prisma().consent.findUniqueOrThrow({ where: { id: consent.id } })).withdrawnAt).not.toBeNull();
    expect(await prisma().consent.count({ where: { personId: filed.personId, purpose: "MEMBERSHIP_APPLICATION", withdrawnAt: null } })).toBe(1);
    expect((await prisma().person.findUniqueOrThrow({ where: { id: filed.personId } })).erasedAt).toBeNull();
    // Asked again, there is only the membership consent left.
    const menu = await chat.answer("/withdraw", vi("withdraw.choose"));
    expect(menu.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual([vi("withdraw.membership_button"), vi("withdraw.cancel")]);
    await chat.choose(vi("withdraw.cancel"), vi("withdraw.cancelled"));
  });

  it("withdrawing membership records the leave today, then erases the rest", async () => {
    const user = { id: 8202, first_name: "Páo" };
    const m = await member(8202, "Vàng A Páo", "+84987108202");
    const chat = new Chat(h.fake, user);
    const number = formatMemberNumber(m.number);

    await chat.answer("/withdraw", vi("withdraw.choose"));
    const explained = await chat.choose(vi("withdraw.membership_button"), number);
    expect(explained.text).toBe(
      vi("withdraw.membership_confirm_member", {
        number,
        unit: "Công đoàn Công ty Cổ phần Cao su Lai Châu",
        reason: vi("members.reason.RESIGNED"),
        date: formatVietnamDate(new Date()),
      }),
    );
    await chat.choose(vi("withdraw.confirm"), vi("withdraw.membership_done_member", { number, date: formatVietnamDate(new Date()) }));

    const row = await prisma().member.findUniqueOrThrow({ where: { applicationId: m.applicationId } });
    expect(row).toMatchObject({ number: m.number, leaveReason: "RESIGNED", leaveRecordedById: m.personId, fullName: "", phone: null, birthDate: null });
    expect(row.leftOn).toEqual(vietnamDate(new Date()));
    expect(await prisma().auditLog.count({ where: { action: "member.leave", targetId: row.id, actorId: m.personId } })).toBe(1);
    expect(await prisma().application.findUniqueOrThrow({ where: { id: m.applicationId } })).toMatchObject({ fullName: "", phone: "" });
    expect(await findEverywhere(prisma(), ["Vàng A Páo", "+84987108202", "0987108202", "0987 108 202", "09/03/1988"])).toEqual([]);

    // The bot no longer knows them: the same account is a stranger now.
    await chat.answer("/status", vi("status.none"));
  });

  it("erases at once an applicant who never became a member", async () => {
    const user = { id: 8203, first_name: "Chờ" };
    const filed = await fileApplication(prisma(), user, "LC-DK-CSLC", { fullName: "Lò Văn Chờ", phone: "+84987108203" });
    const chat = new Chat(h.fake, user);
    await chat.answer("/delete_my_data", vi("erasure.confirm_immediate", { applications: 1 }));
    await chat.choose(vi("erasure.erase_now"), vi("erasure.done"));
    expect(await prisma().application.findUniqueOrThrow({ where: { id: filed.applicationId } })).toMatchObject({ status: "WITHDRAWN", fullName: "", phone: "" });
    expect(await findEverywhere(prisma(), ["Lò Văn Chờ", "+84987108203", "0987108203"])).toEqual([]);
  });

  it("sends a member's request to the chair with the deadline; the chair deletes and the member is told first", async () => {
    const user = { id: 8204, first_name: "Sùng" };
    const m = await member(8204, "Sùng Thị Dợ", "+84987108204");
    const chat = new Chat(h.fake, user);
    const chair = new Chat(h.fake, chairUser);
    const due = formatVietnamDate(new Date(Date.now() + 30 * 86_400_000));
    const number = formatMemberNumber(m.number);

    await chat.answer("/delete_my_data", vi("erasure.confirm_chair", { number, unit: "Công đoàn Công ty Cổ phần Cao su Lai Châu", date: due }));
    await chat.choose(vi("erasure.send_request"), vi("erasure.requested", { unit: "Công đoàn Công ty Cổ phần Cao su Lai Châu", date: due }));
    const card = await chair.expect(vi("erasure.card", {
      name: "Sùng Thị Dợ",
      number,
      created: formatVietnamDate(new Date()),
      due,
      reason: vi("members.reason.RESIGNED"),
    }));
    expect(card.text).toContain(due);
    // Asking again does not make a second request.
    await chat.answer("/delete_my_data", vi("erasure.waiting", { unit: "Công đoàn Công ty Cổ phần Cao su Lai Châu", date: due }));
    expect(await prisma().dataRequest.count({ where: { personId: m.personId, kind: "ERASURE" } })).toBe(1);

    await chair.choose(vi("erasure.approve"), vi("erasure.erased_done", { number }));
    await chat.expect(vi("erasure.applicant_erased"));
    const row = await prisma().member.findUniqueOrThrow({ where: { applicationId: m.applicationId } });
    expect(row).toMatchObject({ number: m.number, leaveReason: "RESIGNED", leaveRecordedById: chairId, fullName: "", phone: null });
    expect(await findEverywhere(prisma(), ["Sùng Thị Dợ", "+84987108204", "0987108204", "0987 108 204"])).toEqual([]);
  });
});
