// Which locale keys a text the bot sent could have been rendered from. Tests use it to prove a reply came from a
// feature's own texts (not a generic error that merely differs from the refusal), and the fuzz tier to prove that
// every reply, whatever was typed, is a rendered locale text.
import { resources, type Lang } from "../../src/i18n/i18n.ts";

interface Template {
  /** "namespace:dotted.key" */
  key: string;
  pattern: RegExp;
  /** Characters of the template that are not placeholders: a template of only placeholders proves nothing. */
  literal: number;
}

/** `text` matched literally inside a regular expression. */
export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Nested locale JSON → { "a.b.c": value }; arrays and other non-objects are leaves. */
export function flattenLocale(value: unknown, prefix = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flattenLocale(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out[prefix] = value;
  }
  return out;
}

const PLACEHOLDER = /\{\{[^}]*\}\}|\$t\([^)]*\)/g;

function toTemplate(key: string, text: string): Template {
  const parts = text.split(PLACEHOLDER);
  return { key, pattern: new RegExp(parts.map(escapeRegExp).join("[\\s\\S]*?")), literal: parts.join("").trim().length };
}

const byLang = new Map<Lang, Template[]>();

function templates(lang: Lang): Template[] {
  let list = byLang.get(lang);
  if (!list) {
    list = [];
    for (const [ns, tree] of Object.entries(resources[lang] ?? {})) {
      for (const [key, text] of Object.entries(flattenLocale(tree))) if (typeof text === "string") list.push(toTemplate(`${ns}:${key}`, text));
    }
    byLang.set(lang, list);
  }
  return list;
}

/** Every key ("ns:key") whose text, with its placeholders filled somehow, occurs in `text`; at least 6 literal characters. */
export function keysIn(text: string, lang: Lang = "vi"): string[] {
  return templates(lang)
    .filter((tpl) => tpl.literal >= 6 && tpl.pattern.test(text))
    .map((tpl) => tpl.key);
}

/** Whether `text` holds a text rendered from one of the keys under `prefix` ("members", "reports:reports.form", …). */
export function fromKeys(text: string, prefix: string, lang: Lang = "vi"): boolean {
  const [ns, key] = prefix.includes(":") ? prefix.split(":", 2) : [undefined, prefix];
  return keysIn(text, lang).some((found) => {
    const [foundNs, foundKey] = found.split(":", 2) as [string, string];
    return (ns === undefined || foundNs === ns) && (foundKey === key || foundKey.startsWith(`${key}.`) || (ns === undefined && foundNs === key));
  });
}

/** A pattern for the text of `key` ("ns:key" or a key of any namespace) with any values in its placeholders. */
export function patternOf(key: string, lang: Lang = "vi"): RegExp {
  const found = templates(lang).find((tpl) => tpl.key === key || tpl.key.endsWith(`:${key}`));
  if (!found) throw new Error(`no locale key ${key}`);
  return found.pattern;
}
