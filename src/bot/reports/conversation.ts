// /report: the weekly report of a union, asked one number at a time. The bot offers what it already knows as a
// "Keep …" button; any answer is a whole number (digits, or grouped "1.200"); "12x", "-3", "2,5" and numbers above
// MAX_NUMBER are refused, each with its own reason, and the same question again. The sanity checks (domain:
// checkReport) run before the summary: each problem names every answer in conflict with its value, and the chair
// changes whichever of them is wrong; the checks then run again, every other answer kept. The summary (with the
// derived net increase) offers to change any single answer and comes back. Replayed on every update: database calls
// go through `conversation.external` and return plain JSON.
import type { Conversation } from "@grammyjs/conversations";
import { Keyboard } from "grammy";
import { z } from "zod";
import {
  addWeeks,
  answerValue,
  checkReport,
  dayFromIso,
  DIFFICULTIES_MAX,
  LEAVE_REASONS,
  netIncrease,
  prefill,
  submitReport,
  suggestedDraft,
  weekOf,
  type NumberField,
  type ReportContext,
  type ReportDraft,
  type ReportField,
  type ReportProblem,
  type SubmitResult,
} from "../../drive/reports.ts";
import type { LeaveReason } from "../../generated/prisma/client.ts";
import { numberFormat, tFor, type Lang, type T } from "../../i18n/i18n.ts";
import { authorize } from "../../policy/policy.ts";
import { cleanText, toSearchText, truncate } from "../../shared/text.ts";
import type { BotContext, Deps, InnerContext } from "../context.ts";
import { FormIO, type Parsed } from "../join/form-io.ts";

export const REPORT_CONVERSATION = "report";
type Conv = Conversation<BotContext, InnerContext>;

/** The largest number accepted anywhere in a report. */
export const MAX_NUMBER = 10_000_000;
/** A count: a whole number from 0 to MAX_NUMBER. Its failures name the bound that was crossed. */
const COUNT = z.number().int().min(0).max(MAX_NUMBER);
/** Digits grouped by thousands with one separator, as people write them: "1.200", "1 200", "1,200". */
const GROUPED = /^\d{1,3}(?:([., ])\d{3})(?:\1\d{3})*$/;
/** A number with a fractional part: "2,5", "2.5". */
const DECIMAL = /^\d+[.,]\d+$/;

/**
 * A typed number, read as people write it: an optional sign, digits possibly grouped by thousands, or a decimal.
 * NaN when it is not a number at all.
 */
function readNumber(raw: string): number {
  const text = raw.trim().replace(/^([+\-−])\s+/, "$1");
  const sign = /^[\-−]/.test(text) ? -1 : 1;
  const body = text.replace(/^[+\-−]/, "");
  if (/^\d+$/.test(body)) return sign * (body.length > 15 ? Infinity : Number(body));
  if (GROUPED.test(body)) return sign * Number(body.replace(/[., ]/g, ""));
  if (DECIMAL.test(body)) return sign * Number(body.replace(",", "."));
  return Number.NaN;
}

/** The answer to a number question: a count, or the reason it is not one ("-3" is negative, 100000000 too large). */
export function parseCount(raw: string): Parsed<number> {
  const text = truncate(cleanText(raw), 20);
  const value = readNumber(raw);
  if (Number.isNaN(value)) return { ok: false, error: { key: "reports.errors.not_number", params: { text, max: MAX_NUMBER } } };
  if (value === -Infinity) return { ok: false, error: { key: "reports.errors.negative" } };
  if (value === Infinity) return { ok: false, error: { key: "reports.errors.too_large", params: { max: MAX_NUMBER } } };
  const parsed = COUNT.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data + 0 }; // "-0" is 0
  const issue = parsed.error.issues[0];
  if (issue?.code === "too_small") return { ok: false, error: { key: "reports.errors.negative" } };
  if (issue?.code === "too_big") return { ok: false, error: { key: "reports.errors.too_large", params: { max: MAX_NUMBER } } };
  return { ok: false, error: { key: "reports.errors.not_whole", params: { text } } };
}

interface UnitOption {
  id: string;
  name: string;
}

const pad = (n: number) => String(n).padStart(2, "0");
const dayMonth = (d: Date) => `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}`;
export function weekRange(weekStart: Date): string {
  return `${dayMonth(weekStart)}–${dayMonth(new Date(addWeeks(weekStart, 1).getTime() - 86_400_000))}`;
}

/** Chairs' and deputies' own unions, any level. */
async function ownUnits(deps: Deps, personId: string): Promise<UnitOption[]> {
  const grants = await deps.prisma.roleGrant.findMany({
    where: { personId, role: { in: ["CHAIR", "DEPUTY_CHAIR"] }, unitId: { not: null }, unit: { closedAt: null } },
    select: { unit: { select: { id: true, name: true } } },
  });
  const byId = new Map<string, UnitOption>();
  for (const g of grants) if (g.unit) byId.set(g.unit.id, g.unit);
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name, "vi"));
}

function numberParser(t: T, keep: number | undefined) {
  const keepText = keep === undefined ? undefined : toSearchText(t("reports.keep", { value: keep }));
  return (raw: string): Parsed<number> => {
    if (keepText !== undefined && toSearchText(raw) === keepText) return { ok: true, value: keep! };
    return parseCount(raw);
  };
}

function difficultiesParser(t: T) {
  const skip = new Set([toSearchText(t("reports.skip")), "bo qua", "skip", "-", "khong"]);
  return (raw: string): Parsed<string | null> => {
    const text = cleanText(raw);
    if (skip.has(toSearchText(text))) return { ok: true, value: null };
    if ([...text].length > DIFFICULTIES_MAX) return { ok: false, error: { key: "reports.errors.too_long", params: { max: DIFFICULTIES_MAX } } };
    return { ok: true, value: text || null };
  };
}

const keyboardOf = (text: string) => new Keyboard().text(text).resized().oneTime();

/** What a question is about, for the summary and for the problems. */
const label = (t: T, field: ReportField) => t(`reports.field.${field}`);

/**
 * An answer with its value, formatted for the language: "Tổng số đoàn viên (1.028)" inline (problems, buttons),
 * "Tổng số đoàn viên: 1.028" as a line (summary, edit menu). The free text shows itself only as a line.
 */
function answerText(t: T, lang: Lang, draft: ReportDraft, field: ReportField, shape: "inline" | "line"): string {
  const value = answerValue(draft, field);
  const shown = value === null ? (draft.difficulties ?? "—") : numberFormat(lang).format(value);
  if (shape === "line") return t("reports.answer", { field: label(t, field), value: shown });
  return value === null ? label(t, field) : t("reports.answer_inline", { field: label(t, field), value: shown });
}

export function createReportConversation(deps: Deps) {
  return async function report(conversation: Conv, ctx: InnerContext, givenUnitId?: string) {
    const actor = await conversation.external((outer) => ({ personId: outer.person.id, lang: outer.lang as Lang }));
    const t = tFor(actor.lang);
    const io = new FormIO(conversation, ctx, t);

    // The union: from a reminder's button (authorized again), or the chair's own.
    let unit: UnitOption | null = null;
    if (typeof givenUnitId === "string") {
      unit = await conversation.external(async () => {
        const found = await deps.prisma.unit.findUnique({ where: { id: givenUnitId }, select: { id: true, name: true, closedAt: true } });
        if (!found || found.closedAt || !(await authorize(deps.prisma, actor.personId, "report.submit", found.id))) return null;
        return { id: found.id, name: found.name };
      });
      if (!unit) return io.say(t("reports.not_allowed"));
    } else {
      const units = await conversation.external(() => ownUnits(deps, actor.personId));
      if (units.length === 0) return io.say(t("reports.not_chair"));
      if (units.length === 1) unit = units[0]!;
      else {
        const id = await io.choice(t("reports.choose_unit"), units.map((u) => [{ value: u.id, label: truncate(u.name, 60) }]));
        unit = units.find((u) => u.id === id) ?? null;
        if (!unit) return;
      }
    }
    const unitId = unit.id;

    // The week: this one or the previous one.
    const thisWeekIso = await conversation.external(() => weekOf(new Date()).toISOString().slice(0, 10));
    const thisWeek = dayFromIso(thisWeekIso);
    const lastWeek = addWeeks(thisWeek, -1);
    const pickedWeek = await io.choice(t("reports.week_ask", { unit: unit.name }), [
      [{ value: "this", label: t("reports.week_this", { range: weekRange(thisWeek) }) }],
      [{ value: "last", label: t("reports.week_last", { range: weekRange(lastWeek) }) }],
    ]);
    const weekStart = pickedWeek === "last" ? lastWeek : thisWeek;
    const weekIso = weekStart.toISOString().slice(0, 10);

    const found = await conversation.external(() => prefill(deps.prisma, unitId, dayFromIso(weekIso)));
    if (!found) return io.say(t("reports.not_allowed"));
    let context: ReportContext = found;
    await io.say(prefillText(t, actor.lang, context, weekStart));

    const suggested = suggestedDraft(context);
    const draft: ReportDraft = {
      admitted: 0, reduced: 0, reductions: {}, totalMembers: 0, totalWorkers: 0, newGrassroots: 0, newGrassrootsWorkers: 0,
      newGrassrootsMembers: 0, partyIntroduced: 0, partyAdmitted: 0, propagandaSessions: 0, propagandaParticipants: 0, difficulties: null,
    };
    const answered = new Set<ReportField>();
    const lang = actor.lang;

    const askNumber = async (field: NumberField) => {
      const offer = answered.has(field) ? draft[field] : suggested[field];
      const question = t(`reports.ask.${field}`);
      draft[field] = await io.text(question, numberParser(t, offer), offer === undefined ? {} : { keyboard: keyboardOf(t("reports.keep", { value: offer })) });
      answered.add(field);
    };
    const askReductions = async () => {
      const reductions: Partial<Record<LeaveReason, number>> = {};
      if (draft.reduced > 0) {
        await io.say(t("reports.reductions_intro", { reduced: draft.reduced }));
        for (const reason of LEAVE_REASONS) {
          const offer = answered.has("reductions") ? (draft.reductions[reason] ?? 0) : (context.leavers[reason] ?? 0);
          const question = t("reports.ask.reduction", { reason: t(`members.reason.${reason}`) });
          const n = await io.text(question, numberParser(t, offer), { keyboard: keyboardOf(t("reports.keep", { value: offer })) });
          if (n > 0) reductions[reason] = n;
        }
      }
      draft.reductions = reductions;
      answered.add("reductions");
    };
    const askDifficulties = async () => {
      draft.difficulties = await io.text(t("reports.ask.difficulties", { max: DIFFICULTIES_MAX }), difficultiesParser(t), {
        keyboard: keyboardOf(t("reports.skip")),
      });
      answered.add("difficulties");
    };
    /**
     * Asks one answer (again). The number reduced brings its reasons when they no longer add up; a number of new
     * unions brings their workers and members when there were none before. Every other answer stays as it is.
     */
    const ask = async (field: ReportField) => {
      if (field === "reductions") return askReductions();
      if (field === "difficulties") return askDifficulties();
      if (field === "reduced") {
        await askNumber("reduced");
        if (draft.reduced === 0) {
          draft.reductions = {};
          answered.add("reductions");
          return;
        }
        if (!answered.has("reductions") || answerValue(draft, "reductions") !== draft.reduced) return askReductions();
        return;
      }
      if (field === "newGrassroots") {
        const before = answered.has("newGrassroots") ? draft.newGrassroots : 0;
        await askNumber("newGrassroots");
        if (draft.newGrassroots === 0) {
          draft.newGrassrootsWorkers = 0;
          draft.newGrassrootsMembers = 0;
          return;
        }
        if (before > 0) return;
        await askNumber("newGrassrootsWorkers");
        return askNumber("newGrassrootsMembers");
      }
      return askNumber(field);
    };

    const newUnions = !context.unit.grassroots;
    const steps: ReportField[] = [
      "admitted", "reduced", "totalMembers", "totalWorkers",
      ...(newUnions ? (["newGrassroots"] as ReportField[]) : []),
      "partyIntroduced", "partyAdmitted", "propagandaSessions", "propagandaParticipants", "difficulties",
    ];
    for (const step of steps) await ask(step);

    /** Every answer that can be changed from the summary, in the order they were asked. */
    const editable = (): ReportField[] => [
      "admitted", "reduced",
      ...(draft.reduced > 0 ? (["reductions"] as ReportField[]) : []),
      "totalMembers", "totalWorkers",
      ...(newUnions ? (["newGrassroots"] as ReportField[]) : []),
      ...(newUnions && draft.newGrassroots > 0 ? (["newGrassrootsWorkers", "newGrassrootsMembers"] as ReportField[]) : []),
      "partyIntroduced", "partyAdmitted", "propagandaSessions", "propagandaParticipants", "difficulties",
    ];

    for (;;) {
      const problems = checkReport(draft, context);
      const blocking = problems.filter((p) => !p.warning);
      if (blocking.length > 0) {
        // Name every answer in conflict, and offer to change any of them: no answer is forced, none is lost.
        await io.say(problemsText(t, lang, draft, blocking, "reports.problems_title"));
        const fields = [...new Set(blocking.flatMap((p) => p.fields))];
        const fix = await io.choice(t("reports.fix_ask"), [
          ...fields.map((f) => [{ value: f, label: t("reports.fix", { answer: answerText(t, lang, draft, f, "inline") }) }]),
          [{ value: "cancel", label: t("reports.cancel") }],
        ]);
        if (fix === "cancel") return io.say(t("reports.cancelled"), { reply_markup: { remove_keyboard: true } });
        await ask(fix);
        continue;
      }
      const warnings = problems.filter((p) => p.warning);
      const summary =
        summaryText(t, lang, draft, context, unit.name, weekStart) +
        (warnings.length > 0 ? `\n\n${problemsText(t, lang, draft, warnings, "reports.warnings_title")}` : "");
      const next = await io.choice(summary, [
        [{ value: "confirm", label: t("reports.confirm") }],
        [{ value: "edit", label: t("reports.edit") }],
        [{ value: "cancel", label: t("reports.cancel") }],
      ]);
      if (next === "cancel") return io.say(t("reports.cancelled"), { reply_markup: { remove_keyboard: true } });
      if (next === "edit") {
        const field = await io.choice(t("reports.edit_ask"), [
          ...editable().map((f) => [{ value: f, label: truncate(answerText(t, lang, draft, f, "line"), 60) }]),
          [{ value: "back", label: t("reports.back") }],
        ]);
        if (field !== "back") await ask(field);
        continue;
      }
      const saved = draft;
      const result = await conversation.external(
        (): Promise<SubmitResult> => submitReport(deps.prisma, { actorId: actor.personId, unitId, weekStart: dayFromIso(weekIso), draft: saved }),
      );
      if (result.kind === "invalid") {
        // What the bot knows changed meanwhile (a leaver recorded, another version sent): check against it again.
        const fresh = await conversation.external(() => prefill(deps.prisma, unitId, dayFromIso(weekIso)));
        if (!fresh) return io.say(t("reports.not_allowed"), { reply_markup: { remove_keyboard: true } });
        context = fresh;
        continue;
      }
      if (result.kind !== "saved") return io.say(t("reports.not_allowed"), { reply_markup: { remove_keyboard: true } });
      const range = weekRange(weekStart);
      return io.say(
        result.version > 1
          ? t("reports.saved_version", { unit: unit.name, range, version: result.version })
          : t("reports.saved", { unit: unit.name, range }),
        { reply_markup: { remove_keyboard: true } },
      );
    }
  };
}

/** The problems, each naming the answers in conflict with their values: "• Tổng số đoàn viên (150) và … : why". */
function problemsText(t: T, lang: Lang, draft: ReportDraft, problems: ReportProblem[], title: string): string {
  const list = new Intl.ListFormat(lang === "vi" ? "vi" : "en-GB", { type: "conjunction" });
  return [
    t(title),
    ...problems.map((p) =>
      t("reports.problem_line", { answers: list.format(p.fields.map((f) => answerText(t, lang, draft, f, "inline"))), why: t(p.key, p.params) }),
    ),
  ].join("\n");
}

function prefillText(t: T, lang: Lang, context: ReportContext, weekStart: Date): string {
  const number = numberFormat(lang);
  const lines = [t("reports.prefill_title", { unit: context.unit.name, range: weekRange(weekStart) })];
  lines.push(t("reports.prefill_admitted", { count: context.admittedByBot }));
  lines.push(t("reports.prefill_left", { count: context.leaversTotal }));
  for (const reason of LEAVE_REASONS) {
    const n = context.leavers[reason];
    if (n) lines.push(`  – ${t(`members.reason.${reason}`)}: ${number.format(n)}`);
  }
  lines.push(t("reports.prefill_current", { count: context.currentMembers }));
  if (context.previous) {
    lines.push(t("reports.prefill_previous", {
      range: weekRange(dayFromIso(context.previous.weekStart)),
      members: context.previous.totalMembers,
      workers: context.previous.totalWorkers,
    }));
  }
  if (context.latestVersion > 0) lines.push(t("reports.prefill_resubmit", { version: context.latestVersion, next: context.latestVersion + 1 }));
  lines.push("", t("reports.prefill_hint"));
  return lines.join("\n");
}

function summaryText(t: T, lang: Lang, draft: ReportDraft, context: ReportContext, unitName: string, weekStart: Date): string {
  const number = numberFormat(lang);
  const line = (field: ReportField) => answerText(t, lang, draft, field, "line");
  const lines = [t("reports.summary_title", { unit: unitName, range: weekRange(weekStart) }), line("admitted"), line("reduced")];
  for (const reason of LEAVE_REASONS) {
    const n = draft.reductions[reason];
    if (n) lines.push(`  – ${t(`members.reason.${reason}`)}: ${number.format(n)}`);
  }
  lines.push(t("reports.net_increase", { value: netIncrease(draft) }), line("totalMembers"), line("totalWorkers"));
  if (!context.unit.grassroots) lines.push(line("newGrassroots"), line("newGrassrootsWorkers"), line("newGrassrootsMembers"));
  lines.push(line("partyIntroduced"), line("partyAdmitted"), line("propagandaSessions"), line("propagandaParticipants"));
  lines.push(line("difficulties"));
  return lines.join("\n");
}
