// Conversations of the member records: picking a union (officers search for one; chairs of several unions choose),
// recording a member leaving (reason, date, note, confirmation), and importing an existing roll from a file. Replayed
// on every update, so database and network calls go through `conversation.external` and return plain JSON.
import type { Conversation } from "@grammyjs/conversations";
import { Keyboard, type Api } from "grammy";
import { tFor, type Lang, type T } from "../../i18n/i18n.ts";
import { checkMemberImport, formatImportProblem, importMembers } from "../../membership/member-import.ts";
import {
  checkLeaveDay,
  chairedUnits,
  findMember,
  joinedDay,
  LEAVE_NOTE_MAX,
  LEAVE_REASONS,
  parseDayFirstDate,
  recordLeaving,
  searchesUnits,
  searchMemberUnits,
  type LeaveResult,
  type MemberUnit,
} from "../../membership/members.ts";
import { calendarDayToDate } from "../../membership/application-fields.ts";
import { formatMemberNumber } from "../../membership/numbers.ts";
import { authorize } from "../../policy/policy.ts";
import { MAX_FILE_BYTES } from "../../shared/spreadsheet.ts";
import { cleanText, graphemeLength, toSearchText, truncate } from "../../shared/text.ts";
import { formatCalendarDate, vietnamDay, type CalendarDay } from "../../shared/time.ts";
import type { BotContext, Deps, InnerContext } from "../context.ts";
import { FormIO, type Parsed } from "../join/form-io.ts";
import { downloadFile } from "./download.ts";
import { leftText, listScreen } from "./view.ts";

export const PICK_CONVERSATION = "members-pick";
export const LEAVE_CONVERSATION = "members-leave";
export const IMPORT_CONVERSATION = "members-import";

type Conv = Conversation<BotContext, InnerContext>;
const MAX_MB = MAX_FILE_BYTES / 1024 / 1024;
/** Lines of problems shown for a file; the rest are counted. */
const MAX_PROBLEM_LINES = 20;

async function actorOf(conversation: Conv) {
  return conversation.external((outer) => ({ personId: outer.person.id, lang: outer.lang as Lang }));
}

function parseUnitQuery(raw: string): Parsed<string> {
  const q = cleanText(raw).slice(0, 100);
  return toSearchText(q).replace(/[^a-z0-9]/g, "").length >= 2
    ? { ok: true, value: q }
    : { ok: false, error: { key: "members.pick.too_short" } };
}

/**
 * The grassroots union to work on: a chair's own (asked which when there are several); officers and admins search
 * within their scope. Null (after saying why) when the person has no such role.
 */
async function pickUnit(deps: Deps, conversation: Conv, io: FormIO, personId: string): Promise<MemberUnit | null> {
  const options = await conversation.external(async () => ({
    chaired: await chairedUnits(deps.prisma, personId),
    searches: await searchesUnits(deps.prisma, personId),
  }));
  if (!options.searches) {
    const [only] = options.chaired;
    if (!only) {
      await io.say(io.t("members.not_allowed"));
      return null;
    }
    if (options.chaired.length === 1) return only;
    const id = await io.choice(
      io.t("members.choose_unit"),
      options.chaired.map((u) => [{ value: u.id, label: truncate(u.name, 60) }]),
    );
    return options.chaired.find((u) => u.id === id) ?? null;
  }
  for (;;) {
    const query = await io.text(io.t("members.pick.ask"), parseUnitQuery);
    const found = await conversation.external(() => searchMemberUnits(deps.prisma, personId, query));
    if (found.units.length === 0) {
      await io.say(io.t("members.pick.none", { query: truncate(query, 40) }));
      continue;
    }
    const question = found.more ? `${io.t("members.pick.choose")}\n${io.t("members.pick.more")}` : io.t("members.pick.choose");
    const id = await io.choice(question, [
      ...found.units.map((u) => [{ value: u.id, label: truncate(`${u.name} (${u.code})`, 60) }]),
      [{ value: "again", label: io.t("members.pick.again") }],
    ]);
    const unit = found.units.find((u) => u.id === id);
    if (unit) return unit;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// /members for officers and admins: pick a union, then its list

export function createPickConversation(deps: Deps) {
  return async function pick(conversation: Conv, ctx: InnerContext, args?: { query?: string }) {
    const actor = await actorOf(conversation);
    const io = new FormIO(conversation, ctx, tFor(actor.lang));
    const unit = await pickUnit(deps, conversation, io, actor.personId);
    if (!unit) return;
    const screen = await conversation.external(() =>
      listScreen(deps, actor.personId, { unitId: unit.id, page: 1, includeLeft: false, query: args?.query ?? "" }, tFor(actor.lang)),
    );
    if (!screen) {
      await io.say(io.t("members.forbidden"));
      return;
    }
    await io.say(screen.text, { reply_markup: screen.reply_markup });
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Recording a member leaving

type LeaveStart =
  | { kind: "not_found" }
  | { kind: "forbidden" }
  | { kind: "left"; text: string }
  | { kind: "ok"; name: string; number: string; joined: CalendarDay };

function leaveDateParser(today: CalendarDay, joined: CalendarDay, t: T) {
  const todayWords = new Set([toSearchText(t("members.leave.today")), "hom nay", "today"]);
  return (raw: string): Parsed<CalendarDay> => {
    if (todayWords.has(toSearchText(raw).replace(/[.!]+$/, ""))) return checkLeaveDay(today, { today, joined });
    const parsed = parseDayFirstDate(raw);
    return parsed.ok ? checkLeaveDay(parsed.value, { today, joined }) : parsed;
  };
}

function noteParser(t: T) {
  const skip = new Set([toSearchText(t("members.leave.skip")), "bo qua", "skip", "-"]);
  return (raw: string): Parsed<string | null> => {
    const note = cleanText(raw);
    if (skip.has(toSearchText(note))) return { ok: true, value: null };
    if (graphemeLength(note) > LEAVE_NOTE_MAX) return { ok: false, error: { key: "members.errors.note_too_long", params: { max: LEAVE_NOTE_MAX } } };
    return { ok: true, value: note || null };
  };
}

const pad = (n: number) => String(n).padStart(2, "0");
const dayText = (d: CalendarDay) => `${pad(d.d)}/${pad(d.m)}/${d.y}`;

export function createLeaveConversation(deps: Deps) {
  return async function leave(conversation: Conv, ctx: InnerContext, memberId: string) {
    const actor = await actorOf(conversation);
    const t = tFor(actor.lang);
    const io = new FormIO(conversation, ctx, t);
    const start = await conversation.external(async (): Promise<LeaveStart> => {
      const member = typeof memberId === "string" ? await findMember(deps.prisma, memberId) : null;
      if (!member) return { kind: "not_found" };
      if (!(await authorize(deps.prisma, actor.personId, "member.leave", member.unitId))) return { kind: "forbidden" };
      if (member.leftOn) return { kind: "left", text: t("members.leave.already", { name: member.fullName, ...leftParts(member, t) }) };
      return { kind: "ok", name: member.fullName, number: formatMemberNumber(member.number), joined: joinedDay(member.joinedAt) };
    });
    if (start.kind === "not_found" || start.kind === "forbidden") {
      await io.say(t(`members.leave.refused.${start.kind}`));
      return;
    }
    if (start.kind === "left") {
      await io.say(start.text);
      return;
    }

    const reason = await io.choice(
      t("members.leave.reason_ask", { name: start.name, number: start.number }),
      LEAVE_REASONS.map((r) => [{ value: r, label: t(`members.reason.${r}`) }]),
    );
    const today = vietnamDay(await conversation.now());
    const day = await io.text(t("members.leave.date_ask", { example: dayText(today) }), leaveDateParser(today, start.joined, t), {
      keyboard: new Keyboard().text(t("members.leave.today")).resized().oneTime(),
    });
    const note = await io.text(t("members.leave.note_ask", { max: LEAVE_NOTE_MAX }), noteParser(t), {
      keyboard: new Keyboard().text(t("members.leave.skip")).resized().oneTime(),
    });
    const summary = t("members.leave.confirm_ask", {
      name: start.name,
      number: start.number,
      reason: t(`members.reason.${reason}`),
      date: dayText(day),
      note: note ?? t("members.detail.unknown"),
    });
    const confirmed = await io.choice(summary, [
      [{ value: "yes", label: t("members.leave.confirm") }],
      [{ value: "no", label: t("members.leave.cancel") }],
    ]);
    if (confirmed !== "yes") {
      await io.say(t("members.leave.cancelled"), { reply_markup: { remove_keyboard: true } });
      return;
    }
    const result = await conversation.external(async () => {
      const recorded: LeaveResult = await recordLeaving(deps.prisma, {
        actorId: actor.personId,
        memberId,
        reason,
        leftOn: calendarDayToDate(day),
        note,
      });
      return recorded.ok ? { ok: true as const } : { ok: false as const, reason: recorded.reason };
    });
    const text = result.ok
      ? t("members.leave.done", { name: start.name, number: start.number, date: dayText(day), reason: t(`members.reason.${reason}`) })
      : t(`members.leave.refused.${result.reason}`);
    await io.say(text, { reply_markup: { remove_keyboard: true } });
  };
}

function leftParts(member: Parameters<typeof leftText>[0], t: T) {
  return {
    reason: member.leaveReason ? t(`members.reason.${member.leaveReason}`) : t("members.detail.unknown"),
    date: member.leftOn ? formatCalendarDate(new Date(member.leftOn)) : t("members.detail.unknown"),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Importing an existing roll


/** Problems the person can fix by sending another file. */
const FIXABLE = new Set(["file", "columns", "no_rows", "rows"]);

export function createImportConversation(deps: Deps) {
  /** The file's bytes, or null when the channel would not give them (logged without the URL, which holds the token). */
  const download = async (api: Api, fileId: string): Promise<Buffer | null> => {
    try {
      return await downloadFile(deps, api, fileId, MAX_FILE_BYTES);
    } catch (error) {
      deps.logger.warn({ errName: error instanceof Error ? error.name : typeof error }, "member file not downloaded");
      return null;
    }
  };
  return async function importRoll(conversation: Conv, ctx: InnerContext) {
    const actor = await actorOf(conversation);
    const t = tFor(actor.lang);
    const io = new FormIO(conversation, ctx, t);
    const unit = await pickUnit(deps, conversation, io, actor.personId);
    if (!unit) return;
    const allowed = await conversation.external(() => authorize(deps.prisma, actor.personId, "member.import", unit.id));
    if (!allowed) {
      await io.say(t("members.import.refused.forbidden"));
      return;
    }
    const askFile = t("members.import.ask_file", { unit: unit.name, maxMb: MAX_MB });
    await io.say(askFile);

    for (;;) {
      const document = await io.document(io.t("members.import.file_expected"), askFile);
      if (document.size > MAX_FILE_BYTES) {
        await io.say(t("members.import.too_large", { maxMb: MAX_MB }));
        continue;
      }
      const checked = await conversation.external(async (outer) => {
        const file = await download(outer.api, document.fileId);
        if (!file) return { downloaded: false as const };
        return { downloaded: true as const, check: await checkMemberImport(deps.prisma, { unitId: unit.id, file, fileName: document.fileName }) };
      });
      if (!checked.downloaded) {
        await io.say(t("members.import.download_failed"));
        continue;
      }
      const check = checked.check;
      if (!check.ok) {
        const text = formatImportProblem(check, t, MAX_PROBLEM_LINES) ?? "";
        if (FIXABLE.has(check.reason)) {
          await io.say(`${text}\n\n${t("members.import.send_again")}`);
          continue;
        }
        await io.say(text);
        return;
      }
      if (check.created === 0) {
        await io.say(t("members.import.nothing_new", { unchanged: check.unchanged, unit: unit.name }));
        return;
      }
      const confirmed = await io.choice(
        t("members.import.preview", { total: check.total, created: check.created, unchanged: check.unchanged, unit: unit.name }),
        [[{ value: "yes", label: t("members.import.confirm", { created: check.created }) }], [{ value: "no", label: t("members.import.cancel") }]],
      );
      if (confirmed !== "yes") {
        await io.say(t("members.import.cancelled"));
        return;
      }
      const result = await conversation.external(async (outer) => {
        const file = await download(outer.api, document.fileId);
        if (!file) return { downloaded: false as const };
        const imported = await importMembers(deps.prisma, { actorId: actor.personId, unitId: unit.id, file, fileName: document.fileName });
        return { downloaded: true as const, result: imported };
      });
      if (!result.downloaded) {
        await io.say(t("members.import.download_failed"));
        continue;
      }
      if (result.result.ok) {
        await io.say(t("members.import.done", { created: result.result.created, unchanged: result.result.unchanged, unit: unit.name }));
      } else {
        await io.say(formatImportProblem(result.result, t, MAX_PROBLEM_LINES) ?? "");
      }
      return;
    }
  };
}
