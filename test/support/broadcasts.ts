// Test data for broadcasts: many members at once (people, Telegram identities and member records through
// createMany), and helpers to check what each recipient received.
import type { PrismaClient } from "../../src/db/database.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import type { FakeTelegram } from "../fake-telegram/server.ts";

export interface Seeded {
  personId: string;
  telegramId: number;
}

/** `count` members of a union, Telegram ids from `firstId` on. */
export async function seedMembers(
  prisma: PrismaClient,
  unitCode: string,
  count: number,
  firstId: number,
  options: { language?: "vi" | "en"; announcementsOn?: boolean } = {},
): Promise<Seeded[]> {
  const unit = await findUnitByCode(prisma, unitCode);
  if (!unit) throw new Error(`no unit ${unitCode}`);
  const people = Array.from({ length: count }, (_, i) => ({ personId: `p${firstId + i}`, telegramId: firstId + i }));
  await prisma.person.createMany({
    data: people.map((p) => ({ id: p.personId, language: options.language ?? "vi", announcementsOn: options.announcementsOn ?? true })),
  });
  await prisma.chatIdentity.createMany({
    data: people.map((p) => ({ personId: p.personId, channel: "TELEGRAM" as const, externalId: String(p.telegramId), chatId: String(p.telegramId) })),
  });
  await prisma.member.createMany({
    data: people.map((p, i) => ({ personId: p.personId, unitId: unit.id, fullName: `Đoàn viên ${firstId + i}`, searchName: `doan vien ${firstId + i}` })),
  });
  return people;
}

/** Announcements (messages carrying the stop button) each chat received, as sent. */
export function announcementsTo(fake: FakeTelegram, telegramId: number, marker?: string) {
  return fake
    .deliveredTo(telegramId)
    .filter((m) => (m.reply_markup?.inline_keyboard ?? []).flat().some((b) => "callback_data" in b && b.callback_data === "anc:off"))
    .filter((m) => !marker || (m.text ?? m.caption ?? "").includes(marker));
}

/** Resolves once every listed chat holds at least one announcement containing `marker`. */
export async function waitForAll(fake: FakeTelegram, ids: number[], marker: string, timeoutMs = 60_000) {
  const missing = () => ids.filter((id) => announcementsTo(fake, id, marker).length === 0);
  if (missing().length === 0) return;
  await fake.waitForCall((c) => c.index === fake.calls.length - 1 && missing().length === 0, timeoutMs).catch(() => {
    throw new Error(`${missing().length} of ${ids.length} recipients never got "${marker}"`);
  });
}

/** Vietnam local time "2026-05-04T10:00" as an instant. */
export const vn = (local: string) => new Date(`${local}+07:00`);

/** A clock that runs at real speed from a chosen instant; `set` jumps it. */
export function movableClock(start: Date) {
  let offset = start.getTime() - Date.now();
  return {
    now: () => new Date(Date.now() + offset),
    set(at: Date) {
      offset = at.getTime() - Date.now();
    },
  };
}

/** Polls the store until `check` holds (the outbox works in the background). */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The next instant (after now) when it is hh:00 in Vietnam. */
export function nextVietnamHour(hour: number, after = new Date()): Date {
  const H = 3_600_000;
  const local = new Date(after.getTime() + 7 * H);
  let at = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), hour) - 7 * H;
  while (at <= after.getTime()) at += 24 * H;
  return new Date(at);
}
