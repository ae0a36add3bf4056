// How member lists and member details look on a phone screen, and the button data behind them. Button data is only
// ever a hint of what was pressed: every press looks the union or member up again and asks the policy again.
import { InlineKeyboard } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { T } from "../../i18n/i18n.ts";
import { formatPhoneForDisplay } from "../../membership/application-fields.ts";
import { DEFAULT_PAGE_SIZE, listMembers, normaliseMemberQuery, type MemberView } from "../../membership/members.ts";
import { formatMemberNumber } from "../../membership/numbers.ts";
import { authorize } from "../../policy/policy.ts";
import { formatCalendarDate, formatVietnamDate } from "../../shared/time.ts";
import { truncate } from "../../shared/text.ts";
import type { Deps } from "../context.ts";

/** A page of a union's list: ml:<unit id>:<page>:<1 = with those who left>:<search form of the query>. */
export const LIST_DATA = /^ml:([a-z0-9]{20,32}):(\d{1,5}):([01]):([a-z0-9 ]{0,24})$/;
/** A member's details, and the start of recording them leaving. */
export const DETAIL_DATA = /^md:([a-z0-9]{20,32})$/;
export const LEAVE_DATA = /^mx:([a-z0-9]{20,32})$/;

export interface ListState {
  unitId: string;
  page: number;
  includeLeft: boolean;
  query: string;
}

export function listData(s: ListState): string {
  return `ml:${s.unitId}:${Math.max(1, Math.min(99_999, s.page))}:${s.includeLeft ? 1 : 0}:${normaliseMemberQuery(s.query)}`;
}

export function parseListData(data: string): ListState | null {
  const m = LIST_DATA.exec(data);
  if (!m || !m[1]) return null;
  return { unitId: m[1], page: Number(m[2]), includeLeft: m[3] === "1", query: m[4] ?? "" };
}

/** Plain JSON (it goes through conversation storage): text and inline keyboard. */
export interface Screen {
  text: string;
  reply_markup: InlineKeyboardMarkup;
}

const MAX_NAME = 40;

function line(no: number, m: MemberView, t: T): string {
  const phone = m.phone ? formatPhoneForDisplay(m.phone) : t("members.list.no_phone");
  const left = m.leftOn ? ` – ${t("members.list.left_mark")}` : "";
  return `${no}. ${truncate(m.fullName, MAX_NAME)} – ${formatMemberNumber(m.number)} – ${phone}${left}`;
}

/**
 * A page of the member list of a union, or null when the person may not see it (the refusal is audited). The page
 * number is clamped, so a stale ▶ after members left shows the last page rather than nothing.
 */
export async function listScreen(deps: Deps, personId: string, state: ListState, t: T): Promise<Screen | null> {
  if (!(await authorize(deps.prisma, personId, "member.list", state.unitId))) return null;
  const unit = await deps.prisma.unit.findUnique({ where: { id: state.unitId }, select: { name: true } });
  if (!unit) return null;
  const query = normaliseMemberQuery(state.query);
  const result = await listMembers(deps.prisma, { unitId: state.unitId, query, page: state.page, includeLeft: state.includeLeft });
  const lines = [t("members.list.title", { unit: unit.name })];
  if (query) lines.push(t("members.list.search", { query }));
  if (result.total === 0) {
    lines.push("", query ? t("members.list.empty_search", { query }) : t("members.list.empty"));
  } else {
    const countKey = state.includeLeft ? "members.list.count_with_left" : "members.list.count";
    lines.push(t(countKey, { count: result.total, page: result.page, pages: result.pages }), "");
    const first = (result.page - 1) * DEFAULT_PAGE_SIZE + 1;
    result.items.forEach((m, i) => lines.push(line(first + i, m, t)));
    lines.push("", t("members.list.hint"));
  }

  const keyboard = new InlineKeyboard();
  const first = (result.page - 1) * DEFAULT_PAGE_SIZE + 1;
  result.items.forEach((m, i) => {
    if (i > 0 && i % 5 === 0) keyboard.row();
    keyboard.text(String(first + i), `md:${m.id}`);
  });
  keyboard.row();
  const at = { ...state, query };
  if (result.page > 1) keyboard.text(t("members.list.prev"), listData({ ...at, page: result.page - 1 }));
  if (result.page < result.pages) keyboard.text(t("members.list.next"), listData({ ...at, page: result.page + 1 }));
  keyboard.row();
  keyboard.text(
    t(state.includeLeft ? "members.list.hide_left" : "members.list.show_left"),
    listData({ ...at, includeLeft: !state.includeLeft, page: 1 }),
  );
  return { text: lines.join("\n"), reply_markup: { inline_keyboard: keyboard.inline_keyboard } };
}

/** A member's record, with the button to record leaving while they are a member. */
export function detailScreen(m: MemberView, t: T): Screen {
  const unknown = t("members.detail.unknown");
  const lines = [
    t("members.detail.text", {
      name: m.fullName,
      number: formatMemberNumber(m.number),
      birthDate: m.birthDate ? formatCalendarDate(new Date(m.birthDate)) : unknown,
      sex: m.sex ? t(`members.sex.${m.sex}`) : unknown,
      phone: m.phone ? formatPhoneForDisplay(m.phone) : unknown,
      joined: formatVietnamDate(new Date(m.joinedAt)),
      source: t(`members.source.${m.source}`),
    }),
  ];
  if (m.leftOn) lines.push("", leftText(m, t));
  if (m.leftOn && m.leaveNote) lines.push(t("members.detail.left_note", { note: m.leaveNote }));
  const keyboard = new InlineKeyboard();
  if (!m.leftOn) keyboard.text(t("members.detail.leave"), `mx:${m.id}`).row();
  keyboard.text(t("members.detail.back"), listData({ unitId: m.unitId, page: 1, includeLeft: false, query: "" }));
  return { text: lines.join("\n"), reply_markup: { inline_keyboard: keyboard.inline_keyboard } };
}

/** "Đã giảm (Nghỉ việc, 03/03/2026)". */
export function leftText(m: Pick<MemberView, "leftOn" | "leaveReason">, t: T): string {
  return t("members.detail.left", {
    reason: m.leaveReason ? t(`members.reason.${m.leaveReason}`) : t("members.detail.unknown"),
    date: m.leftOn ? formatCalendarDate(new Date(m.leftOn)) : t("members.detail.unknown"),
  });
}
