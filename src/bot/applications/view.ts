// How the waiting applications look on a cheap phone: short lines (name and reference, then date and days waiting,
// then the union when the viewer oversees several), a numbered button per application opening its decision card,
// ◀ ▶ between pages. Button data only says what was pressed: every press asks the domain (and so the policy) again.
import { InlineKeyboard } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { PrismaClient } from "../../db/database.ts";
import type { T } from "../../i18n/i18n.ts";
import { formatApplicationRef } from "../../membership/numbers.ts";
import { daysWaiting, pendingApplications, PENDING_PAGE_SIZE, type PendingItem } from "../../membership/pending.ts";
import { formatVietnamDate } from "../../shared/time.ts";
import { truncate } from "../../shared/text.ts";

/** A page of the list: apl:<page>, turned in place; apl:new (a reminder's button) sends the first page as a new message. */
export const LIST_DATA = /^apl:(\d{1,5}|new)$/;
/** One application's decision card: apo:<application id>. */
export const OPEN_DATA = /^apo:([a-z0-9]{20,32})$/;

export const listData = (page: number) => `apl:${Math.max(1, Math.min(99_999, page))}`;
export const openData = (applicationId: string) => `apo:${applicationId}`;

/** The button under reminders of waiting applications: the first page of /applications. */
export function applicationsButton(t: T): InlineKeyboard {
  return new InlineKeyboard().text(t("applications.open_list"), "apl:new");
}

export interface Screen {
  text: string;
  reply_markup: InlineKeyboardMarkup;
}

const MAX_NAME = 40;
/** Union names tell each other apart at their end ("Công đoàn Công ty Cổ phần …"): cut late. */
const MAX_UNIT = 64;

function lines(no: number, a: PendingItem, wide: boolean, now: Date, t: T): string {
  const days = daysWaiting(a.createdAt, now);
  const out = [
    t("applications.list.line", { no, name: truncate(a.fullName, MAX_NAME), ref: formatApplicationRef(a.ref) }),
    t("applications.list.since", {
      date: formatVietnamDate(a.createdAt),
      waiting: days === 0 ? t("applications.list.today") : t("applications.list.days", { count: days }),
    }),
  ];
  if (wide) out.push(t("applications.list.unit", { unit: truncate(a.unitName, MAX_UNIT) }));
  return out.join("\n");
}

/** A page of the waiting applications the person may see, or null when they may see none (the refusal is audited). */
export async function listScreen(prisma: PrismaClient, personId: string, page: number, t: T, now = new Date()): Promise<Screen | null> {
  const result = await pendingApplications(prisma, { actorId: personId, page });
  if (!result.ok) return null;
  const keyboard = new InlineKeyboard();
  if (result.total === 0) return { text: t("applications.list.empty"), reply_markup: { inline_keyboard: [] } };
  const first = (result.page - 1) * PENDING_PAGE_SIZE + 1;
  const text = [
    t("applications.list.title"),
    t("applications.list.count", { count: result.total, page: result.page, pages: result.pages }),
    "",
    result.items.map((a, i) => lines(first + i, a, result.wide, now, t)).join("\n\n"),
    "",
    t("applications.list.hint"),
  ].join("\n");
  result.items.forEach((a, i) => {
    if (i > 0 && i % 4 === 0) keyboard.row();
    keyboard.text(String(first + i), openData(a.id));
  });
  keyboard.row();
  if (result.page > 1) keyboard.text(t("applications.list.prev"), listData(result.page - 1));
  if (result.page < result.pages) keyboard.text(t("applications.list.next"), listData(result.page + 1));
  return { text, reply_markup: { inline_keyboard: keyboard.inline_keyboard.filter((row) => row.length > 0) } };
}
