// tFor remembers rendered texts (a replayed conversation renders the same prompts again and again): a remembered
// text must be exactly what rendering it again would give, and calls that differ must never share one.
import { describe, expect, it } from "vitest";
import { T_MEMO_SIZE, tFor } from "../../src/i18n/i18n.ts";

describe("remembered texts", () => {
  const en = tFor("en");
  const vi = tFor("vi");

  it("are told apart by language, key and every option", () => {
    expect(en("applications.list.days", { count: 1 })).toBe("waiting 1 day");
    expect(en("applications.list.days", { count: 2 })).toBe("waiting 2 days");
    expect(en("applications.list.days", { count: 1 })).toBe("waiting 1 day");
    expect(vi("applications.list.days", { count: 1 })).toBe("đã chờ 1 ngày");
    expect(en("applications.list.unit", { unit: "A" })).toBe("    A");
    expect(en("applications.list.unit", { unit: "B" })).toBe("    B");
  });

  it("render dates given as options the same way each time", () => {
    const at = new Date("2026-12-04T10:00:00Z");
    const first = en("applications.list.unit", { unit: at });
    expect(en("applications.list.unit", { unit: new Date(at) })).toBe(first);
    expect(en("applications.list.unit", { unit: new Date("2026-12-05T10:00:00Z") })).not.toBe(first);
  });

  it("stay correct when more different texts are rendered than are remembered", () => {
    for (let i = 0; i < T_MEMO_SIZE + 10; i++) expect(en("applications.list.unit", { unit: `U${i}` })).toBe(`    U${i}`);
    expect(en("applications.list.days", { count: 3 })).toBe("waiting 3 days");
  });

  it("are not remembered when the options cannot be told apart by their content", () => {
    expect(en("applications.list.unit", { unit: new Map([["x", 1]]) })).toBe("    [object Map]");
    expect(en("applications.list.unit", { unit: { toString: () => "first" } })).toBe("    first");
    expect(en("applications.list.unit", { unit: { toString: () => "second" } })).toBe("    second");
  });
});
