import { describe, expect, it } from "vitest";
import { LAI_CHAU_DEMO, type DemoUnit } from "../../src/organisation/demo/lai-chau.ts";
import { toSearchText } from "../../src/shared/text.ts";

const GRASSROOTS = new Set<DemoUnit["type"]>(["GRASSROOTS", "FREELANCE_GRASSROOTS"]);
const byCode = new Map(LAI_CHAU_DEMO.map((u) => [u.code, u]));

function search(query: string): string[] {
  const words = toSearchText(query).split(" ");
  return LAI_CHAU_DEMO.filter((u) => words.every((w) => toSearchText(u.name).includes(w))).map((u) => u.code);
}

describe("Lai Châu demo tree", () => {
  it("has unique, short, ASCII upper-case codes", () => {
    const codes = LAI_CHAU_DEMO.map((u) => u.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^LC(-[A-Z0-9]{1,5}){0,2}$/);
  });

  it("has exactly one root, the provincial federation LC", () => {
    const roots = LAI_CHAU_DEMO.filter((u) => u.parentCode === undefined);
    expect(roots).toEqual([{ code: "LC", name: "Liên đoàn Lao động tỉnh Lai Châu", type: "PROVINCE_FEDERATION" }]);
    expect(LAI_CHAU_DEMO.filter((u) => u.type === "PROVINCE_FEDERATION")).toHaveLength(1);
  });

  it("lists every parent before its children", () => {
    const seen = new Set<string>();
    for (const unit of LAI_CHAU_DEMO) {
      if (unit.parentCode !== undefined) {
        expect(byCode.has(unit.parentCode), `${unit.code}: parent ${unit.parentCode} exists`).toBe(true);
        expect(seen.has(unit.parentCode), `${unit.code}: parent ${unit.parentCode} comes first`).toBe(true);
      }
      seen.add(unit.code);
    }
  });

  it("codes extend their parent's code, so the tree reads from the code", () => {
    for (const unit of LAI_CHAU_DEMO) {
      if (unit.parentCode !== undefined) expect(unit.code.startsWith(unit.parentCode + "-")).toBe(true);
    }
  });

  it("hangs grassroots unions only under upper-level unions, and nothing under a grassroots union", () => {
    for (const unit of LAI_CHAU_DEMO) {
      const parent = unit.parentCode === undefined ? undefined : byCode.get(unit.parentCode);
      if (parent) expect(GRASSROOTS.has(parent.type), `${unit.code} under ${parent.code}`).toBe(false);
      if (unit.type === "COMMUNE_UNION" || unit.type === "SECTORAL_UNION") expect(parent?.type).toBe("PROVINCE_FEDERATION");
    }
  });

  it("has plausible counts: members ≤ workers, positive integers, given for every grassroots union", () => {
    for (const unit of LAI_CHAU_DEMO) {
      if (GRASSROOTS.has(unit.type)) {
        expect(unit.workerCount, unit.code).toBeDefined();
        expect(unit.memberCount, unit.code).toBeDefined();
      }
      if (unit.workerCount !== undefined) {
        expect(Number.isInteger(unit.workerCount) && unit.workerCount > 0, unit.code).toBe(true);
      }
      if (unit.memberCount !== undefined) {
        expect(Number.isInteger(unit.memberCount) && unit.memberCount >= 0, unit.code).toBe(true);
        expect(unit.memberCount, unit.code).toBeLessThanOrEqual(unit.workerCount ?? 0);
      }
    }
  });

  it("has the shape the demo needs", () => {
    const count = (type: DemoUnit["type"]) => LAI_CHAU_DEMO.filter((u) => u.type === type).length;
    expect(count("COMMUNE_UNION")).toBeGreaterThanOrEqual(6);
    expect(count("SECTORAL_UNION")).toBe(2);
    expect(count("GRASSROOTS") + count("FREELANCE_GRASSROOTS")).toBeGreaterThanOrEqual(20);
    expect(count("FREELANCE_GRASSROOTS")).toBeGreaterThanOrEqual(1);
    const parentsOfGrassroots = new Set(
      LAI_CHAU_DEMO.filter((u) => GRASSROOTS.has(u.type)).map((u) => byCode.get(u.parentCode ?? "")?.type),
    );
    expect(parentsOfGrassroots).toEqual(new Set(["COMMUNE_UNION", "SECTORAL_UNION", "PROVINCE_FEDERATION"]));
  });

  it("names are NFC, trimmed, single-spaced and unique", () => {
    const names = LAI_CHAU_DEMO.map((u) => u.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toBe(name.normalize("NFC"));
      expect(name).toBe(name.trim().replace(/\s+/g, " "));
    }
  });

  it("is searchable without diacritics, with names sharing words", () => {
    expect(search("nghiep doan co so")).toEqual(["LC-TP-XOM", "LC-DK-CHO"]);
    expect(search("nghiep")).toEqual(["LC-TP-XOM", "LC-DK-CHO", "LC-SH-HTX"]); // "nông nghiệp" too
    expect(search("cong ty co phan").length).toBeGreaterThanOrEqual(5);
    expect(search("thuy dien")).toEqual(["LC-PT-NN2", "LC-PT-NN3", "LC-TU-HQBC", "LC-SH-NC"]);
    expect(search("Nậm Na 3")).toEqual(["LC-PT-NN3"]);
    expect(search("than uyen")).toEqual(["LC-TU", "LC-TU-CHE", "LC-YT-TU"]);
    expect(search("chè")).toEqual(["LC-BL-CHE", "LC-TU-CHE"]);
    expect(search("doan ket")).toEqual(["LC-DK"]);
    expect(search("xe om")).toEqual(["LC-TP-XOM"]);
  });
});
