// /set_target [unit code] and the "Set a target" button under /targets: an officer sets one target (chỉ tiêu) of a unit
// below their own (an admin: any unit). Asks the unit (when not given), the period (this year, next year, the current
// or next campaign), the metric and the value (a whole number ≥ 0, asked again until it is one), then shows what
// changes with the cascade warnings either way (children's targets above the parent's) and writes only on confirm —
// through setTarget, which authorizes again and audits. Replayed on every update: the store is reached through
// `conversation.external`, which returns plain JSON.
import type { Conversation } from "@grammyjs/conversations";
import { z } from "zod";
import type { TargetMetric } from "../../generated/prisma/client.ts";
import { MAX_TARGET, METRICS, previewTarget, setTarget, targetsFor, type SetTargetResult } from "../../drive/targets.ts";
import { numberFormat, tFor, type Lang, type T } from "../../i18n/i18n.ts";
import { findUnit, findUnitByCode } from "../../organisation/units.ts";
import { authorize } from "../../policy/policy.ts";
import { cleanText, truncate } from "../../shared/text.ts";
import type { BotContext, Deps, InnerContext } from "../context.ts";
import { FormIO, type Parsed } from "../join/form-io.ts";
import { periodOf, periodOptions, type PeriodOption } from "./periods.ts";

export const SET_TARGET_CONVERSATION = "target-set";
type Conv = Conversation<BotContext, InnerContext>;

const CODE = /^[A-Z0-9][A-Z0-9._-]{0,39}$/;

/** "1.200", "1 200" and "1,200" are 1200 (thousands grouped by three); anything else must be plain digits. */
const VALUE = z
  .string()
  .transform((raw) => cleanText(raw).replace(/[\s.,](?=\d{3}\b)/g, ""))
  .pipe(z.string().regex(/^-?\d{1,12}$/, "notNumber"))
  .transform(Number)
  .pipe(z.number().int().min(0, "negative").max(MAX_TARGET, "tooLarge"));

export function parseTargetValue(raw: string, lang: Lang): Parsed<number> {
  const parsed = VALUE.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const reason = parsed.error.issues[0]?.message ?? "notNumber";
  const max = numberFormat(lang).format(MAX_TARGET);
  return { ok: false, error: { key: `targets.set.errors.${reason === "negative" || reason === "tooLarge" ? reason : "notNumber"}`, params: { text: truncate(cleanText(raw), 20), max } } };
}

function codeParser(raw: string): Parsed<string> {
  const code = cleanText(raw).toUpperCase();
  return CODE.test(code) ? { ok: true, value: code } : { ok: false, error: { key: "targets.set.errors.code", params: { text: truncate(cleanText(raw), 20) } } };
}

interface UnitRef {
  id: string;
  code: string;
  name: string;
}

/** The unit if it exists and the person may set its targets (a refusal is audited); null otherwise. */
export async function settableUnit(deps: Deps, personId: string, ref: { id: string } | { code: string }): Promise<UnitRef | null> {
  const unit = "id" in ref ? await findUnit(deps.prisma, ref.id) : await findUnitByCode(deps.prisma, ref.code);
  if (!unit || unit.closedAt || !(await authorize(deps.prisma, personId, "target.set", unit.id))) return null;
  return { id: unit.id, code: unit.code, name: unit.name };
}

function periodLabel(t: T, option: PeriodOption): string {
  return option.campaign ? t("targets.set.periodCampaign", { name: truncate(option.campaign.name, 48), code: option.campaign.code }) : t("targets.set.periodYear", { year: option.year });
}

type Preview =
  | { ok: true; before: number | null; parent?: { code: string; value: number; childrenSum: number }; childrenSum?: number }
  | { ok: false; reason: string };

export function createSetTargetConversation(deps: Deps) {
  const preview = async (unitId: string, option: PeriodOption, metric: TargetMetric, value: number): Promise<Preview> => {
    const p = await previewTarget(deps.prisma, { unitId, period: periodOf(option), metric, value });
    if (!p.ok) return p;
    const parent = p.warning
      ? { code: (await findUnit(deps.prisma, p.warning.exceedsParent.parentUnitId))?.code ?? "", value: p.warning.exceedsParent.parentValue, childrenSum: p.warning.exceedsParent.childrenSum }
      : undefined;
    return { ok: true, before: p.before, ...(parent ? { parent } : {}), ...(p.childrenSum !== undefined ? { childrenSum: p.childrenSum } : {}) };
  };

  return async function setTargetConversation(conversation: Conv, ctx: InnerContext, givenUnitId?: string) {
    const actor = await conversation.external((outer) => ({ personId: outer.person.id, lang: outer.lang as Lang }));
    const t = tFor(actor.lang);
    const io = new FormIO(conversation, ctx, t);
    const number = numberFormat(actor.lang);

    // The unit: given (from the command or the button; authorized again here), or asked until it is one the person may set.
    let unit: UnitRef | null = null;
    if (typeof givenUnitId === "string") {
      unit = await conversation.external(() => settableUnit(deps, actor.personId, { id: givenUnitId }));
      if (!unit) return io.say(t("targets.set.forbidden"));
    }
    while (!unit) {
      const code = await io.text(t("targets.set.askUnit"), codeParser);
      unit = await conversation.external(() => settableUnit(deps, actor.personId, { code }));
      if (!unit) await io.say(t("targets.set.notAllowed", { code }));
    }
    const unitId = unit.id;

    const options = await conversation.external(() => periodOptions(deps.prisma, unitId));
    const picked = await io.choice(
      t("targets.set.askPeriod", { unit: unit.name, code: unit.code }),
      options.map((o) => [{ value: o.value, label: periodLabel(t, o) }]),
    );
    const option = options.find((o) => o.value === picked)!;
    const period = periodLabel(t, option);

    const current = await conversation.external(async () => Object.fromEntries((await targetsFor(deps.prisma, unitId, periodOf(option))).map((x) => [x.metric, x.value])));
    const metric = await io.choice(
      t("targets.set.askMetric", { period }),
      METRICS.map((m) => [{
        value: m,
        label: t("targets.set.metricOption", { metric: t(`targets.metrics.${m}`), value: current[m] === undefined ? t("targets.chat.notSet") : number.format(current[m]) }),
      }]),
    );
    const metricLabel = t(`targets.metrics.${metric}`);

    for (;;) {
      const value = await io.text(t("targets.set.askValue", { metric: metricLabel, unit: unit.name, period }), (raw) => parseTargetValue(raw, actor.lang));
      const p = await conversation.external(() => preview(unitId, option, metric, value));
      if (!p.ok) return io.say(t("targets.set.failed"));
      if (p.before === value) return io.say(t("targets.set.unchanged", { metric: metricLabel, value: number.format(value) }));
      const lines = [
        t("targets.set.summary", { unit: unit.name, code: unit.code, period, metric: metricLabel }),
        t("targets.set.change", { before: p.before === null ? t("targets.chat.notSet") : number.format(p.before), after: number.format(value) }),
      ];
      if (p.parent) {
        lines.push("", t("targets.warnings.exceedsParent", { parent: p.parent.code, metric: metricLabel, period, childrenSum: number.format(p.parent.childrenSum), parentValue: number.format(p.parent.value) }));
      }
      if (p.childrenSum !== undefined) lines.push("", t("targets.warnings.childrenExceed", { unit: unit.code, metric: metricLabel, period, childrenSum: number.format(p.childrenSum), value: number.format(value) }));
      const next = await io.choice(lines.join("\n"), [
        [{ value: "yes", label: t("targets.set.confirm") }],
        [{ value: "edit", label: t("targets.set.edit") }],
        [{ value: "no", label: t("targets.set.cancel") }],
      ]);
      if (next === "edit") continue;
      if (next !== "yes") return io.say(t("targets.set.cancelled"));
      const result = await conversation.external(
        (): Promise<SetTargetResult> => setTarget(deps.prisma, { actorId: actor.personId, unitId, period: periodOf(option), metric, value }),
      );
      if (!result.ok) return io.say(t(result.reason === "denied" ? "targets.set.forbidden" : "targets.set.failed"));
      return io.say(t("targets.set.saved", { unit: unit.name, metric: metricLabel, period, value: number.format(value) }));
    }
  };
}
