// /report: the weekly report of a union, asked one number at a time. The bot offers what it already knows as a
// "Keep …" button; any answer is a whole number typed exactly ("12x" is refused). The sanity checks run before the
// summary, each problem saying which number and why, with a button to fix it; then the summary (with the derived
// net increase), edit any answer, confirm. Replayed on every update: database calls go through
// `conversation.external` and return plain JSON.
import type { Conversation } from "@grammyjs/conversations";
import { Keyboard } from "grammy";
import { z } from "zod";
import {
  addWeeks,
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
  type ReportProblem,
  type SubmitResult,
} from "../../../drive/reports.ts";
import type { LeaveReason } from "../../../generated/prisma/client.ts";
import { tFor, type Lang, type T } from "../../../i18n/i18n.ts";
import { authorize } from "../../../policy/policy.ts";
import { cleanText, toSearchText, truncate } from "../../../shared/text.ts";
import type { BotContext, Deps, InnerContext } from "../context.ts";
import { FormIO, type Parsed } from "../join/form-io.ts";

export const REPORT_CONVERSATION = "report";
type Conv = Conversation<BotContext, InnerContext>;

/** The largest number accepted anywhere in a report. */
export const MAX_NUMBER = 10_000_000;
const WHOLE_NUMBER = z.string().trim().regex(/^\d{1,8}$/).transform(Number).pipe(z.number().int().min(0).max(MAX_NUMBER));

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
    const parsed = WHOLE_NUMBER.safeParse(raw);
    if (parsed.success) return { ok: true, value: parsed.data };
    return { ok: false, error: { key: "reports.errors.not_number", params: { text: truncate(cleanText(raw), 20), max: MAX_NUMBER } } };
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
const label = (t: T, field: ReportProblem["field"]) => t(`reports.field.${field}`);

type Step = NumberField | "reductions" | "difficulties";

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

    const context = await conversation.external(() => prefill(deps.prisma, unitId, dayFromIso(weekIso)));
    if (!context) return io.say(t("reports.not_allowed"));
    await io.say(prefillText(t, context, weekStart));

    const suggested = suggestedDraft(context);
    const draft: ReportDraft = {
      admitted: 0, reduced: 0, reductions: {}, totalMembers: 0, totalWorkers: 0, newGrassroots: 0, newGrassrootsWorkers: 0,
      newGrassrootsMembers: 0, partyIntroduced: 0, partyAdmitted: 0, propagandaSessions: 0, propagandaParticipants: 0, difficulties: null,
    };
    const answered = new Set<Step>();

    const askNumber = async (field: NumberField, keep?: number) => {
      const offer = keep ?? (answered.has(field) ? draft[field] : suggested[field]);
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
    const ask = async (step: Step) => {
      if (step === "reductions") return askReductions();
      if (step === "difficulties") return askDifficulties();
      if (step === "reduced") {
        await askNumber("reduced");
        return askReductions();
      }
      if (step === "newGrassroots") {
        await askNumber("newGrassroots");
        if (draft.newGrassroots === 0) {
          draft.newGrassrootsWorkers = 0;
          draft.newGrassrootsMembers = 0;
          return;
        }
        await askNumber("newGrassrootsWorkers");
        return askNumber("newGrassrootsMembers");
      }
      return askNumber(step);
    };

    const steps: Step[] = [
      "admitted", "reduced", "totalMembers", "totalWorkers",
      ...(context.unit.grassroots ? [] : (["newGrassroots"] as Step[])),
      "partyIntroduced", "partyAdmitted", "propagandaSessions", "propagandaParticipants", "difficulties",
    ];
    for (const step of steps) await ask(step);

    for (;;) {
      const problems = checkReport(draft, context);
      const blocking = problems.filter((p) => !p.warning);
      if (blocking.length > 0) {
        await io.say(problemsText(t, blocking, "reports.problems_title"));
        const fields = [...new Set(blocking.map((p) => fixStep(p.field)))];
        const fix = await io.choice(t("reports.fix_ask"), fields.map((f) => [{ value: f, label: t("reports.fix", { field: label(t, f) }) }]));
        await ask(fix as Step);
        continue;
      }
      const warnings = problems.filter((p) => p.warning);
      const summary = summaryText(t, draft, context, unit.name, weekStart) + (warnings.length > 0 ? `\n\n${problemsText(t, warnings, "reports.warnings_title")}` : "");
      const next = await io.choice(summary, [
        [{ value: "confirm", label: t("reports.confirm") }],
        [{ value: "edit", label: t("reports.edit") }],
        [{ value: "cancel", label: t("reports.cancel") }],
      ]);
      if (next === "cancel") return io.say(t("reports.cancelled"), { reply_markup: { remove_keyboard: true } });
      if (next === "edit") {
        const field = await io.choice(t("reports.edit_ask"), steps.map((s) => [{ value: s, label: label(t, s) }]));
        await ask(field as Step);
        continue;
      }
      const saved = draft;
      const result = await conversation.external(
        (): Promise<SubmitResult> => submitReport(deps.prisma, { actorId: actor.personId, unitId, weekStart: dayFromIso(weekIso), draft: saved }),
      );
      if (result.kind === "invalid") {
        await io.say(problemsText(t, result.problems, "reports.problems_title"));
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

/** The question to ask again to fix a problem with this number. */
function fixStep(field: ReportProblem["field"]): Step {
  if (field === "newGrassrootsWorkers" || field === "newGrassrootsMembers") return "newGrassroots";
  return field;
}

function problemsText(t: T, problems: ReportProblem[], title: string): string {
  return [t(title), ...problems.map((p) => `• ${label(t, p.field)}: ${t(p.key, p.params)}`)].join("\n");
}

function prefillText(t: T, context: ReportContext, weekStart: Date): string {
  const lines = [t("reports.prefill_title", { unit: context.unit.name, range: weekRange(weekStart) })];
  lines.push(t("reports.prefill_admitted", { count: context.admittedByBot }));
  lines.push(t("reports.prefill_left", { count: context.leaversTotal }));
  for (const reason of LEAVE_REASONS) {
    const n = context.leavers[reason];
    if (n) lines.push(`  – ${t(`members.reason.${reason}`)}: ${n}`);
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

function summaryText(t: T, draft: ReportDraft, context: ReportContext, unitName: string, weekStart: Date): string {
  const line = (field: NumberField) => `${label(t, field)}: ${draft[field]}`;
  const lines = [t("reports.summary_title", { unit: unitName, range: weekRange(weekStart) }), line("admitted"), line("reduced")];
  for (const reason of LEAVE_REASONS) {
    const n = draft.reductions[reason];
    if (n) lines.push(`  – ${t(`members.reason.${reason}`)}: ${n}`);
  }
  lines.push(t("reports.net_increase", { value: netIncrease(draft) }), line("totalMembers"), line("totalWorkers"));
  if (!context.unit.grassroots) lines.push(line("newGrassroots"), line("newGrassrootsWorkers"), line("newGrassrootsMembers"));
  lines.push(line("partyIntroduced"), line("partyAdmitted"), line("propagandaSessions"), line("propagandaParticipants"));
  lines.push(`${label(t, "difficulties")}: ${draft.difficulties ?? "—"}`);
  return lines.join("\n");
}
