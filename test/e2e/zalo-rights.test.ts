// The personal-data rights on Zalo, where choices are numbered lines answered by typing the number or the label:
// a pending applicant corrects a field in place; a member's correction reaches the chair (on Telegram), is accepted
// and the member is told on Zalo; withdrawing the ethnicity consent erases only the ethnicity; withdrawing membership
// records the leave and erases the rest. Zalo and Telegram are faked at their HTTP APIs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zaloChatId } from "../../src/channels/address.ts";
import type { PrismaClient } from "../../src/db/database.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { decideApplication } from "../../src/membership/applications.ts";
import { formatApplicationRef, formatMemberNumber } from "../../src/membership/numbers.ts";
import { formatVietnamDate, vietnamDate } from "../../src/shared/time.ts";
import { FakeZalo } from "../fake-zalo/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const UNIT_NAME = "Công đoàn Công ty Cổ phần Cao su Lai Châu";
const field = (name: "fullName" | "phone" | "jobPosition") => vi(`corrections.fields.${name}`);

describe("personal-data rights on Zalo", () => {
  let h: Harness;
  let zalo: FakeZalo;
  let chairId = "";
  const chairUser = { id: 7500, first_name: "Chủ tịch" };

  beforeAll(async () => {
    zalo = await FakeZalo.start();
    h = await startHarness({ logLevel: "warn", env: { ZALO_BOT_TOKEN: zalo.token, ZALO_API_ROOT: zalo.apiRoot } });
    await loadDemo(h.db.prisma);
    chairId = (await grant(h.db.prisma, chairUser, "CHAIR", "LC-DK-CSLC")).id;
  });
  afterAll(async () => {
    await h?.close();
    await zalo?.close();
  });

  const prisma = (): PrismaClient => h.db.prisma;
  const onZalo = (zaloId: string) => ({ channel: "ZALO" as const, externalId: zaloId, chatId: zaloChatId(zaloId) });

  /** Sends `text` as the Zalo user and waits for the bot's answer containing `expected`. */
  async function say(zaloId: string, text: string, expected: string | RegExp) {
    zalo.userSends(zaloId, text);
    return zalo.expect(zaloId, expected);
  }

  async function member(zaloId: string, overrides: Parameters<typeof fileApplication>[3]) {
    const filed = await fileApplication(prisma(), onZalo(zaloId), "LC-DK-CSLC", overrides);
    const decided = await decideApplication(prisma(), { applicationId: filed.applicationId, actorId: chairId, decision: { kind: "approve" } });
    if (!decided.ok || decided.memberNumber === undefined) throw new Error("not approved");
    return { ...filed, number: formatMemberNumber(decided.memberNumber) };
  }

  it("a pending applicant corrects their job in place, choices typed as labels", async () => {
    const zaloId = "zr00000000000000001";
    const { applicationId, ref, personId } = await fileApplication(prisma(), onZalo(zaloId), "LC-DK-CSLC", { jobPosition: "Công nhân" });
    const menu = await say(zaloId, "/correct", vi("corrections.choose_field_application", { ref: formatApplicationRef(ref) }));
    expect(menu.text).toContain(vi("zalo.reply_with_number"));
    await say(zaloId, field("jobPosition"), vi("corrections.ask.jobPosition", { current: "Công nhân" }));
    await say(zaloId, "Tổ trưởng cạo mủ", vi("corrections.confirm", { field: field("jobPosition"), before: "Công nhân", after: "Tổ trưởng cạo mủ" }));
    await say(zaloId, vi("corrections.confirm_yes"), vi("corrections.applied", { field: field("jobPosition"), ref: formatApplicationRef(ref), after: "Tổ trưởng cạo mủ" }));

    expect((await prisma().application.findUniqueOrThrow({ where: { id: applicationId } })).jobPosition).toBe("Tổ trưởng cạo mủ");
    const history = await prisma().fieldChange.findMany({ where: { entity: "Application", entityId: applicationId } });
    expect(history).toEqual([expect.objectContaining({ personId, field: "jobPosition", before: "Công nhân", after: "Tổ trưởng cạo mủ" })]);
  });

  it("a member's phone correction reaches the chair on Telegram, is accepted, and the member is told on Zalo", async () => {
    const zaloId = "zr00000000000000002";
    const { number, personId } = await member(zaloId, { fullName: "Quàng Văn Tươi", phone: "+84912000222" });
    const chair = new Chat(h.fake, chairUser);
    await say(zaloId, "/correct", vi("corrections.choose_field_member", { number, unit: UNIT_NAME }));
    await say(zaloId, field("phone"), vi("corrections.ask.phone", { current: "0912 000 222" }));
    await say(zaloId, "0987 000 333", vi("corrections.confirm", { field: field("phone"), before: "0912 000 222", after: "0987 000 333" }));
    // "1" is the first numbered choice: yes.
    await say(zaloId, "1", vi("corrections.requested", { field: field("phone"), unit: UNIT_NAME, date: "{{date}}" }).split("{{date}}")[0]!);
    const request = await prisma().dataRequest.findFirstOrThrow({ where: { personId, status: "PENDING" } });
    expect(zalo.sentTo(zaloId).at(-1)?.text).toContain(formatVietnamDate(request.dueAt));

    const card = await chair.expect(vi("corrections.card.heading"));
    expect(card.text).toContain(number);
    chair.press(vi("corrections.card.accept"));
    await zalo.expect(zaloId, vi("corrections.outcome.accepted", { field: field("phone"), value: "0987 000 333" }));
    const row = await prisma().member.findUniqueOrThrow({ where: { personId } });
    expect(row.phone).toBe("+84987000333");
    expect(await prisma().fieldChange.count({ where: { entity: "Member", entityId: row.id, field: "phone", before: "+84912000222", after: "+84987000333" } })).toBe(1);
  });

  it("withdrawing the ethnicity consent on Zalo erases the ethnicity and nothing else", async () => {
    const zaloId = "zr00000000000000003";
    const filed = await fileApplication(prisma(), onZalo(zaloId), "LC-DK-CSLC", { fullName: "Lò Thị Xuân" });
    const consent = await prisma().consent.create({
      data: { personId: filed.personId, purpose: "SENSITIVE_ETHNICITY", textVersion: "sensitive-ethnicity/2026-11-v1", language: "vi", text: vi("join.fields.ethnicity.consent") },
    });
    await prisma().application.update({ where: { id: filed.applicationId }, data: { ethnicity: "Thái", ethnicityConsentId: consent.id } });
    const before = await prisma().application.findUniqueOrThrow({ where: { id: filed.applicationId } });

    const menu = await say(zaloId, "/withdraw", vi("withdraw.choose"));
    expect(menu.text).toContain(vi("withdraw.ethnicity_button"));
    await say(zaloId, vi("withdraw.ethnicity_button"), vi("withdraw.ethnicity_confirm"));
    await say(zaloId, vi("withdraw.confirm"), vi("withdraw.ethnicity_done"));

    const after = await prisma().application.findUniqueOrThrow({ where: { id: filed.applicationId } });
    expect(after.ethnicity).toBeNull();
    expect({ ...after, ethnicity: "Thái", updatedAt: before.updatedAt }).toEqual(before);
    expect((await prisma().person.findUniqueOrThrow({ where: { id: filed.personId } })).erasedAt).toBeNull();
  });

  it("withdrawing membership on Zalo records the leave today, then erases the rest", async () => {
    const zaloId = "zr00000000000000004";
    const m = await member(zaloId, { fullName: "Sùng A Chứ", phone: "+84912000444", birthDate: new Date(Date.UTC(1991, 6, 14)) });
    await say(zaloId, "/withdraw", vi("withdraw.choose"));
    await say(zaloId, vi("withdraw.membership_button"), m.number);
    await say(zaloId, vi("withdraw.confirm"), vi("withdraw.membership_done_member", { number: m.number, date: formatVietnamDate(new Date()) }));

    const row = await prisma().member.findUniqueOrThrow({ where: { applicationId: m.applicationId } });
    expect(row).toMatchObject({ leaveReason: "RESIGNED", leaveRecordedById: m.personId, fullName: "", phone: null, birthDate: null });
    expect(row.leftOn).toEqual(vietnamDate(new Date()));
    expect((await prisma().person.findUniqueOrThrow({ where: { id: m.personId } })).erasedAt).not.toBeNull();
    const traces = await prisma().$queryRaw<{ n: number }[]>`
      SELECT (SELECT COUNT(*) FROM "Application" WHERE "fullName" = 'Sùng A Chứ' OR phone = '+84912000444')::int
           + (SELECT COUNT(*) FROM "AuditLog" WHERE before::text LIKE '%Sùng A Chứ%' OR after::text LIKE '%Sùng A Chứ%')::int AS n`;
    expect(traces[0]!.n).toBe(0);
    // The same Zalo account is a stranger to the bot now.
    await say(zaloId, "/status", vi("status.none"));
  });
});
