// The join form (Mẫu 5a), one entry per question, in the order asked. To add a question: add a field
// to JoinDraft, a FormField below, its texts under join.fields.<id> in locales/*/bot.json, and the
// column to ApplicationDraft (src/membership/applications.ts) and prisma/schema.prisma.
import type { T } from "../../i18n/i18n.ts";
import {
  birthDateSchema,
  contactPhoneSchema,
  employerAddressSchema,
  employerNameSchema,
  formatPhoneForDisplay,
  fullNameSchema,
  jobPositionSchema,
  matchEthnicity,
  parseField,
  phoneSchema,
} from "../../membership/application-fields.ts";
import { formatCalendarDate, type CalendarDay } from "../../shared/time.ts";
import { FormIO, type Choice, type Parsed } from "./form-io.ts";

/** The answers so far. Plain JSON: conversation state is stored as JSON between updates. */
export interface JoinDraft {
  fullName?: string;
  /** dd/mm/yyyy */
  birthDate?: string;
  sex?: "MALE" | "FEMALE";
  /** E.164 */
  phone?: string;
  nationality?: "VIETNAMESE" | "FOREIGN";
  longContract?: boolean;
  workplace?:
    | { kind: "listed"; unitId: string; unitName: string }
    | { kind: "unlisted"; employer: string; address: string; upperUnitId: string; upperUnitName: string };
  jobPosition?: string;
  /** null: the person chose not to give it. */
  ethnicity?: string | null;
  /** ISO time the separate consent for ethnicity (sensitive data) was given. */
  ethnicityConsentAt?: string;
}

export interface UnitOption {
  id: string;
  name: string;
}

/** Database look-ups, run by the conversation through `conversation.external`. */
export interface FormLookups {
  searchWorkplaces(query: string): Promise<{ units: UnitOption[]; more: boolean }>;
  searchUpperUnits(query: string): Promise<{ units: UnitOption[]; more: boolean }>;
  defaultUpperUnit(): Promise<UnitOption | null>;
  now(): Promise<number>;
}

export interface FormEnv {
  io: FormIO;
  t: T;
  today: CalendarDay;
  lookups: FormLookups;
  /** From a poster's deep link: the workplace, or the upper-level union of the area. */
  preselected?: { workplace?: UnitOption; upper?: UnitOption };
}

export type AskOutcome = "ok" | "stop";

export interface FormField {
  id: string;
  applies(draft: JoinDraft): boolean;
  answered(draft: JoinDraft): boolean;
  ask(env: FormEnv, draft: JoinDraft): Promise<AskOutcome>;
  /** The answer as shown in the summary. */
  show(draft: JoinDraft, t: T): string;
}

const always = () => true;

function asParsed<V>(schema: Parameters<typeof parseField>[0]) {
  return (raw: string) => parseField(schema, raw) as Parsed<V>;
}

/** A question answered by typing one line of text. */
function textField(id: "fullName" | "jobPosition", schema: Parameters<typeof parseField>[0]): FormField {
  return {
    id,
    applies: always,
    answered: (d) => d[id] !== undefined,
    async ask({ io, t }, d) {
      d[id] = await io.text(t(`join.fields.${id}.ask`), asParsed<string>(schema));
      return "ok";
    },
    show: (d) => d[id] ?? "",
  };
}

const fullName = textField("fullName", fullNameSchema);

const birthDate: FormField = {
  id: "birthDate",
  applies: always,
  answered: (d) => d.birthDate !== undefined,
  async ask({ io, t, today }, d) {
    const schema = birthDateSchema(today);
    d.birthDate = await io.text(t("join.fields.birthDate.ask"), (raw) => {
      const parsed = parseField(schema, raw) as Parsed<Date>;
      return parsed.ok ? { ok: true, value: formatCalendarDate(parsed.value) } : parsed;
    });
    return "ok";
  },
  show: (d) => d.birthDate ?? "",
};

const sex: FormField = {
  id: "sex",
  applies: always,
  answered: (d) => d.sex !== undefined,
  async ask({ io, t }, d) {
    d.sex = await io.choice<"MALE" | "FEMALE">(t("join.fields.sex.ask"), [
      [
        { value: "MALE", label: t("join.fields.sex.MALE") },
        { value: "FEMALE", label: t("join.fields.sex.FEMALE") },
      ],
    ]);
    return "ok";
  },
  show: (d, t) => (d.sex ? t(`join.fields.sex.${d.sex}`) : ""),
};

const phone: FormField = {
  id: "phone",
  applies: always,
  answered: (d) => d.phone !== undefined,
  async ask({ io, t }, d) {
    const fromContact = asParsed<string>(contactPhoneSchema);
    d.phone = await io.text(t("join.fields.phone.ask"), asParsed<string>(phoneSchema), {
      keyboard: FormIO.contactKeyboard(t("join.fields.phone.share_button")),
      contact: (number, own) =>
        own ? fromContact(number) : { ok: false, error: { key: "join.fields.phone.not_own_contact" } },
    });
    return "ok";
  },
  show: (d) => (d.phone ? formatPhoneForDisplay(d.phone) : ""),
};

const nationality: FormField = {
  id: "nationality",
  applies: always,
  answered: (d) => d.nationality !== undefined,
  async ask({ io, t }, d) {
    d.nationality = await io.choice<"VIETNAMESE" | "FOREIGN">(t("join.fields.nationality.ask"), [
      [{ value: "VIETNAMESE", label: t("join.fields.nationality.VIETNAMESE") }],
      [{ value: "FOREIGN", label: t("join.fields.nationality.FOREIGN") }],
    ]);
    if (d.nationality === "VIETNAMESE") delete d.longContract;
    return "ok";
  },
  show: (d, t) => (d.nationality ? t(`join.fields.nationality.${d.nationality}`) : ""),
};

/** Trade Union Law 50/2024/QH15 Art. 5: foreigners may join only with a labour contract of ≥ 12 months. */
const longContract: FormField = {
  id: "longContract",
  applies: (d) => d.nationality === "FOREIGN",
  answered: (d) => d.longContract !== undefined,
  async ask({ io, t }, d) {
    const answer = await io.choice(t("join.fields.longContract.ask"), [
      [
        { value: "yes", label: t("join.fields.longContract.yes") },
        { value: "no", label: t("join.fields.longContract.no") },
      ],
    ]);
    d.longContract = answer === "yes";
    if (!d.longContract) {
      await io.say(t("join.fields.longContract.ineligible"));
      return "stop";
    }
    return "ok";
  },
  show: (d, t) => (d.longContract ? t("join.fields.longContract.yes") : t("join.fields.longContract.no")),
};

const searchQuery = (raw: string): Parsed<string> => {
  const q = raw.trim();
  if (q.length < 2) return { ok: false, error: { key: "join.fields.workplace.query_too_short" } };
  if (q.length > 100) return { ok: false, error: { key: "join.fields.workplace.query_too_long", params: { max: 100 } } };
  return { ok: true, value: q };
};

/** Search by name, pick from the results; "not listed" and "search again" are always offered. */
async function pickUnit(
  env: FormEnv,
  texts: { ask: string; pick: string; none: string },
  search: (q: string) => Promise<{ units: UnitOption[]; more: boolean }>,
  extra: Choice<string>,
): Promise<UnitOption | typeof extra.value> {
  const { io, t } = env;
  for (;;) {
    const query = await io.text(texts.ask, searchQuery);
    const found = await search(query);
    const again: Choice<string> = { value: "again", label: t("join.fields.workplace.search_again") };
    const rows: Choice<string>[][] = found.units.map((u) => [{ value: u.id, label: u.name }]);
    const intro = found.units.length === 0 ? t(texts.none, { query }) : `${t(texts.pick)}${found.more ? `\n${t("join.fields.workplace.more")}` : ""}`;
    const picked = await io.choice(intro, [...rows, [again, extra]]);
    if (picked === extra.value) return extra.value;
    const unit = found.units.find((u) => u.id === picked);
    if (unit) return unit;
  }
}

const workplace: FormField = {
  id: "workplace",
  applies: always,
  answered: (d) => d.workplace !== undefined,
  async ask(env, d) {
    const { io, t, lookups, preselected } = env;
    if (preselected?.workplace) {
      const confirm = await io.choice(t("join.fields.workplace.confirm", { name: preselected.workplace.name }), [
        [{ value: "yes", label: t("join.fields.workplace.confirm_yes") }],
        [{ value: "no", label: t("join.fields.workplace.confirm_no") }],
      ]);
      if (confirm === "yes") {
        d.workplace = { kind: "listed", unitId: preselected.workplace.id, unitName: preselected.workplace.name };
        return "ok";
      }
    }
    const picked = await pickUnit(
      env,
      { ask: t("join.fields.workplace.ask"), pick: "join.fields.workplace.pick", none: "join.fields.workplace.none" },
      lookups.searchWorkplaces,
      { value: "unlisted", label: t("join.fields.workplace.not_listed") },
    );
    if (typeof picked !== "string") {
      d.workplace = { kind: "listed", unitId: picked.id, unitName: picked.name };
      return "ok";
    }
    const employer = await io.text(t("join.fields.workplace.employer_ask"), asParsed<string>(employerNameSchema));
    const address = await io.text(t("join.fields.workplace.address_ask"), asParsed<string>(employerAddressSchema));
    let upper = preselected?.upper;
    if (!upper) {
      const chosen = await pickUnit(
        env,
        { ask: t("join.fields.workplace.upper_ask"), pick: "join.fields.workplace.upper_pick", none: "join.fields.workplace.upper_none" },
        lookups.searchUpperUnits,
        { value: "unknown", label: t("join.fields.workplace.upper_unknown") },
      );
      upper = typeof chosen === "string" ? ((await lookups.defaultUpperUnit()) ?? undefined) : chosen;
    }
    if (!upper) {
      await io.say(t("join.fields.workplace.no_upper_unit"));
      return "stop";
    }
    d.workplace = { kind: "unlisted", employer, address, upperUnitId: upper.id, upperUnitName: upper.name };
    return "ok";
  },
  show: (d, t) =>
    d.workplace?.kind === "listed"
      ? d.workplace.unitName
      : d.workplace
        ? t("join.fields.workplace.unlisted_summary", {
            employer: d.workplace.employer,
            address: d.workplace.address,
            upper: d.workplace.upperUnitName,
          })
        : "",
};

const jobPosition = textField("jobPosition", jobPositionSchema);

/** Ethnicity is sensitive data (Decree 356/2025): asked only after its own consent, and skippable. */
const ethnicity: FormField = {
  id: "ethnicity",
  applies: always,
  answered: (d) => d.ethnicity !== undefined,
  async ask({ io, t, lookups }, d) {
    const consent = await io.choice(t("join.fields.ethnicity.consent"), [
      [{ value: "agree", label: t("join.fields.ethnicity.agree") }],
      [{ value: "skip", label: t("join.fields.ethnicity.skip") }],
    ]);
    if (consent === "skip") {
      d.ethnicity = null;
      delete d.ethnicityConsentAt;
      return "ok";
    }
    d.ethnicityConsentAt = new Date(await lookups.now()).toISOString();
    d.ethnicity = await io.text(t("join.fields.ethnicity.ask"), (raw) => {
      const match = matchEthnicity(raw);
      return match.ok ? match : { ok: false, error: match.error };
    });
    return "ok";
  },
  show: (d, t) => d.ethnicity ?? t("join.fields.ethnicity.not_given"),
};

export const JOIN_FORM: FormField[] = [
  fullName,
  birthDate,
  sex,
  phone,
  nationality,
  longContract,
  workplace,
  jobPosition,
  ethnicity,
];

/** dd/mm/yyyy → UTC midnight of that day. */
export function parseDay(text: string): Date {
  const [d, m, y] = text.split("/").map(Number);
  return new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1));
}
