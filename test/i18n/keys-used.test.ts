// Every translation key used in src/ exists in every language, in the namespace it is used with.
//
// The scanner walks the TypeScript AST (comments are not nodes, so they are ignored) and finds:
// - string literals shaped like keys whose first segment is a top-level key of some namespace ("join.x.y",
//   "config.bad_token"), wherever they are: keys are also passed around as data (JOIN_ERRORS, `{ key: "..." }`);
// - any key-shaped literal in the key position of a t call (`t(k)`, `ctx.t(k)`, `io.t(k)`, `t()(k)`, including the
//   branches of `c ? "a" : "b"`), so one-word keys like "unhandled" are found where they are used as keys;
// - template literals shaped like keys (`join.fields.${f.id}.label`): when the type checker knows each `${…}` is a
//   finite union of literals (an enum, "MALE" | "FEMALE") every expanded key must exist; otherwise the template
//   becomes a pattern and at least one key must match it.
// The namespace is the one given with the call (`{ ns: "cli" }`, "cli:key"), or otherwise (as i18next's fallbackNS
// does at runtime) the namespace whose top-level keys contain the key's first segment. The list of top-level keys comes
// from the locale files. Calls with a literal key and an object of parameters are also checked to pass every
// {{variable}} the text needs.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { LANGUAGES, localesDir } from "../../src/i18n/i18n.ts";
import { escapeRegExp, flattenLocale } from "../support/locale-texts.ts";

const ROOT = join(localesDir, "..");
const SRC = join(ROOT, "src");
const EXCLUDED_DIRS = [join(SRC, "generated")];
/** The defaultNS of src/i18n/i18n.ts: what `t(key)` without `ns` uses. */
const DEFAULT_NS = "bot";

/** Literals outside t calls that look like keys (their first segment is a top-level key) but are something else. */
const NOT_KEYS: Record<string, string> = {
  "config.TELEGRAM_BOT_TOKEN": "a pino redact path in src/logger.ts (the config object), not a translation key",
  "audit.read": "a policy action (src/policy/policy.ts) and audit-log action, labelled under audit.actions.audit.read",
  "audit.export": "an audit-log action (src/audit/audit-query.ts), labelled under audit.actions.audit.export",
  "summary.view": "a policy action (src/policy/policy.ts), labelled under audit.actions.summary.view",
  "summary.export": "an audit-log action (src/summary/export.ts), labelled under audit.actions.summary.export",
  "units.chat": "a key prefix (ImportTexts in src/bot/spreadsheet-import.ts, whose keys are checked there)",
  "targets.importChat": "a key prefix (ImportTexts in src/bot/spreadsheet-import.ts, whose keys are checked there)",
};

// ---------------------------------------------------------------------------------------------------------------
// Locale index

type KeyIndex = {
  langs: readonly string[];
  namespaces: string[];
  /** lang → ns → base key (plural suffixes removed) → the {{variables}} of all its forms */
  keys: Record<string, Record<string, Map<string, Set<string>>>>;
  /** ns → first segments of its keys */
  topLevel: Record<string, Set<string>>;
};

const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

/** Locale JSON per lang and ns → index; `x_one` / `x_other` count as `x` (when `x_other` exists). */
function buildIndex(data: Record<string, Record<string, unknown>>): KeyIndex {
  const langs = Object.keys(data);
  const namespaces = [...new Set(langs.flatMap((l) => Object.keys(data[l] ?? {})))].sort();
  const keys: KeyIndex["keys"] = {};
  const topLevel: KeyIndex["topLevel"] = Object.fromEntries(namespaces.map((ns) => [ns, new Set<string>()]));
  for (const lang of langs) {
    keys[lang] = {};
    for (const ns of namespaces) {
      const flat = flattenLocale(data[lang]?.[ns] ?? {});
      const map = new Map<string, Set<string>>();
      for (const [key, value] of Object.entries(flat)) {
        const base = PLURAL_SUFFIX.test(key) && `${key.replace(PLURAL_SUFFIX, "")}_other` in flat ? key.replace(PLURAL_SUFFIX, "") : key;
        const vars = map.get(base) ?? new Set<string>();
        for (const m of String(value).matchAll(/\{\{-?\s*([^{}\s,]+)[^{}]*\}\}/g)) vars.add(m[1] ?? "");
        map.set(base, vars);
        topLevel[ns]?.add(base.split(".")[0] ?? base);
      }
      keys[lang][ns] = map;
    }
  }
  return { langs, namespaces, keys, topLevel };
}

// ---------------------------------------------------------------------------------------------------------------
// Scanner

type KeyUse = {
  file: string;
  line: number;
  /** the source text, for messages */
  source: string;
  /** concrete keys (one for a literal; the expansion of a template), or none when only `pattern` is known */
  keys: string[];
  pattern?: RegExp;
  /** namespace given with the call or the key ("cli:x"); undefined = decide by the first segment */
  ns?: string;
  /** set when this is a t call's key whose options are an object literal listing these parameter names */
  params?: Set<string>;
  /** a direct t call or wrapper call with a literal key and no parameters at all */
  noParams?: boolean;
};

const KEY_SHAPE = /^(?:([a-z][\w-]*):)?([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)$/;
const KEY_CHARS = /^[A-Za-z0-9_.]*$/;

/** `t`, `x.t`, `t()`, `x.t()`, `tFor(lang)`: callees whose call translates its first argument. */
function isTranslateCallee(callee: ts.Expression): boolean {
  if (ts.isIdentifier(callee)) return callee.text === "t";
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text === "t";
  if (ts.isCallExpression(callee)) {
    const inner = callee.expression;
    return isTranslateCallee(inner) || (ts.isIdentifier(inner) && inner.text === "tFor") || (ts.isPropertyAccessExpression(inner) && inner.name.text === "getFixedT");
  }
  return ts.isParenthesizedExpression(callee) && isTranslateCallee(callee.expression);
}

/** The expressions a key argument may evaluate to: through parentheses, `?:`, `??`, `||`, `as`, arrays. */
function keyLeaves(expr: ts.Expression): ts.Expression[] {
  if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr)) return keyLeaves(expr.expression);
  if (ts.isConditionalExpression(expr)) return [...keyLeaves(expr.whenTrue), ...keyLeaves(expr.whenFalse)];
  if (ts.isBinaryExpression(expr) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(expr.operatorToken.kind)) {
    return [...keyLeaves(expr.left), ...keyLeaves(expr.right)];
  }
  if (ts.isArrayLiteralExpression(expr)) return expr.elements.flatMap((e) => keyLeaves(e));
  return [expr];
}

type CallInfo = { ns?: string; params?: Set<string>; noParams: boolean };

/** Namespace and parameter names of a t call's options: `{ ns: "cli", name }`; unknown when not an object literal. */
function callOptions(call: ts.CallExpression): CallInfo {
  const options = call.arguments[1];
  // No ns: i18next looks in the default namespace, then in every other one (fallbackNS in src/i18n/i18n.ts).
  if (!options) return { noParams: true };
  if (!ts.isObjectLiteralExpression(options)) return { noParams: false };
  const params = new Set<string>();
  let ns: string | undefined;
  let complete = true;
  for (const p of options.properties) {
    if (ts.isSpreadAssignment(p)) {
      complete = false;
      continue;
    }
    const name = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
    if (name === undefined) complete = false;
    else if (name === "ns") ns = ts.isPropertyAssignment(p) && ts.isStringLiteralLike(p.initializer) ? p.initializer.text : undefined;
    else params.add(name);
  }
  const nsGiven = options.properties.some((p) => p.name && ts.isIdentifier(p.name) && p.name.text === "ns");
  return { ns: complete || nsGiven ? ns : undefined, params: complete ? params : undefined, noParams: false };
}

/** The string values a type can take, when it is a small finite union of string/number literals. */
function literalValues(type: ts.Type): string[] | undefined {
  const parts = type.isUnion() ? type.types : [type];
  const out: string[] = [];
  for (const p of parts) {
    if (p.isStringLiteral()) out.push(p.value);
    else if (p.isNumberLiteral()) out.push(String(p.value));
    else return undefined;
  }
  return out.length > 0 && out.length <= 100 ? out : undefined;
}


function splitNs(key: string, index: KeyIndex): { ns?: string; key: string } | undefined {
  const m = KEY_SHAPE.exec(key);
  if (!m) return undefined;
  if (m[1] !== undefined && !index.namespaces.includes(m[1])) return undefined;
  return { ns: m[1], key: m[2] ?? key };
}

const isKnownPrefix = (key: string, index: KeyIndex) => index.namespaces.some((ns) => index.topLevel[ns]?.has(key.split(".")[0] ?? ""));

/** All key uses in the given source files of a program. */
function findKeyUses(program: ts.Program, fileNames: readonly string[], index: KeyIndex): KeyUse[] {
  const checker = program.getTypeChecker();
  const uses: KeyUse[] = [];
  for (const fileName of fileNames) {
    const sf = program.getSourceFile(fileName);
    if (!sf) throw new Error(`not in the program: ${fileName}`);
    const file = fileName.startsWith(ROOT) ? relative(ROOT, fileName) : fileName;
    const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;

    // Key positions of t calls, and literal-key calls (t or wrappers such as the CLI's say) with their parameters.
    const tKeys = new Map<ts.Node, CallInfo>();
    const paramCalls = new Map<ts.Node, CallInfo>();
    const collect = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && node.arguments[0]) {
        const info = callOptions(node);
        const leaves = isTranslateCallee(node.expression) ? keyLeaves(node.arguments[0]) : [];
        for (const leaf of leaves) tKeys.set(leaf, info);
        for (const leaf of [node.arguments[0], ...leaves]) if (ts.isStringLiteralLike(leaf)) paramCalls.set(leaf, info);
      }
      ts.forEachChild(node, collect);
    };
    collect(sf);

    const visit = (node: ts.Node): void => {
      const call = tKeys.get(node);
      if (ts.isStringLiteralLike(node) && !ts.isImportDeclaration(node.parent) && !ts.isExportDeclaration(node.parent)) {
        const parsed = splitNs(node.text, index);
        const isKey =
          parsed && (call || (!Object.hasOwn(NOT_KEYS, node.text) && (parsed.ns !== undefined || (parsed.key.includes(".") && isKnownPrefix(parsed.key, index)))));
        if (parsed && isKey) {
          const p = paramCalls.get(node);
          uses.push({
            file,
            line: lineOf(node),
            source: node.getText(sf),
            keys: [parsed.key],
            ns: parsed.ns ?? call?.ns,
            params: p?.params,
            noParams: p?.noParams,
          });
        }
      } else if (ts.isTemplateExpression(node)) {
        const texts = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)];
        const head = splitNs(node.head.text.replace(/\.$/, ""), index);
        const keyLike = texts.every((t) => KEY_CHARS.test(t.replace(/^[a-z][\w-]*:/, "")));
        if (keyLike && (call || (head && node.head.text.endsWith(".") && (head.ns !== undefined || isKnownPrefix(head.key, index))))) {
          const values = node.templateSpans.map((s) => literalValues(checker.getTypeAtLocation(s.expression)));
          const body = texts.map((t, i) => (i === 0 ? t.replace(/^[a-z][\w-]*:/, "") : t));
          let keys: string[] = [body[0] ?? ""];
          for (const [i, v] of values.entries()) keys = v ? keys.flatMap((k) => v.map((x) => k + x + (body[i + 1] ?? ""))) : [];
          const pattern = new RegExp(
            `^${body.map((t, i) => escapeRegExp(t) + (i < values.length ? (values[i] ? `(?:${values[i]!.map(escapeRegExp).join("|")})` : ".+") : "")).join("")}$`,
          );
          uses.push({
            file,
            line: lineOf(node),
            source: node.getText(sf),
            keys: keys.length > 500 ? [] : keys,
            pattern,
            ns: head?.ns ?? call?.ns,
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return uses;
}

/** Namespaces to look a key up in: the given one, or those whose top-level keys hold its first segment. */
function namespacesFor(use: KeyUse, sample: string, index: KeyIndex): string[] {
  if (use.ns !== undefined) return [use.ns];
  const first = sample.split(".")[0] ?? "";
  const found = index.namespaces.filter((ns) => index.topLevel[ns]?.has(first));
  return found.length ? found : [DEFAULT_NS];
}

/** Missing keys (per language) and missing parameters, as "file:line: message". */
function checkUses(uses: KeyUse[], index: KeyIndex): string[] {
  const problems: string[] = [];
  for (const use of uses) {
    const where = `${use.file}:${use.line}`;
    const concrete = use.keys.length > 0 ? use.keys : undefined;
    const hint = (key: string, nss: string[]) => {
      const elsewhere = index.namespaces.filter((ns) => !nss.includes(ns) && index.langs.every((l) => index.keys[l]?.[ns]?.has(key)));
      return elsewhere.length ? ` (it is in namespace ${elsewhere.map((n) => `"${n}"`).join(", ")}: pass { ns })` : "";
    };
    if (concrete) {
      for (const key of concrete) {
        const nss = namespacesFor(use, key, index);
        const missingIn = index.langs.filter((l) => !nss.some((ns) => index.keys[l]?.[ns]?.has(key)));
        if (missingIn.length) {
          const from = use.source.includes(key) ? "" : ` (from ${use.source})`;
          problems.push(`${where}: "${key}"${from} missing in ${missingIn.join(", ")} [namespace ${nss.join("|")}]${hint(key, nss)}`);
          continue;
        }
        const needsParams = use.params !== undefined || use.noParams;
        if (needsParams) {
          const given = use.params ?? new Set<string>();
          for (const l of index.langs) {
            const ns = nss.find((n) => index.keys[l]?.[n]?.has(key));
            const vars = [...(ns ? (index.keys[l]?.[ns]?.get(key) ?? []) : [])].filter((v) => !given.has(v));
            if (vars.length) problems.push(`${where}: "${key}" needs {{${vars.join("}}, {{")}}} (${l}) but the call does not pass it`);
          }
        }
      }
    } else if (use.pattern) {
      const nss = namespacesFor(use, use.source.slice(1), index);
      const missingIn = index.langs.filter((l) => !nss.some((ns) => [...(index.keys[l]?.[ns]?.keys() ?? [])].some((k) => use.pattern!.test(k))));
      if (missingIn.length) problems.push(`${where}: no key matches ${use.source} in ${missingIn.join(", ")} [namespace ${nss.join("|")}]`);
    }
  }
  return [...new Set(problems)];
}

// ---------------------------------------------------------------------------------------------------------------
// Programs: the real src/, and in-memory sources for the self-test

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => join(dir, f))
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !EXCLUDED_DIRS.some((d) => f.startsWith(d + "/")))
    .sort();
}

function srcProgram(files: string[]): ts.Program {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, "tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  });
  if (!config) throw new Error("cannot read tsconfig.json");
  return ts.createProgram(files, config.options);
}

function virtualProgram(files: Record<string, string>): ts.Program {
  const options: ts.CompilerOptions = { noLib: true, strict: true, target: ts.ScriptTarget.ES2022, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => {
    const text = files[name];
    return text !== undefined ? ts.createSourceFile(name, text, lang, true) : getSourceFile(name, lang, ...rest);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name in files || fileExists(name);
  return ts.createProgram(Object.keys(files), options, host);
}

function readLocales(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    LANGUAGES.map((lang) => [
      lang,
      Object.fromEntries(
        readdirSync(join(localesDir, lang))
          .filter((f) => f.endsWith(".json"))
          .map((f) => [f.replace(/\.json$/, ""), JSON.parse(readFileSync(join(localesDir, lang, f), "utf8")) as unknown]),
      ),
    ]),
  );
}

// ---------------------------------------------------------------------------------------------------------------

describe("translation keys used in src/", () => {
  const index = buildIndex(readLocales());
  let uses: KeyUse[] = [];

  beforeAll(() => {
    const files = sourceFiles(SRC);
    uses = findKeyUses(srcProgram(files), files, index);
  }, 120_000);

  it("the scanner finds the keys in src/ (sanity check)", () => {
    expect(index.namespaces).toEqual(expect.arrayContaining(["bot", "cli"]));
    expect(uses.length).toBeGreaterThan(50);
    expect(uses.some((u) => u.keys.includes("unhandled"))).toBe(true); // one-word key in a t call
    expect(uses.some((u) => u.keys.includes("cli.demo_loaded"))).toBe(true); // through the CLI's say()
    expect(uses.some((u) => u.keys.includes("join.errors.invalid"))).toBe(true); // as data (JOIN_ERRORS)
    expect(uses.some((u) => u.pattern !== undefined)).toBe(true); // template literals
  });

  it("every NOT_KEYS entry still occurs in src/", () => {
    const text = sourceFiles(SRC).map((f) => readFileSync(f, "utf8")).join("\n");
    expect(Object.keys(NOT_KEYS).filter((k) => !text.includes(`"${k}"`))).toEqual([]);
  });

  it("every key exists in every language, in its namespace, and gets its {{variables}}", () => {
    expect(checkUses(uses, index)).toEqual([]);
  });
});

describe("key scanner (self-test)", () => {
  const index = buildIndex({
    vi: {
      bot: { help: "Trợ giúp", join: { fields: { sex: { label: "Giới tính", MALE: "Nam" } } }, n_other: "{{count}} đơn", hi: "Chào {{name}}" },
      cli: { cli: { usage: "Cách dùng" }, unit_types: { A: "a" } },
    },
    en: {
      bot: { help: "Help", join: { fields: { sex: { label: "Sex", MALE: "Male" } } }, n_one: "one", n_other: "{{count}} forms", hi: "Hi {{name}}" },
      cli: { cli: { usage: "Usage" }, unit_types: { A: "a" } },
    },
  });
  const scan = (source: string) => {
    const program = virtualProgram({ "/virtual/a.ts": `declare function t(k: string, o?: object): string;\n${source}` });
    return checkUses(findKeyUses(program, ["/virtual/a.ts"], index), index);
  };

  it("accepts keys that exist", () => {
    expect(
      scan(`
        declare const ctx: { t(k: string, o?: object): string }; declare const sex: "MALE"; declare const id: string;
        ctx.t(Math.random() ? "help" : "join.fields.sex.label");
        t(\`join.fields.sex.\${sex}\`); t(\`join.fields.\${id}.label\`); t("n", { count: 2 }); t("hi", { name: "A" });
        t("cli.usage", { ns: "cli" }); t("cli:cli.usage"); const say = (k: string) => k; say("cli.usage");
        const ERRORS = { a: "join.fields.sex.MALE" }; // "join.nope" in a comment is ignored
      `),
    ).toEqual([]);
  });

  it("reports missing literal keys, one-word keys in t calls and keys used as data, with file:line", () => {
    expect(scan(`t("join.fields.sex.FEMALE");`)).toEqual([
      '/virtual/a.ts:2: "join.fields.sex.FEMALE" missing in vi, en [namespace bot]',
    ]);
    expect(scan(`declare const ctx: { t(k: string): string }; ctx.t(Math.random() ? "help" : "helpp");`)).toHaveLength(1);
    expect(scan(`const e = { key: "join.fields.nope" };`)).toHaveLength(1);
  });

  it("reports a key only in one language", () => {
    const one = buildIndex({ vi: { bot: { a: { b: "x" }, c: "y" } }, en: { bot: { c: "y" } } });
    const program = virtualProgram({ "/virtual/b.ts": `declare function t(k: string): string; t("a.b");` });
    expect(checkUses(findKeyUses(program, ["/virtual/b.ts"], one), one)).toEqual(['/virtual/b.ts:1: "a.b" missing in en [namespace bot]']);
  });

  it("checks the namespace a key is used with", () => {
    // Without ns a key is found in any namespace whose top level holds it (fallbackNS), as at runtime.
    expect(scan(`t("cli.usage");`)).toEqual([]);
    expect(scan(`t("cli.nope");`)).toEqual(['/virtual/a.ts:2: "cli.nope" missing in vi, en [namespace cli]']);
    expect(scan(`t("help", { ns: "cli" });`)).toHaveLength(1);
  });

  it("expands template literals over literal union types, else matches them as patterns", () => {
    expect(scan(`declare const s: "MALE" | "FEMALE"; t(\`join.fields.sex.\${s}\`);`)).toEqual([
      '/virtual/a.ts:2: "join.fields.sex.FEMALE" (from `join.fields.sex.${s}`) missing in vi, en [namespace bot]',
    ]);
    expect(scan(`declare const id: string; t(\`join.fields.\${id}.ask\`);`)).toEqual([
      "/virtual/a.ts:2: no key matches `join.fields.${id}.ask` in vi, en [namespace bot]",
    ]);
    expect(scan(`declare const u: "B"; t(\`unit_types.\${u}\`, { ns: "cli" });`)).toHaveLength(1);
  });

  it("reports {{variables}} the call does not pass", () => {
    expect(scan(`t("hi", { nam: "A" });`)).toEqual([
      '/virtual/a.ts:2: "hi" needs {{name}} (vi) but the call does not pass it',
      '/virtual/a.ts:2: "hi" needs {{name}} (en) but the call does not pass it',
    ]);
    expect(scan(`t("hi");`)).toHaveLength(2);
    expect(scan(`t(Math.random() ? "help" : "hi", { nam: "A" });`)).toHaveLength(2);
    expect(scan(`declare const o: object; t("hi", o); t("hi", { ...o });`)).toEqual([]);
  });
});
