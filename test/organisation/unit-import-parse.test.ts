// The unit file's own checks (no store): columns, formats, duplicates, line numbers, and the error texts.
import { describe, expect, it } from "vitest";
import { tFor } from "../../src/i18n/i18n.ts";
import { formatImportError, formatImportErrors, parseDay, parseUnitFile, parseUnitType } from "../../src/organisation/unit-import.ts";

const HEADER = "Mã đơn vị;Tên đơn vị;Loại;Mã đơn vị cấp trên;Số lao động;Số đoàn viên;Ngày số liệu;Ngày thành lập;Ngày giải thể";
const NOW = new Date("2026-03-01T05:00:00Z");
const csv = (...lines: string[]) => Buffer.from([HEADER, ...lines].join("\r\n"), "utf8");

describe("parseUnitType", () => {
  it.each([
    ["LĐLĐ tỉnh", "PROVINCE_FEDERATION"],
    ["ldld tinh", "PROVINCE_FEDERATION"],
    ["Công đoàn xã / phường", "COMMUNE_UNION"],
    ["Công đoàn phường", "COMMUNE_UNION"],
    ["Công đoàn KCN", "INDUSTRIAL_PARK_UNION"],
    ["Công đoàn ngành", "SECTORAL_UNION"],
    ["CĐCS", "GRASSROOTS"],
    ["cdcs", "GRASSROOTS"],
    ["Công đoàn cơ sở", "GRASSROOTS"],
    ["GRASSROOTS", "GRASSROOTS"],
    ["Grassroots union", "GRASSROOTS"],
    ["Nghiệp đoàn cơ sở", "FREELANCE_GRASSROOTS"],
    ["freelance_grassroots", "FREELANCE_GRASSROOTS"],
  ])("%s → %s", (raw, type) => expect(parseUnitType(raw)).toBe(type));
  it.each(["", "Công ty", "CĐ", "union"])("%j is unknown", (raw) => expect(parseUnitType(raw)).toBeUndefined());
});

describe("parseDay", () => {
  it.each([
    ["01/07/2025", "2025-07-01"],
    ["1/7/2025", "2025-07-01"],
    ["29-02-2024", "2024-02-29"],
    ["2025-07-01", "2025-07-01"],
  ])("%s → %s", (raw, iso) => expect(parseDay(raw)).toBe(iso));
  it.each(["31/02/2025", "29/02/2025", "07/2025", "1.7.25", "hôm qua", "00/01/2025", "01/13/2025"])("%j is not a date", (raw) =>
    expect(parseDay(raw)).toBeUndefined(),
  );
});

describe("parseUnitFile", () => {
  it("reads a good file (semicolons, Vietnamese labels) into rows", async () => {
    const parsed = await parseUnitFile(
      csv(
        "lc;Liên đoàn Lao động tỉnh Lai Châu;LĐLĐ tỉnh;;;;;;",
        "",
        "LC-X1; Công đoàn  Công ty Ví dụ ;CĐCS;lc;1.250;980;01/07/2025;15/3/2010;",
        "LC-X2;Nghiệp đoàn xe ôm;Nghiệp đoàn cơ sở;LC;30;12;;;01/01/2026",
      ),
      "units.csv",
      NOW,
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.rows).toEqual([
      { line: 2, code: "LC", name: "Liên đoàn Lao động tỉnh Lai Châu", type: "PROVINCE_FEDERATION", parentCode: null, workerCount: null, memberCount: null, baselineDate: null, foundedOn: null, closedAt: null },
      { line: 4, code: "LC-X1", name: "Công đoàn Công ty Ví dụ", type: "GRASSROOTS", parentCode: "LC", workerCount: 1250, memberCount: 980, baselineDate: "2025-07-01", foundedOn: "2010-03-15", closedAt: null },
      { line: 5, code: "LC-X2", name: "Nghiệp đoàn xe ôm", type: "FREELANCE_GRASSROOTS", parentCode: "LC", workerCount: 30, memberCount: 12, baselineDate: null, foundedOn: null, closedAt: "2026-01-01" },
    ]);
  });

  it("reports every bad row with its line, and keeps none of them", async () => {
    const parsed = await parseUnitFile(
      csv(
        ";Không có mã;CĐCS;LC;;;;;", // 2
        "LC X;Mã có dấu cách;CĐCS;LC;;;;;", // 3
        "A1;;CĐCS;LC;;;;;", // 4
        "A2;Loại lạ;Công ty;LC;;;;;", // 5
        "A3;Thiếu loại;;LC;;;;;", // 6
        "A1;Trùng mã;CĐCS;LC;;;;;", // 7
        "A4;Số âm;CĐCS;LC;-5;;;;", // 8
        "A5;Chữ;CĐCS;LC;mười;;;;", // 9
        "A6;Nhiều đoàn viên;CĐCS;LC;10;11;;;", // 10
        "A7;Ngày sai;CĐCS;LC;;;31/02/2025;;", // 11
        "A8;Tương lai;CĐCS;LC;;;;02/03/2026;", // 12
        "A9;Giải thể trước thành lập;CĐCS;LC;;;;01/01/2020;01/01/2019", // 13
        "B1;Cấp trên là chính nó;CĐCS;b1;;;;;", // 14
        "B2;Tốt;CĐCS;LC;10;10;;;", // 15
      ),
      "units.csv",
      NOW,
    );
    expect(parsed.errors.map((e) => [e.line, e.key.replace("units.import.errors.", "")])).toEqual([
      [2, "codeMissing"],
      [3, "codeInvalid"],
      [4, "nameMissing"],
      [5, "typeUnknown"],
      [6, "typeMissing"],
      [7, "duplicateCode"],
      [8, "numberNegative"],
      [9, "numberInvalid"],
      [10, "membersExceedWorkers"],
      [11, "dateInvalid"],
      [12, "dateFuture"],
      [13, "closedBeforeFounded"],
      [14, "parentSelf"],
    ]);
    expect(parsed.rows.map((r) => r.code)).toEqual(["B2"]);
    expect(parsed.errors.find((e) => e.line === 7)?.params).toEqual({ code: "A1", firstLine: 4 });
  });

  it("requires the code, name and type columns; other columns may be absent", async () => {
    const missing = await parseUnitFile(Buffer.from("Tên đơn vị,Số lao động\nX,1\n"), "u.csv", NOW);
    expect(missing.errors).toEqual([{ line: null, key: "units.import.errors.missingColumns", columns: ["code", "type"] }]);
    const partial = await parseUnitFile(Buffer.from("Unit code,Unit name,Type\nx1,A union,Grassroots union\n"), "u.csv", NOW);
    expect(partial.rows).toEqual([{ line: 2, code: "X1", name: "A union", type: "GRASSROOTS" }]);
    expect((await parseUnitFile(Buffer.from(HEADER + "\n;;;\n"), "u.csv", NOW)).errors[0]?.key).toBe("units.import.errors.noRows");
  });
});

describe("error texts", () => {
  it("say the line and the column in the reader's language", () => {
    const e = { line: 9, key: "units.import.errors.numberInvalid", column: "workerCount" as const, params: { value: "mười" } };
    expect(formatImportError(tFor("vi"), e)).toBe('Dòng 9: cột "Số lao động": "mười" không phải số nguyên.');
    expect(formatImportError(tFor("en"), e)).toBe('Line 9: column "Workers": "mười" is not a whole number.');
    const unknown = formatImportError(tFor("vi"), { line: 5, key: "units.import.errors.typeUnknown", params: { value: "Công ty" } });
    expect(unknown).toContain("LĐLĐ tỉnh, Công đoàn xã/phường, Công đoàn KCN, Công đoàn ngành, CĐCS, Nghiệp đoàn cơ sở");
  });

  it("are cut after 20 lines with a count of the rest", () => {
    const errors = Array.from({ length: 25 }, (_, i) => ({ line: i + 2, key: "units.import.errors.nameMissing" }));
    const lines = formatImportErrors(tFor("vi"), errors);
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe("… và 5 lỗi khác.");
  });
});
