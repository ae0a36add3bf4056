// Erasure leaves an anonymous tombstone: after a member asked and their chair agreed, the person's name, phone (every
// form) and birth date are found in no text or JSON column of any table, while the member row (number, union, leave)
// and the union's counts stay. The retention purge erases a long-rejected application and keeps a recent one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideApplication } from "../../src/membership/applications.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { decideErasure, requestErasure } from "../../src/privacy/erasure.ts";
import { purgeExpiredApplications } from "../../src/privacy/retention.ts";
import { vietnamDate } from "../../src/shared/time.ts";
import type { PrismaClient } from "../../src/db/database.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";

/** Every text, varchar and JSON column of every public table where one of the texts occurs: "Table.column: n". */
async function findEverywhere(prisma: PrismaClient, texts: string[]): Promise<string[]> {
  const columns = await prisma.$queryRaw<{ table_name: string; column_name: string }[]>`
    SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json')`;
  const patterns = texts.map((t) => `%${t}%`);
  const hits: string[] = [];
  for (const { table_name, column_name } of columns) {
    const [row] = await prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT COUNT(*)::int AS n FROM "${table_name}" WHERE "${column_name}"::text ILIKE ANY($1::text[])`,
      patterns,
    );
    if (row && row.n > 0) hits.push(`${table_name}.${column_name}: ${row.n}`);
  }
  return hits;
}

describe("erasure", () => {
  let db: TestDatabase;
  const prisma = () => db.prisma;
  let unitId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDemo(db.prisma);
    unitId = (await findUnitByCode(db.prisma, "LC-DK-CSLC"))!.id;
  });
  afterAll(() => db?.destroy());

  it("leaves no name, phone or birth date of an erased member in any table, and keeps the member row and counts", async () => {
    const chair = await grant(prisma(), { id: 7100, first_name: "Chủ tịch" }, "CHAIR", "LC-DK-CSLC");
    const name = "Lường Thị Hoa Ban";
    const oldName = "Lường Thị Hoa";
    const filed = await fileApplication(prisma(), { id: 7201 }, "LC-DK-CSLC", {
      fullName: name,
      phone: "+84987001234",
      birthDate: new Date(Date.UTC(1987, 7, 17)),
    });
    const other = await fileApplication(prisma(), { id: 7202 }, "LC-DK-CSLC", { fullName: "Vàng Thị Khác", phone: "+84987009999" });
    await prisma().application.update({ where: { id: filed.applicationId }, data: { ethnicity: "Thái" } });
    const approved = await decideApplication(prisma(), { applicationId: filed.applicationId, actorId: chair.id, decision: { kind: "approve" } });
    expect(approved.ok).toBe(true);
    const member = await prisma().member.findUniqueOrThrow({ where: { personId: filed.personId } });
    const membersBefore = await prisma().member.count({ where: { unitId } });

    // The same person on Zalo and the web chat, and everything the chats and the outbox kept.
    const personId = filed.personId;
    await prisma().chatIdentity.create({ data: { personId, channel: "ZALO", externalId: "zz7201", chatId: "zalo:zz7201" } });
    await prisma().chatIdentity.create({ data: { personId, channel: "WEB", externalId: "w7201", chatId: "web:w7201" } });
    const payload = (text: string) => ({ message: { from: { first_name: name }, text } });
    await prisma().inboxUpdate.createMany({
      data: [
        { channel: "TELEGRAM", externalId: "u-7201-1", chatKey: "7201", payload: payload("0987001234"), leaseUntil: new Date(), handledAt: new Date() },
        { channel: "ZALO", externalId: "z-7201-1", chatKey: "zalo:zz7201", payload: payload("17/08/1987"), leaseUntil: new Date(), handledAt: new Date() },
        { channel: "WEB", externalId: "w-7201-1", chatKey: "web:w7201", payload: payload(name), leaseUntil: new Date() },
      ],
    });
    await prisma().conversationState.createMany({
      data: [
        { key: "conv:7201", value: JSON.stringify({ log: [name, "+84987001234"] }) },
        { key: "zalo-buttons:zalo:zz7201", value: JSON.stringify({ text: `${name} 0987 001 234` }) },
        { key: "zalo-buttons:zalo:chair", value: JSON.stringify({ text: `Đơn của ${name}, sinh 17/08/1987` }) },
      ],
    });
    await prisma().webMessage.createMany({
      data: [
        { chatId: "web:w7201", messageId: 1, fromBot: false, content: { text: name } },
        { chatId: "web:chair", messageId: 1, fromBot: true, content: { text: `Đơn mới: ${name} – 0987 001 234 – 17/08/1987` } },
        { chatId: "web:chair", messageId: 2, fromBot: true, content: { text: "Vàng Thị Khác" } },
      ],
    });
    await prisma().webFile.create({ data: { id: "f7201", chatId: "web:w7201", name: `${name}.pdf`, mime: "application/pdf", bytes: new Uint8Array([1]) } });
    await prisma().outboxMessage.createMany({
      data: [
        { personId, channel: "TELEGRAM", chatId: "7201", text: `Chào ${name}`, status: "SENT" },
        { personId, channel: "ZALO", chatId: "zalo:zz7201", text: `Chào ${name}, số 0987001234`, status: "PENDING" },
      ],
    });
    // A correction of the name that was applied, and one asked for the phone.
    await prisma().fieldChange.create({ data: { personId, entity: "Member", entityId: member.id, field: "fullName", before: oldName, after: name, changedById: chair.id } });
    await prisma().dataRequest.create({ data: { kind: "CORRECTION", personId, unitId, field: "phone", value: "+84987005555", dueAt: new Date(), status: "REFUSED" } });
    await prisma().auditLog.create({
      data: { actorId: chair.id, action: "member.correct", unitId, targetType: "Member", targetId: member.id, before: { fullName: oldName }, after: { fullName: name, status: "ok" } },
    });
    await prisma().linkCode.create({ data: { codeHash: "h7201", personId, channel: "TELEGRAM", expiresAt: new Date(Date.now() + 60_000) } });

    const traces = [name, oldName, "+84987001234", "84987001234", "0987001234", "0987 001 234", "+84987005555", "0987005555", "17/08/1987", "1987-08-17"];
    expect((await findEverywhere(prisma(), traces)).length).toBeGreaterThan(5); // the scan sees them before

    const asked = await requestErasure(prisma(), { personId, days: 30 });
    expect(asked.kind).toBe("requested");
    if (asked.kind !== "requested") return;
    const request = await prisma().dataRequest.findUniqueOrThrow({ where: { id: asked.requestId } });
    expect(request.unitId).toBe(unitId);
    expect(Math.round((request.dueAt.getTime() - request.createdAt.getTime()) / 86_400_000)).toBe(30);
    // Only the union's chair or deputy decides.
    const stranger = await grant(prisma(), { id: 7101 }, "CHAIR", "LC-DK-AGR");
    expect(await decideErasure(prisma(), { requestId: asked.requestId, actorId: stranger.id, decision: { kind: "erase" } })).toEqual({ ok: false, reason: "forbidden" });
    let told = "";
    const decided = await decideErasure(prisma(), {
      requestId: asked.requestId,
      actorId: chair.id,
      decision: { kind: "erase" },
      beforeErase: async (id) => {
        // The person is told while they can still be reached.
        told = (await prisma().chatIdentity.count({ where: { personId: id } })) > 0 ? "reachable" : "gone";
      },
    });
    expect(decided).toMatchObject({ ok: true, kind: "erased", personId });
    expect(told).toBe("reachable");

    expect(await findEverywhere(prisma(), traces)).toEqual([]);
    expect(await prisma().application.count({ where: { birthDate: new Date(Date.UTC(1987, 7, 17)) } })).toBe(0);
    expect(await prisma().member.count({ where: { birthDate: new Date(Date.UTC(1987, 7, 17)) } })).toBe(0);

    // The tombstone: the member row keeps its number, union and leave; the union's counts stay whole.
    const tomb = await prisma().member.findUniqueOrThrow({ where: { id: member.id } });
    expect(tomb).toMatchObject({ number: member.number, unitId, fullName: "", phone: null, birthDate: null, leaveReason: "RESIGNED" });
    expect(tomb.leftOn).toEqual(vietnamDate(new Date()));
    expect(await prisma().member.count({ where: { unitId } })).toBe(membersBefore);
    const person = await prisma().person.findUniqueOrThrow({ where: { id: personId } });
    expect(person.erasedAt).not.toBeNull();
    expect(await prisma().chatIdentity.count({ where: { personId } })).toBe(0);
    expect(await prisma().linkCode.count({ where: { personId } })).toBe(0);
    expect(await prisma().consent.count({ where: { personId, withdrawnAt: null } })).toBe(0);
    expect(await prisma().outboxMessage.count({ where: { personId } })).toBe(1); // the sent one stays, without its text
    expect(await prisma().auditLog.count({ where: { action: "privacy.erase", targetId: personId } })).toBe(1);
    expect(await prisma().auditLog.count({ where: { action: "member.leave", targetId: member.id, actorId: chair.id } })).toBe(1);
    expect((await prisma().dataRequest.findUniqueOrThrow({ where: { id: asked.requestId } })).status).toBe("DONE");

    // Nobody else lost anything.
    const kept = await prisma().application.findUniqueOrThrow({ where: { id: other.applicationId } });
    expect(kept).toMatchObject({ fullName: "Vàng Thị Khác", phone: "+84987009999" });
    expect(await findEverywhere(prisma(), ["Vàng Thị Khác"])).toContain("WebMessage.content: 1");
    // A second decision changes nothing.
    expect(await decideErasure(prisma(), { requestId: asked.requestId, actorId: chair.id, decision: { kind: "erase" } })).toEqual({ ok: false, reason: "already_decided" });
  });

  it("erases at once a person who never became a member, withdrawing their pending application", async () => {
    const filed = await fileApplication(prisma(), { id: 7301 }, "LC-DK-CSLC", { fullName: "Lò Văn Chờ Xét", phone: "+84987003333" });
    expect(await requestErasure(prisma(), { personId: filed.personId, days: 30 })).toEqual({ kind: "erased" });
    const application = await prisma().application.findUniqueOrThrow({ where: { id: filed.applicationId } });
    expect(application).toMatchObject({ status: "WITHDRAWN", fullName: "", phone: "", decidedById: filed.personId });
    expect(await findEverywhere(prisma(), ["Lò Văn Chờ Xét", "0987003333", "+84987003333"])).toEqual([]);
    expect(await requestErasure(prisma(), { personId: filed.personId, days: 30 })).toEqual({ kind: "already_erased" });
  });

  it("purges applications rejected or abandoned longer than the retention, and keeps recent ones", async () => {
    const chair = await grant(prisma(), { id: 7100 }, "CHAIR", "LC-DK-CSLC");
    const now = new Date();
    const monthsAgo = (n: number) => new Date(now.getTime() - n * 31 * 86_400_000);
    const old = await fileApplication(prisma(), { id: 7401 }, "LC-DK-CSLC", { fullName: "Tòng Văn Cũ", phone: "+84987004401" });
    const recent = await fileApplication(prisma(), { id: 7402 }, "LC-DK-CSLC", { fullName: "Tòng Văn Mới", phone: "+84987004402" });
    const abandoned = await fileApplication(prisma(), { id: 7403 }, "LC-DK-CSLC", { fullName: "Tòng Văn Bỏ Dở", phone: "+84987004403" });
    for (const a of [old, recent]) await decideApplication(prisma(), { applicationId: a.applicationId, actorId: chair.id, decision: { kind: "reject", reason: "Không đủ điều kiện" } });
    await prisma().application.update({ where: { id: old.applicationId }, data: { decidedAt: monthsAgo(13) } });
    await prisma().application.update({ where: { id: recent.applicationId }, data: { decidedAt: monthsAgo(1) } });
    await prisma().$executeRaw`UPDATE "Application" SET "updatedAt" = ${monthsAgo(13)} WHERE id = ${abandoned.applicationId}`;

    expect(await purgeExpiredApplications(prisma(), now, 12)).toEqual({ rejected: 1, abandoned: 1 });
    expect(await prisma().application.findUniqueOrThrow({ where: { id: old.applicationId } })).toMatchObject({ fullName: "", phone: "", rejectReason: null, status: "REJECTED" });
    expect(await prisma().application.findUniqueOrThrow({ where: { id: abandoned.applicationId } })).toMatchObject({ fullName: "", status: "WITHDRAWN", decidedById: null });
    expect(await prisma().application.findUniqueOrThrow({ where: { id: recent.applicationId } })).toMatchObject({ fullName: "Tòng Văn Mới", phone: "+84987004402" });
    expect(await findEverywhere(prisma(), ["Tòng Văn Cũ", "0987004401", "Tòng Văn Bỏ Dở", "0987004403"])).toEqual([]);
    // Run again: nothing more to do.
    expect(await purgeExpiredApplications(prisma(), now, 12)).toEqual({ rejected: 0, abandoned: 0 });
  });
});
