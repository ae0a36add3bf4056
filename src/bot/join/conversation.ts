// The join conversation: language, what membership gives, consent, the form, a summary to edit, and
// submission. A replay engine runs this code again on every update, so everything that touches the
// database goes through `conversation.external`, and everything kept between updates is plain JSON.
import type { Conversation } from "@grammyjs/conversations";
import type { Lang } from "../../i18n/i18n.ts";
import { isLang, tFor, toLang } from "../../i18n/i18n.ts";
import { submitApplication, standingOf } from "../../membership/applications.ts";
import { formatApplicationRef } from "../../membership/numbers.ts";
import { setLanguage } from "../../people/people.ts";
import { addressOf } from "../../channels/address.ts";
import { defaultUpperUnit, findUnitByCode, GRASSROOTS_TYPES, isGrassroots, searchUnits, UPPER_TYPES } from "../../organisation/units.ts";
import { vietnamDay } from "../../shared/time.ts";
import type { BotContext, Deps, InnerContext } from "../context.ts";
import { standingMessage } from "../features/status.ts";
import { NOTIFY_DECIDERS } from "../decision/notify-deciders.ts";
import { FormIO } from "./form-io.ts";
import { JOIN_FORM, parseDay, type FormEnv, type FormLookups, type JoinDraft, type UnitOption } from "./fields.ts";

export const JOIN_CONVERSATION = "join";
const SEARCH_RESULTS = 8;

export interface JoinArgs {
  /** The deep-link payload, e.g. a grassroots union's code from a poster. */
  source?: string;
}

export function createJoinConversation(deps: Deps) {
  const { prisma } = deps;

  return async function join(conversation: Conversation<BotContext, InnerContext>, ctx: InnerContext, args?: JoinArgs) {
    const from = ctx.from;
    if (!from || ctx.chat?.type !== "private") return;
    const person = await conversation.external((outer) => outer.person);
    let lang: Lang = isLang(person.language) ? person.language : toLang(from.language_code);
    const io = new FormIO(conversation, ctx, tFor(lang));

    const standing = await conversation.external(async () => JSON.parse(JSON.stringify(await standingOf(prisma, { personId: person.id }))));
    if (standing.kind === "pending" || standing.kind === "member") {
      await io.say(standingMessage(standing, io.t));
      return;
    }

    if (!person.languageChosen) {
      lang = await io.choice(io.t("join.language.ask"), [
        [
          { value: "vi", label: "Tiếng Việt" },
          { value: "en", label: "English" },
        ],
      ]);
      await conversation.external(() => setLanguage(prisma, person.id, lang));
      io.t = tFor(lang);
    }
    const t = () => io.t;

    const preselected = await conversation.external(() => preselectFromSource(deps, args?.source));
    if (args?.source && !preselected) await io.say(t()("join.unknown_code"));
    await io.say(t()("join.intro"));
    const consentText = t()("join.consent.text");
    const consent = await io.choice(`${consentText}\n\n${t()("join.consent.question")}`, [
      [{ value: "agree", label: t()("join.consent.agree") }],
      [{ value: "refuse", label: t()("join.consent.refuse") }],
    ]);
    if (consent === "refuse") {
      await io.say(t()("join.consent.refused"));
      return;
    }
    const consentAt = await conversation.now();

    const lookups: FormLookups = {
      searchWorkplaces: (q) =>
        conversation.external(() => searchUnits(prisma, q, { types: GRASSROOTS_TYPES, limit: SEARCH_RESULTS }).then(toOptions)),
      searchUpperUnits: (q) =>
        conversation.external(() => searchUnits(prisma, q, { types: UPPER_TYPES, limit: SEARCH_RESULTS }).then(toOptions)),
      defaultUpperUnit: () =>
        conversation.external(async () => {
          const unit = await defaultUpperUnit(prisma);
          return unit ? { id: unit.id, name: unit.name } : null;
        }),
      now: () => conversation.now(),
    };
    const env: FormEnv = {
      io,
      get t() {
        return io.t;
      },
      today: vietnamDay(await conversation.now()),
      lookups,
      preselected: preselected ?? undefined,
    };

    const draft: JoinDraft = {};
    for (const field of JOIN_FORM) {
      if (field.applies(draft) && (await field.ask(env, draft)) === "stop") return;
    }

    // The summary: every answer editable until the person submits or cancels.
    for (;;) {
      const editRows = JOIN_FORM.filter((f) => f.applies(draft)).map((f) => ({
        value: f.id,
        label: t()("join.summary.edit", { field: t()(`join.fields.${f.id}.label`) }),
      }));
      const pairs = [];
      for (let i = 0; i < editRows.length; i += 2) pairs.push(editRows.slice(i, i + 2));
      const lines = JOIN_FORM.filter((f) => f.applies(draft)).map(
        (f) => `• ${t()(`join.fields.${f.id}.label`)}: ${f.show(draft, t())}`,
      );
      const action = await io.choice(`${t()("join.summary.title")}\n\n${lines.join("\n")}\n\n${t()("join.summary.hint")}`, [
        ...pairs,
        [{ value: "submit", label: t()("join.summary.submit") }],
        [{ value: "cancel", label: t()("join.summary.cancel") }],
      ]);
      if (action === "submit") break;
      if (action === "cancel") {
        await io.say(t()("join.cancelled"));
        return;
      }
      const field = JOIN_FORM.find((f) => f.id === action);
      if (field && (await field.ask(env, draft)) === "stop") return;
      // An edit can make another question apply (e.g. nationality → contract length).
      for (const other of JOIN_FORM) {
        if (other.applies(draft) && !other.answered(draft) && (await other.ask(env, draft)) === "stop") return;
      }
    }

    const result = await conversation.external(async () => {
      const submitted = await submitApplication(prisma, {
        personId: person.id,
        channel: addressOf(from.id).channel,
        draft: toApplicationDraft(draft),
        consent: { purpose: "MEMBERSHIP_APPLICATION", language: lang, text: consentText, givenAt: new Date(consentAt) },
        ethnicityConsent: draft.ethnicityConsentAt
          ? {
              purpose: "SENSITIVE_ETHNICITY",
              language: lang,
              text: tFor(lang)("join.fields.ethnicity.consent"),
              givenAt: new Date(draft.ethnicityConsentAt),
            }
          : undefined,
        source: args?.source,
      });
      // Deciders are told by a durable job, so a crash right after this point loses no notification.
      if (submitted.ok) await deps.boss.send(NOTIFY_DECIDERS, { applicationId: submitted.applicationId });
      return JSON.parse(JSON.stringify(submitted)) as typeof submitted;
    });

    if (result.ok) {
      await io.say(t()("join.submitted", { ref: formatApplicationRef(result.ref) }));
    } else if (result.reason === "already") {
      await io.say(standingMessage(result.standing, t()));
    } else if (result.reason === "ineligible") {
      await io.say(t()(`join.ineligible.${result.detail}`));
    } else {
      await io.say(t()("join.unit_unavailable"));
    }
  };
}

function toOptions(found: { units: { id: string; name: string }[]; more: boolean }) {
  return { units: found.units.map((u) => ({ id: u.id, name: u.name })), more: found.more };
}

/** A poster's code preselects the workplace (a grassroots union) or the area (an upper-level union). */
async function preselectFromSource(deps: Deps, source: string | undefined): Promise<FormEnv["preselected"] | null> {
  if (!source || !/^[A-Za-z0-9_-]{1,64}$/.test(source)) return null;
  const unit = await findUnitByCode(deps.prisma, source);
  if (!unit || unit.closedAt) return null;
  const option: UnitOption = { id: unit.id, name: unit.name };
  return isGrassroots(unit) ? { workplace: option } : { upper: option };
}

function toApplicationDraft(d: JoinDraft) {
  if (!d.fullName || !d.birthDate || !d.sex || !d.phone || !d.nationality || !d.workplace || !d.jobPosition) {
    throw new Error("join form submitted incomplete");
  }
  return {
    fullName: d.fullName,
    birthDate: parseDay(d.birthDate),
    sex: d.sex,
    phone: d.phone,
    nationality: d.nationality,
    longContract: d.longContract,
    workplace:
      d.workplace.kind === "listed"
        ? { kind: "listed" as const, unitId: d.workplace.unitId }
        : { kind: "unlisted" as const, employer: d.workplace.employer, address: d.workplace.address, upperUnitId: d.workplace.upperUnitId },
    jobPosition: d.jobPosition,
    ethnicity: d.ethnicity ?? undefined,
  };
}
