// i18next with one fixed-language `t` per update or per message: the global changeLanguage would let
// concurrent updates switch each other's language. Vietnamese is the default and the fallback.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import i18next, { type Resource, type TFunction } from "i18next";

export const LANGUAGES = ["vi", "en"] as const;
export type Lang = (typeof LANGUAGES)[number];
export const DEFAULT_LANG: Lang = "vi";

export const localesDir = fileURLToPath(new URL("../../locales", import.meta.url));

function loadResources(): Resource {
  const resources: Resource = {};
  for (const lng of LANGUAGES) {
    const lang: Resource[string] = (resources[lng] = {});
    for (const file of readdirSync(join(localesDir, lng)).filter((f) => f.endsWith(".json"))) {
      lang[file.replace(/\.json$/, "")] = JSON.parse(readFileSync(join(localesDir, lng, file), "utf8"));
    }
  }
  return resources;
}

const resources = loadResources();
export const namespaces = Object.keys(resources[DEFAULT_LANG] ?? {});

const instance = i18next.createInstance();
await instance.init({
  resources,
  lng: DEFAULT_LANG,
  fallbackLng: DEFAULT_LANG,
  supportedLngs: [...LANGUAGES],
  ns: namespaces,
  defaultNS: "bot",
  // Each feature may keep its texts in a file of its own (locales/<lng>/<feature>.json); keys are
  // looked up there too, so callers need not name the namespace.
  fallbackNS: namespaces.filter((ns) => ns !== "bot"),
  interpolation: { escapeValue: false },
  returnNull: false,
});

export type T = TFunction;

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

/** Maps a platform language tag ("en-US", "vi") to a supported language. */
export function toLang(tag: string | undefined | null): Lang {
  const base = tag?.toLowerCase().split(/[-_]/)[0];
  return isLang(base) ? base : DEFAULT_LANG;
}

const fixed = new Map<Lang, T>();

/** The t() of a language (made once: a fan-out renders tens of thousands of texts). */
export function tFor(lang: Lang): T {
  let t = fixed.get(lang);
  if (!t) fixed.set(lang, (t = instance.getFixedT(lang)));
  return t;
}

/** Numbers as the language writes them (vi: 1.810, en: 1,810). */
export function numberFormat(lang: Lang, options?: Intl.NumberFormatOptions): Intl.NumberFormat {
  return new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-GB", options);
}

/** Language for operator output (CLI, start-up errors); read leniently, since it is needed to report config errors. */
export function operatorLang(env: NodeJS.ProcessEnv = process.env): Lang {
  return toLang(env.OPERATOR_LANGUAGE);
}
