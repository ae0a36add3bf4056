// A wave's member-facing texts: at the start of the demo campaign's first wave, the members of the grassroots unions
// under the issuing province receive the wave's announcement (Vietnamese, as the province wrote it, under a heading in
// the member's language) once; members who left, turned reminders off, were imported without a chat, or blocked the bot
// get nothing; a chair who is also a member gets the chairs' text only. Half-time brings a short member text; a
// campaign can switch the members' text of a milestone off. Nothing in quiet hours. Members' texts go through the
// broadcast outbox (the app's sender, on a clock the test moves), each with the stop button.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendDueReminders } from "../../src/bot/reminders/send.ts";
import { DEMO_CAMPAIGN, loadDriveDemo } from "../../src/drive/demo.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { findOrCreatePerson } from "../../src/people/people.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { movableClock, until } from "../support/broadcasts.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const en = tFor("en");
const vn = (local: string) => new Date(`${local}+07:00`);

const CHAIR: TestUser = { id: 7701, first_name: "Chủ tịch" };
const MEMBER: TestUser = { id: 7702, first_name: "Lan" };
const MEMBER_EN: TestUser = { id: 7703, first_name: "Anna", language_code: "en" };
const LEFT: TestUser = { id: 7704, first_name: "Đã nghỉ" };
const OFF: TestUser = { id: 7705, first_name: "Tắt nhắc" };
const BLOCKED: TestUser = { id: 7706, first_name: "Chặn bot" };

const WAVE1 = DEMO_CAMPAIGN.input.waves[0]!;
const CAMPAIGN_NAME = DEMO_CAMPAIGN.input.name;
const params = { wave: WAVE1.name, campaign: CAMPAIGN_NAME, from: "01/05/2026", to: "31/05/2026", days: 3 };

describe("wave announcements to members", () => {
  let h: Harness;
  const clock = movableClock(vn("2026-04-30T12:00"));
  /** The reminder job at `at`, with the app's outbox sender on the same clock. */
  const runAt = (at: Date) => {
    clock.set(at);
    return sendDueReminders(deps(), at);
  };
  const deps = () => ({ api: h.app.bot.api, prisma: h.db.prisma, logger: h.app.logger, botUsername: () => h.app.bot.botInfo.username });
  const texts = (user: TestUser) => h.fake.deliveredTo(user).map((m) => m.text ?? "");

  async function member(user: TestUser, unitCode: string, extra: { leftOn?: Date } = {}) {
    const unit = (await findUnitByCode(h.db.prisma, unitCode))!;
    const person = await findOrCreatePerson(h.db.prisma, { channel: "TELEGRAM", externalId: String(user.id), chatId: String(user.id) }, user.language_code === "en" ? "en" : "vi");
    await h.db.prisma.member.create({ data: { personId: person.id, unitId: unit.id, fullName: user.first_name ?? "", searchName: (user.first_name ?? "").toLowerCase(), ...extra } });
    return person;
  }

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn", app: { clock: clock.now, broadcastTuning: { idleMs: 200 } } });
    await loadDemo(h.db.prisma);
    await loadDriveDemo(h.db.prisma);
    await grant(h.db.prisma, CHAIR, "CHAIR", "LC-DK-CSLC");
    await member(CHAIR, "LC-DK-CSLC");
    await member(MEMBER, "LC-DK-CSLC");
    await member(MEMBER_EN, "LC-PT-NN2");
    await member(LEFT, "LC-DK-CSLC", { leftOn: new Date(Date.UTC(2026, 2, 1)) });
    const off = await member(OFF, "LC-DK-AGR");
    await h.db.prisma.person.update({ where: { id: off.id }, data: { remindersOn: false } });
    await member(BLOCKED, "LC-DK-AGR");
    const unit = (await findUnitByCode(h.db.prisma, "LC-DK-CSLC"))!;
    await h.db.prisma.member.create({ data: { unitId: unit.id, fullName: "Imported without chat", searchName: "imported" } });
  });
  afterAll(() => h?.close());

  it("sends the wave's announcement to each reachable member once, at the wave-start time and not in quiet hours", async () => {
    h.fake.blockBot(BLOCKED);
    // Each text ends with the member's own union's join link, to forward to colleagues.
    const joinLine = async (t: typeof vi, code: string) =>
      t("reminders.member.join_link", { unit: (await findUnitByCode(h.db.prisma, code))!.name, link: `https://t.me/${h.app.bot.botInfo.username}?start=${code}` });
    const viText = `${vi("reminders.member.heading", params)}\n\n${WAVE1.announcement}\n\n${await joinLine(vi, "LC-DK-CSLC")}`;
    const enText = `${en("reminders.member.heading", params)}\n\n${WAVE1.announcement}\n\n${await joinLine(en, "LC-PT-NN2")}`;

    expect(await runAt(vn("2026-04-30T22:00"))).toMatchObject({ queued: 0 });
    expect(await runAt(vn("2026-05-01T06:59"))).toMatchObject({ queued: 0 });

    const result = await runAt(vn("2026-05-01T08:00"));
    // MEMBER and MEMBER_EN: BLOCKED is known unreachable already (Telegram tells the bot when someone blocks it).
    expect(result.queued).toBe(2);
    const got = await new Chat(h.fake, MEMBER).expect(viText, 15_000);
    expect(JSON.stringify(got.reply_markup)).toContain(vi("broadcasts.stop_button"));
    await new Chat(h.fake, MEMBER_EN, "en").expect(enText, 15_000);
    expect(await runAt(vn("2026-05-01T08:15"))).toMatchObject({ sent: 0, unreachable: 0, queued: 0 });
    const broadcast = await h.db.prisma.broadcast.findUniqueOrThrow({ where: { sourceKey: `wave_start:${(await h.db.prisma.wave.findFirstOrThrow({ where: { name: WAVE1.name } })).id}` } });
    await until(async () => (await h.db.prisma.broadcast.findUniqueOrThrow({ where: { id: broadcast.id } })).status === "DONE", "the members' texts to be sent");
    expect(broadcast).toMatchObject({ authorId: null, recipientCount: 2, urgent: false });
    // A member who joins later that day gets it at the next run: the finished broadcast sends again, for them only.
    const late: TestUser = { id: 7707, first_name: "Mới vào" };
    await member(late, "LC-DK-CSLC");
    expect(await runAt(vn("2026-05-01T10:00"))).toMatchObject({ queued: 1 });
    await new Chat(h.fake, late).expect(String(WAVE1.announcement), 15_000);
    await until(async () => (await h.db.prisma.broadcast.findUniqueOrThrow({ where: { id: broadcast.id } })).status === "DONE", "the late member's text to be sent");
    expect((await h.db.prisma.broadcast.findUniqueOrThrow({ where: { id: broadcast.id } })).recipientCount).toBe(3);
    // The province's officers see it in /broadcasts, said to be the bot's own.
    const officer = { id: 7708, first_name: "Cán bộ tỉnh" };
    await grant(h.db.prisma, officer, "OFFICER", "LC");
    await new Chat(h.fake, officer).answer("/broadcasts", vi("broadcasts.by_bot", { label: vi("reminders.member.heading", params) }));

    expect(texts(MEMBER).filter((t) => t === viText)).toHaveLength(1);
    expect(texts(LEFT)).toEqual([]);
    expect(texts(OFF)).toEqual([]);
    expect(texts(BLOCKED)).toEqual([]);
    const blocked = await h.db.prisma.chatIdentity.findFirstOrThrow({ where: { externalId: String(BLOCKED.id) }, include: { person: true } });
    expect(blocked.person.unreachableAt).not.toBeNull();
    // The chair hears about the wave as chair, not a second time as member.
    const chairText = vi("reminders.message.wave_start", { ...params, unit: "Công đoàn Công ty Cổ phần Cao su Lai Châu" });
    expect(texts(CHAIR).filter((t) => t === chairText)).toHaveLength(1);
    expect(texts(CHAIR).filter((t) => t === viText)).toHaveLength(0);
    expect(result.failed).toBe(0);
  });

  it("sends members a short text at half-time, and none for a milestone the campaign switched off for members", async () => {
    const unit = "Công đoàn Công ty Cổ phần Cao su Lai Châu";
    await runAt(vn("2026-05-16T08:00"));
    const half = await new Chat(h.fake, MEMBER).expect(vi("reminders.member.wave_half", { ...params, unit }), 15_000);
    expect(half.text).toContain(`?start=LC-DK-CSLC`);

    await h.db.prisma.campaign.update({ where: { code: DEMO_CAMPAIGN.input.code }, data: { reminders: { waveEnding: { members: false } } } });
    await runAt(vn("2026-05-28T08:00"));
    await new Chat(h.fake, CHAIR).expect(vi("reminders.message.wave_ending", { ...params, unit }));
    expect(texts(MEMBER).filter((t) => t === vi("reminders.member.wave_ending", { ...params, unit }))).toHaveLength(0);
  });
});
