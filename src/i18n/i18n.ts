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

export const resources = loadResources();
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
  if (!t) fixed.set(lang, (t = remembering(instance.getFixedT(lang))));
  return t;
}

/** Texts remembered per language; the oldest is dropped first. */
export const T_MEMO_SIZE = 4_000;

/**
 * A conversation is replayed from its start on every update, rendering every earlier prompt again, and i18next
 * resolves a key through the fallback namespaces each time: the same key with the same options gives the same
 * text, so it is rendered once. Calls whose arguments cannot be told apart by their JSON (functions, Maps…) and
 * results other than text are not remembered.
 */
function remembering(t: T): T {
  const render = t as unknown as (...args: unknown[]) => unknown;
  const memo = new Map<string, string>();
  const wrapped = (...args: unknown[]) => {
    const key = memoKey(args);
    if (key === undefined) return render(...args);
    const known = memo.get(key);
    if (known !== undefined) return known;
    const text = render(...args);
    if (typeof text === "string") {
      if (memo.size >= T_MEMO_SIZE) memo.delete(memo.keys().next().value!);
      memo.set(key, text);
    }
    return text;
  };
  const { lng, ns, keyPrefix } = t as unknown as Record<string, unknown>;
  return Object.assign(wrapped, { lng, ns, keyPrefix }) as unknown as T;
}

function memoKey(args: unknown[]): string | undefined {
  if (args.length === 1 && typeof args[0] === "string") return args[0];
  try {
    return JSON.stringify(args, plainOnly);
  } catch {
    return undefined;
  }
}

/** JSON has already turned Dates and the like into text (toJSON); anything else that is not plain data is refused. */
function plainOnly(_key: string, value: unknown): unknown {
  if (typeof value === "function" || typeof value === "symbol") throw new TypeError("not plain data");
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new TypeError("not plain data");
  }
  return value;
}

/** Numbers as the language writes them (vi: 1.810, en: 1,810). */
export function numberFormat(lang: Lang, options?: Intl.NumberFormatOptions): Intl.NumberFormat {
  return new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-GB", options);
}

/** Language for operator output (CLI, start-up errors); read leniently, since it is needed to report config errors. */
export function operatorLang(env: NodeJS.ProcessEnv = process.env): Lang {
  return toLang(env.OPERATOR_LANGUAGE);
}
