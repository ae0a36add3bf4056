// No user-facing text hard-coded in src/ (outside src/generated/): text goes through i18n (locales/<lang>/*.json).
//
// The TypeScript parser yields string literals and the text parts of template literals; comments are not nodes, so
// they are ignored, and neither are regular expressions (they are not text). Rules:
//  (a) a literal with a Vietnamese-specific letter (ă â đ ê ô ơ ư, or a vowel with a tone mark) is Vietnamese text,
//      unless ALLOWED says it is data (proper names, matching tables) or deliberately untranslated;
//  (b) a literal with an English phrase of ≥ 3 words passed to a function that sends a chat message;
//  (c) a literal with an English phrase of ≥ 3 words printed with console.* or process.stdout/stderr.write (the CLI
//      and start-up errors print through i18n, in OPERATOR_LANGUAGE).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const SRC = join(ROOT, "src");
const EXCLUDED_DIRS = [join(SRC, "generated")];

/**
 * Vietnamese literals that are not UI text. `file` is relative to the repository; `within` is the name of the
 * enclosing variable declaration; `text` the exact literal. Each entry must still match something (no stale entries).
 */
type Allowed = { file?: string; within?: string; text?: string; reason: string };
const ALLOWED: Allowed[] = [
  { file: "src/organisation/demo/lai-chau.ts", within: "LAI_CHAU_DEMO", reason: "demo unit names: proper names stored as data" },
  { file: "src/drive/demo.ts", within: "DEMO_CAMPAIGN", reason: "demo campaign of the Lai Châu plan (seeds/000): names and announcements stored as data" },
  { file: "src/membership/application-fields.ts", within: "ETHNIC_GROUPS", reason: "the 54 official ethnic-group names, stored as data" },
  { file: "src/membership/application-fields.ts", within: "ETHNIC_ALIASES", reason: "other spellings of ethnic-group names, for matching input" },
  { file: "src/summary/labels.ts", within: "UNION_PREFIXES", reason: "abbreviations of words in unit names (the names are Vietnamese data, whatever the reader's language)" },
  { file: "src/summary/labels.ts", within: "ABBREVIATIONS", reason: "abbreviations of words in unit names (the names are Vietnamese data, whatever the reader's language)" },
  { text: "Tiếng Việt", reason: "language button label, deliberately shown in its own language (like \"English\")" },
];

/** Calls that send chat text (rule b): grammY context/API methods, and this project's FormIO helpers. */
const CHAT_SENDERS = new Set([
  "reply",
  "sendMessage",
  "editMessageText",
  "answerCallbackQuery",
  "sendPhoto", // caption
  "say", // FormIO.say
  "choice", // FormIO.choice(question, buttons)
  "text", // FormIO.text(question) and InlineKeyboard.text(label)
]);
const PRINTERS = /^(console\.(log|error|warn|info|debug)|process\.(stdout|stderr)\.write)$/;

// Letters of Vietnamese that English lacks: đ, ă â ê ô ơ ư, and vowels with a tone mark (grave, acute, hook above,
// tilde, dot below), in either case. Tested on the NFD form, so precomposed and combining spellings both match.
const VI_LETTER = /[đĐ]|[aeiouyAEIOUY][\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031B]/u;
const hasVietnameseLetter = (s: string): boolean => VI_LETTER.test(s.normalize("NFD"));

/** An English phrase: at least 3 space-separated words made of ASCII letters (with trailing punctuation). */
function isEnglishPhrase(s: string): boolean {
  const words = s.split(/\s+/).filter((w) => /^[("']?[A-Za-z]+(?:['’-][A-Za-z]+)*[.,;:!?)"']*$/.test(w));
  return words.length >= 3;
}

type Problem = { file: string; line: number; rule: "a" | "b" | "c"; text: string };
const formatProblem = (p: Problem) => `${p.file}:${p.line} (${p.rule}) ${JSON.stringify(p.text)}`;

/** Name of the nearest enclosing variable declaration, for ALLOWED.within. */
function enclosingVariable(node: ts.Node): string | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name)) return n.name.text;
  }
  return undefined;
}

/** The callee of a call: `x.reply` → "reply" (name) and "x.reply" (text). */
function calleeNames(call: ts.CallExpression, sf: ts.SourceFile): { name?: string; text: string } {
  const e = call.expression;
  const name = ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : undefined;
  return { name, text: e.getText(sf).replace(/\s+/g, "") };
}

/**
 * Problems in one source file. `used` collects the ALLOWED entries that matched (to report stale ones).
 */
function findHardcodedText(file: string, source: string, allowed: Allowed[] = ALLOWED, used = new Set<Allowed>()): Problem[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const problems: Problem[] = [];
  const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;

  /** The literal texts of a node: a string, or the joined text parts of a template (placeholders as spaces). */
  const textOf = (node: ts.Node): string | undefined => {
    if (ts.isStringLiteralLike(node)) return node.text;
    if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(" ");
    return undefined;
  };
  const isModuleName = (node: ts.Node) =>
    ts.isImportDeclaration(node.parent) || ts.isExportDeclaration(node.parent) || ts.isExternalModuleReference(node.parent);

  /** Literal texts anywhere inside the arguments of a call. */
  const literalsIn = (call: ts.CallExpression): { node: ts.Node; text: string }[] => {
    const out: { node: ts.Node; text: string }[] = [];
    const walk = (n: ts.Node) => {
      const text = textOf(n);
      if (text !== undefined) out.push({ node: n, text });
      ts.forEachChild(n, walk);
    };
    call.arguments.forEach(walk);
    return out;
  };

  const visit = (node: ts.Node): void => {
    // (a) Vietnamese letters in any string literal or template text part
    const parts: { node: ts.Node; text: string }[] = ts.isStringLiteralLike(node)
      ? isModuleName(node) ? [] : [{ node, text: node.text }]
      : ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)
        ? [{ node, text: node.text }]
        : [];
    for (const part of parts) {
      if (!hasVietnameseLetter(part.text)) continue;
      const within = enclosingVariable(part.node);
      const match = allowed.find(
        (a) =>
          (a.file === undefined || a.file === file) &&
          (a.within === undefined || a.within === within) &&
          (a.text === undefined || a.text === part.text),
      );
      if (match) used.add(match);
      else problems.push({ file, line: lineOf(part.node), rule: "a", text: part.text });
    }

    // (b), (c) English phrases sent to a chat or printed
    if (ts.isCallExpression(node)) {
      const { name, text } = calleeNames(node, sf);
      const rule = PRINTERS.test(text) ? "c" : name && CHAT_SENDERS.has(name) ? "b" : undefined;
      if (rule) {
        for (const lit of literalsIn(node)) {
          if (isEnglishPhrase(lit.text) && !hasVietnameseLetter(lit.text)) problems.push({ file, line: lineOf(lit.node), rule, text: lit.text });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  // a literal inside nested calls (console.log(x ? "a b c" : t(...))) is reported once per rule
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(formatProblem(p)) && seen.add(formatProblem(p)));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => join(dir, f))
    .filter((f) => f.endsWith(".ts") && !EXCLUDED_DIRS.some((d) => f.startsWith(d + "/")))
    .sort();
}

// ---------------------------------------------------------------------------------------------------------------

describe("no hard-coded user-facing text in src/", () => {
  const used = new Set<Allowed>();
  const files = sourceFiles(SRC);
  const problems = files.flatMap((f) => findHardcodedText(relative(ROOT, f), readFileSync(f, "utf8"), ALLOWED, used));
  const byRule = (rule: Problem["rule"]) => problems.filter((p) => p.rule === rule).map(formatProblem);

  it("scans the source files", () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files.some((f) => f.startsWith(EXCLUDED_DIRS[0]!))).toBe(false);
  });

  it("(a) no Vietnamese text outside the allow-list", () => {
    expect(byRule("a")).toEqual([]);
  });

  it("(b) no English phrase sent to a chat", () => {
    expect(byRule("b")).toEqual([]);
  });

  it("(c) no English phrase printed to the console", () => {
    expect(byRule("c")).toEqual([]);
  });

  it("every allow-list entry is still needed", () => {
    expect(ALLOWED.filter((a) => !used.has(a)).map((a) => a.reason)).toEqual([]);
  });
});

describe("hard-coded text checker (self-test)", () => {
  const check = (source: string, allowed: Allowed[] = []) => findHardcodedText("src/x.ts", source, allowed).map(formatProblem);

  it("(a) reports Vietnamese in string literals and template parts, not in comments or regexes", () => {
    expect(check(`ctx.reply("Xin chào");`)).toEqual(['src/x.ts:1 (a) "Xin chào"']);
    expect(check(`const s = \`Đơn \${ref} đã gửi\`;`)).toEqual(['src/x.ts:1 (a) "Đơn "', 'src/x.ts:1 (a) " đã gửi"']);
    expect(check(`const a = "Tie\u0302\u0301ng";`)).toHaveLength(1); // combining marks (NFD)
    expect(check(`// Xin chào\n/* Công đoàn */ const r = /[đĐ]/g; const k = "join.fields.sex.ask";`)).toEqual([]);
  });

  it("(a) honours the allow-list by file, enclosing variable and text", () => {
    const allowed: Allowed[] = [
      { file: "src/x.ts", within: "NAMES", reason: "data" },
      { file: "src/summary/labels.ts", within: "UNION_PREFIXES", reason: "abbreviations of words in unit names (the names are Vietnamese data, whatever the reader's language)" },
  { file: "src/summary/labels.ts", within: "ABBREVIATIONS", reason: "abbreviations of words in unit names (the names are Vietnamese data, whatever the reader's language)" },
  { text: "Tiếng Việt", reason: "label" },
    ];
    expect(check(`const NAMES = ["Mường", "Thái"]; const b = { label: "Tiếng Việt" };`, allowed)).toEqual([]);
    expect(check(`const OTHER = ["Mường"];`, allowed)).toEqual(['src/x.ts:1 (a) "Mường"']);
    expect(findHardcodedText("src/y.ts", `const NAMES = ["Mường"];`, allowed)).toHaveLength(1);
  });

  it("(b) reports English phrases of ≥ 3 words sent to a chat", () => {
    expect(check(`await ctx.reply("Something went wrong");`)).toEqual(['src/x.ts:1 (b) "Something went wrong"']);
    expect(check(`await api.sendMessage(chatId, "Your application was approved.");`)).toHaveLength(1);
    expect(check(`await ctx.editMessageText(\`Approved on \${date} by the chair\`);`)).toHaveLength(1);
    expect(check(`await ctx.answerCallbackQuery({ text: "This button is stale", show_alert: true });`)).toHaveLength(1);
    expect(check(`await ctx.reply(ctx.t("help")); await ctx.reply("OK"); await ctx.reply("Hello there");`)).toEqual([]);
    expect(check(`await ctx.reply(t("x"), { parse_mode: "HTML" }); kb.text("English", "lang:en");`)).toEqual([]);
  });

  it("(c) reports English phrases of ≥ 3 words printed to the console", () => {
    expect(check(`console.log("Database is up to date.");`)).toEqual(['src/x.ts:1 (c) "Database is up to date."']);
    expect(check(`console.error(ok ? \`Applied: \${n}\` : "Nothing to apply here");`)).toEqual(['src/x.ts:1 (c) "Nothing to apply here"']);
    expect(check(`process.stderr.write("usage: npm run cli\\n");`)).toHaveLength(1);
    expect(check(`console.log(t("cli.usage", { ns: "cli" })); console.error(problem); console.log(\`\${a} \${b}\`);`)).toEqual([]);
  });
});
