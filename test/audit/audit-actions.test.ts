// Every action the code writes to the audit log, and every policy action (refusals are written as
// `denied:<action>`), has a label in the admins' language: /audit and its export show labels, not codes.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS, actionLabel } from "../../src/audit/audit-query.ts";
import { menuFor } from "../../src/bot/commands.ts";
import { LANGUAGES, tFor } from "../../src/i18n/i18n.ts";

const SRC = join(import.meta.dirname, "..", "..", "src");

function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.startsWith("generated"))
    .map((f) => join(SRC, f));
}

/** String literals (through `?:`) that an expression may evaluate to. */
function literals(expr: ts.Expression): string[] {
  if (ts.isStringLiteralLike(expr)) return [expr.text];
  if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr)) return literals(expr.expression);
  if (ts.isConditionalExpression(expr)) return [...literals(expr.whenTrue), ...literals(expr.whenFalse)];
  return [];
}

/** `action: "x.y"` in object literals, and the members of `type Action = "a" | "b"`. */
function actionsInSource(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && node.name.text === "action") {
      found.push(...literals(node.initializer).filter((s) => /^[a-z]+(\.[a-z_]+)+$/.test(s)));
    }
    if (ts.isTypeAliasDeclaration(node) && node.name.text === "Action") {
      const walk = (n: ts.Node): void => {
        if (ts.isLiteralTypeNode(n) && ts.isStringLiteral(n.literal)) found.push(n.literal.text);
        ts.forEachChild(n, walk);
      };
      walk(node.type);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe("audit action labels", () => {
  const used = [...new Set(sourceFiles().flatMap((f) => actionsInSource(f, readFileSync(f, "utf8"))))].sort();

  it("finds the actions in src/ (the scanner works)", () => {
    expect(used).toEqual(expect.arrayContaining(["application.approve", "application.reject", "role.grant", "audit.read", "audit.export"]));
  });

  it("lists every action used in src/ in AUDIT_ACTIONS", () => {
    expect(used.filter((a) => !(AUDIT_ACTIONS as readonly string[]).includes(a))).toEqual([]);
  });

  it("labels every listed action in every language, as text different from the code", () => {
    for (const lang of LANGUAGES) {
      const t = tFor(lang);
      for (const action of AUDIT_ACTIONS) {
        const label = actionLabel(t, action);
        expect(label, `${lang} ${action}`).not.toBe(action);
        expect(label, `${lang} ${action}`).not.toMatch(/audit\.actions|returned an object/);
      }
    }
  });
});

describe("command menu", () => {
  it("shows /audit and /audit_export to admins only", () => {
    const commands = (roles: Parameters<typeof menuFor>[0]) => menuFor(roles, "vi").map((c) => c.command);
    expect(commands(["ADMIN"])).toEqual(expect.arrayContaining(["audit", "audit_export"]));
    for (const role of ["OFFICER", "CHAIR", "DEPUTY_CHAIR"] as const) expect(commands([role])).not.toContain("audit");
    expect(menuFor(["ADMIN"], "vi").find((c) => c.command === "audit")?.description).toBe(tFor("vi")("audit.commands.audit"));
  });
});
