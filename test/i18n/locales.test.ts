// Consistency of the locale files: locales/<lang>/<namespace>.json for every language of src/i18n/i18n.ts.
// Each rule is a small pure function, run on the real files and on an inline bad example (so a broken checker
// cannot pass silently).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_LANG, LANGUAGES, localesDir } from "../../src/i18n/i18n.ts";
import { flattenLocale } from "../support/locale-texts.ts";

// flattenLocale: nested JSON → { "a.b.c": value }; arrays and other non-objects are leaves (and then fail the string check).
type Flat = Record<string, unknown>;

// i18next plural suffixes. `key_<category>` counts as a plural form only if `key_other` exists too, so a key that
// merely ends in "_one" or "_many" (say "too_many") is not mistaken for one.
const PLURAL_CATEGORIES = ["zero", "one", "two", "few", "many", "other"] as const;
const PLURAL_SUFFIX = new RegExp(`_(${PLURAL_CATEGORIES.join("|")})$`);

/** Base key → its raw keys (one for a plain key; the plural forms for a plural key). */
function pluralGroups(keys: Iterable<string>): Map<string, string[]> {
  const all = new Set(keys);
  const groups = new Map<string, string[]>();
  for (const key of all) {
    const m = PLURAL_SUFFIX.exec(key);
    const base = m && all.has(key.replace(PLURAL_SUFFIX, "_other")) ? key.slice(0, m.index) : key;
    groups.set(base, [...(groups.get(base) ?? []), key]);
  }
  return groups;
}

/** Plural forms a language needs, from CLDR via Intl ("vi": other; "en": one, other). `_zero` is always optional. */
function pluralProblems(keys: Iterable<string>, lang: string): string[] {
  const needed = new Intl.PluralRules(lang).resolvedOptions().pluralCategories.map(String);
  const problems: string[] = [];
  for (const [base, forms] of pluralGroups(keys)) {
    if (forms.length === 1 && forms[0] === base) continue;
    const have = forms.map((f) => f.slice(base.length + 1));
    for (const c of needed) if (!have.includes(c)) problems.push(`${base}: missing ${base}_${c}`);
    for (const c of have) if (c !== "zero" && !needed.includes(c)) problems.push(`${base}: ${base}_${c} is never used in ${lang}`);
  }
  return problems;
}

/** Keys present in one language but not in the other (plural-normalised), per language; empty when they agree. */
function keyDiff(byLang: Record<string, Iterable<string>>): Record<string, string[]> {
  const sets = Object.fromEntries(Object.entries(byLang).map(([lang, keys]) => [lang, new Set(pluralGroups(keys).keys())]));
  const union = new Set(Object.values(sets).flatMap((s) => [...s]));
  const missing: Record<string, string[]> = {};
  for (const [lang, set] of Object.entries(sets)) {
    const gone = [...union].filter((k) => !set.has(k)).sort();
    if (gone.length) missing[`missing in ${lang}`] = gone;
  }
  return missing;
}

/** Values that are not strings, are blank, or equal their own key (what i18next shows for a missing key). */
function badValues(flat: Flat): string[] {
  return Object.entries(flat).flatMap(([key, v]) => {
    if (typeof v !== "string") return [`${key}: not a string (${JSON.stringify(v)})`];
    if (v.trim() === "") return [`${key}: empty`];
    if (v.trim() === key) return [`${key}: value is the key itself`];
    return [];
  });
}

/** `{{name}}`, `{{- name}}`, `{{count, number}}` → name. */
function variables(text: string): string[] {
  return [...text.matchAll(/\{\{-?\s*([^{}\s,]+)[^{}]*\}\}/g)].map((m) => m[1] ?? "");
}

/** Per base key, the interpolation variables (union over plural forms) must be the same in both languages. */
function variableMismatches(a: Flat, b: Flat, [la, lb]: [string, string]): string[] {
  const varsOf = (flat: Flat) => {
    const out = new Map<string, Set<string>>();
    for (const [base, forms] of pluralGroups(Object.keys(flat))) {
      out.set(base, new Set(forms.flatMap((f) => variables(String(flat[f] ?? "")))));
    }
    return out;
  };
  const va = varsOf(a);
  const vb = varsOf(b);
  const problems: string[] = [];
  for (const [key, setA] of va) {
    const setB = vb.get(key);
    if (!setB) continue; // reported by the key comparison
    const onlyA = [...setA].filter((v) => !setB.has(v));
    const onlyB = [...setB].filter((v) => !setA.has(v));
    if (onlyA.length || onlyB.length) {
      problems.push(`${key}: only in ${la}: {${onlyA.join(", ")}}; only in ${lb}: {${onlyB.join(", ")}}`);
    }
  }
  return problems;
}

// Letters that exist in Vietnamese but not in English: đ, the vowels with breve/circumflex/horn (ă â ê ô ơ ư), and
// any vowel carrying one of the five tone marks (grave, acute, hook above, tilde, dot below). Checked on NFD text.
const VI_LETTER = /[đĐ]|[aeiouyAEIOUY][\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031B]/u;
const hasVietnameseLetter = (s: string): boolean => VI_LETTER.test(s.normalize("NFD"));

/** Words of a message, without `{{variables}}`, /commands, URLs and tokens without letters. */
function words(s: string): string[] {
  return s
    .replace(/\{\{[^{}]*\}\}/g, " ")
    .split(/\s+/)
    .filter((w) => /\p{L}/u.test(w) && !/^(\/|https?:)/.test(w));
}

// English words that are not also Vietnamese words (so not "to", "do", "in", "an", "a": all Vietnamese too).
const ENGLISH_FUNCTION_WORDS = new Set(
  "the and you your please is are of for with this that have has will not was were been".split(" "),
);

/**
 * Does a Vietnamese namespace look Vietnamese? Almost every Vietnamese sentence has diacritics (most syllables carry a
 * tone or vowel mark), while English has none, so diacritics are a cheap and reliable language signal. Three checks:
 * - aggregate: ≥ 80 % of values with ≥ 3 words contain a Vietnamese letter (a tolerant overall check: short labels,
 *   codes and proper names may legitimately have none);
 * - per value: a value of ≥ 5 words without a single Vietnamese letter is English (or Vietnamese typed without
 *   accents, also a defect) — a real Vietnamese sentence that long without any mark is practically impossible;
 * - per value: ≥ 3 distinct English-only function words ("the", "your", "please"…) means an English sentence was
 *   pasted next to Vietnamese (deliberately bilingual prompts like "Chọn ngôn ngữ / Choose your language:" have one).
 */
function notVietnamese(flat: Flat, { aggregate }: { aggregate: boolean }): string[] {
  const texts = Object.entries(flat).filter((e): e is [string, string] => typeof e[1] === "string");
  const problems: string[] = [];
  const long = texts.filter(([, v]) => words(v).length >= 3);
  const marked = long.filter(([, v]) => hasVietnameseLetter(v)).length;
  if (aggregate && long.length > 0 && marked / long.length < 0.8) {
    problems.push(`only ${marked} of ${long.length} values of ≥ 3 words have Vietnamese diacritics (need ≥ 80 %)`);
  }
  for (const [key, v] of texts) {
    const ws = words(v);
    if (ws.length >= 5 && !hasVietnameseLetter(v)) problems.push(`${key}: no Vietnamese letter: ${JSON.stringify(v)}`);
    const english = new Set(ws.map((w) => w.toLowerCase().replace(/[^a-z]/g, "")).filter((w) => ENGLISH_FUNCTION_WORDS.has(w)));
    if (english.size >= 3) problems.push(`${key}: English words (${[...english].join(", ")}): ${JSON.stringify(v)}`);
  }
  return problems;
}

/** Values longer than `max` characters (UTF-16 code units, as Telegram counts), for keys starting with `prefix`. */
function tooLong(flat: Flat, max: number, prefix = ""): string[] {
  return Object.entries(flat)
    .filter(([key, v]) => key.startsWith(prefix) && typeof v === "string" && v.length > max)
    .map(([key, v]) => `${key}: ${(v as string).length} > ${max} characters`);
}

/** Keys whose value is the same text in both languages (an untranslated copy), for values of ≥ 3 words. */
function untranslated(a: Flat, b: Flat, allowed: ReadonlySet<string>): string[] {
  return Object.entries(a)
    .filter(([key, v]) => !allowed.has(key) && typeof v === "string" && words(v).length >= 3 && b[key] === v)
    .map(([key]) => key);
}

/** Keys deliberately identical in every language. */
const SAME_IN_ALL_LANGUAGES: Record<string, ReadonlySet<string>> = {
  bot: new Set(["language.ask"]), // the language picker is bilingual by design: shown before a language is known
};

// ---------------------------------------------------------------------------------------------------------------
// The real locale files

const OTHER_LANGS = LANGUAGES.filter((l) => l !== DEFAULT_LANG);
const jsonFiles = Object.fromEntries(
  LANGUAGES.map((lang) => [lang, readdirSync(join(localesDir, lang)).filter((f) => f.endsWith(".json")).sort()]),
) as Record<string, string[]>;
const allFiles = [...new Set(Object.values(jsonFiles).flat())].sort();
const namespaces = allFiles.map((f) => f.replace(/\.json$/, ""));

function load(lang: string, ns: string): { flat: Flat; error?: string } {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(localesDir, lang, `${ns}.json`), "utf8"));
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return { flat: {}, error: "not a JSON object" };
    return { flat: flattenLocale(parsed) };
  } catch (error) {
    return { flat: {}, error: String(error) };
  }
}
const locales = Object.fromEntries(
  LANGUAGES.map((lang) => [lang, Object.fromEntries(namespaces.map((ns) => [ns, load(lang, ns)]))]),
) as Record<string, Record<string, { flat: Flat; error?: string }>>;
const flat = (lang: string, ns: string): Flat => locales[lang]?.[ns]?.flat ?? {};

describe("locale files", () => {
  it("every namespace file exists in every language and parses to an object", () => {
    expect(namespaces).toContain("bot");
    const problems: string[] = [];
    for (const lang of LANGUAGES) {
      for (const file of allFiles) {
        if (!jsonFiles[lang]?.includes(file)) problems.push(`locales/${lang}/${file}: missing`);
        else if (locales[lang]?.[file.replace(/\.json$/, "")]?.error) {
          problems.push(`locales/${lang}/${file}: ${locales[lang]?.[file.replace(/\.json$/, "")]?.error}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(namespaces)("%s: every language has the same keys (plural suffixes normalised)", (ns) => {
    const byLang = Object.fromEntries(LANGUAGES.map((lang) => [lang, Object.keys(flat(lang, ns))]));
    expect(keyDiff(byLang), `keys differ between languages in namespace "${ns}"`).toEqual({});
  });

  it.each(namespaces)("%s: plural keys have the forms each language needs", (ns) => {
    const problems = LANGUAGES.flatMap((lang) => pluralProblems(Object.keys(flat(lang, ns)), lang).map((p) => `${lang}: ${p}`));
    expect(problems).toEqual([]);
  });

  it.each(namespaces)("%s: no value is empty, a non-string or the key itself", (ns) => {
    expect(LANGUAGES.flatMap((lang) => badValues(flat(lang, ns)).map((p) => `${lang}: ${p}`))).toEqual([]);
  });

  it.each(namespaces)("%s: interpolation variables are the same in every language", (ns) => {
    const problems = OTHER_LANGS.flatMap((lang) => variableMismatches(flat(DEFAULT_LANG, ns), flat(lang, ns), [DEFAULT_LANG, lang]));
    expect(problems).toEqual([]);
  });

  it.each(namespaces)("%s: texts of ≥ 3 words are translated, not copied from another language", (ns) => {
    const allowed = SAME_IN_ALL_LANGUAGES[ns] ?? new Set<string>();
    const problems = OTHER_LANGS.flatMap((lang) => untranslated(flat(DEFAULT_LANG, ns), flat(lang, ns), allowed).map((k) => `${lang}: ${k}`));
    expect(problems).toEqual([]);
  });

  it("Vietnamese texts look Vietnamese (bot: also ≥ 80 % of longer texts have diacritics)", () => {
    const problems = namespaces.flatMap((ns) => notVietnamese(flat("vi", ns), { aggregate: ns === "bot" }).map((p) => `vi/${ns}: ${p}`));
    expect(problems).toEqual([]);
  });

  it("no value exceeds Telegram's 4096-character message limit", () => {
    expect(LANGUAGES.flatMap((lang) => namespaces.flatMap((ns) => tooLong(flat(lang, ns), 4096).map((p) => `${lang}/${ns}: ${p}`)))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The checkers catch bad examples

describe("locale checkers (self-test)", () => {
  it("flatten and pluralGroups", () => {
    expect(flattenLocale({ a: { b: "x", c: { d: "y" } }, e: "z" })).toEqual({ "a.b": "x", "a.c.d": "y", e: "z" });
    expect(Object.fromEntries(pluralGroups(["n_one", "n_other", "too_many", "m_other"]))).toEqual({
      n: ["n_one", "n_other"],
      too_many: ["too_many"],
      m: ["m_other"],
    });
  });

  it("keyDiff reports the missing keys per language, treating en x_one/x_other and vi x_other as x", () => {
    expect(keyDiff({ vi: ["a", "units_other"], en: ["a", "units_one", "units_other"] })).toEqual({});
    expect(keyDiff({ vi: ["a", "b.c"], en: ["a", "d"] })).toEqual({ "missing in vi": ["d"], "missing in en": ["b.c"] });
  });

  it("pluralProblems wants one+other in en and other in vi", () => {
    expect(pluralProblems(["n_one", "n_other"], "en")).toEqual([]);
    expect(pluralProblems(["n_other"], "vi")).toEqual([]);
    expect(pluralProblems(["n_zero", "n_other"], "vi")).toEqual([]);
    expect(pluralProblems(["n_other"], "en")).toEqual(["n: missing n_one"]);
    expect(pluralProblems(["n_one", "n_other"], "vi")).toEqual(["n: n_one is never used in vi"]);
  });

  it("badValues reports empty, non-string and key-as-value", () => {
    expect(badValues({ "a.b": "ok" })).toEqual([]);
    expect(badValues({ "a.b": " ", "a.c": "a.c", "a.d": 3 })).toHaveLength(3);
  });

  it("variableMismatches compares {{variables}}", () => {
    expect(variableMismatches({ k: "Xin chào {{name}}" }, { k: "Hello {{ name }}" }, ["vi", "en"])).toEqual([]);
    expect(variableMismatches({ k_other: "{{count}} đơn vị" }, { k_one: "one unit", k_other: "{{count}} units" }, ["vi", "en"])).toEqual([]);
    expect(variableMismatches({ k: "Xin chào {{name}}" }, { k: "Hello {{user}}" }, ["vi", "en"])).toEqual([
      "k: only in vi: {name}; only in en: {user}",
    ]);
  });

  it("notVietnamese catches English pasted into vi", () => {
    const good = { a: "Bạn có đồng ý không?", b: "Gửi /start để làm đơn.", c: "Có", d: "Chọn ngôn ngữ / Choose your language:" };
    expect(notVietnamese(good, { aggregate: true })).toEqual([]);
    expect(notVietnamese({ ...good, e: "Please send your full name for the union." }, { aggregate: false })).toHaveLength(2);
    expect(notVietnamese({ ...good, e: "Đã gửi đơn! Please note that the union will reply." }, { aggregate: false })).toHaveLength(1);
    expect(notVietnamese({ a: "Do you agree?", b: "Send /start again", c: "Bạn có đồng ý không?" }, { aggregate: true })).toHaveLength(1);
  });

  it("tooLong and untranslated", () => {
    expect(tooLong({ a: "x".repeat(4096) }, 4096)).toEqual([]);
    expect(tooLong({ a: "x".repeat(4097) }, 4096)).toHaveLength(1);
    expect(tooLong({ "zalo.a": "x".repeat(2001), b: "x".repeat(2001) }, 2000, "zalo.")).toEqual(["zalo.a: 2001 > 2000 characters"]);
    expect(untranslated({ a: "Gửi đơn ngay bây giờ", b: "OK" }, { a: "Gửi đơn ngay bây giờ", b: "OK" }, new Set())).toEqual(["a"]);
  });
});
