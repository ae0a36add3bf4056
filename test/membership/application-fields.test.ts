import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ETHNIC_ALIASES,
  ETHNIC_GROUPS,
  JOIN_ERRORS,
  MAX_AGE,
  MIN_AGE,
  NAME_MAX,
  birthDateSchema,
  contactPhoneSchema,
  employerAddressSchema,
  employerNameSchema,
  ethnicitySchema,
  formatDate,
  formatPhoneForDisplay,
  fullNameSchema,
  jobPositionSchema,
  matchEthnicity,
  parseBirthDate,
  parseField,
  phoneSchema,
  suggestEthnicGroups,
  type FieldResult,
} from "../../src/membership/application-fields.ts";
import { cleanText, toSearchText, truncate } from "../../src/shared/text.ts";

const ZWSP = "\u200B";
const ZWJ = "\u200D";
const BOM = "\uFEFF";
const NBSP = "\u00A0";
const HUGE = "a".repeat(5000);

function value<T>(r: FieldResult<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
}
function errorOf<T>(r: FieldResult<T>) {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
}

describe("shared text", () => {
  it.each([
    ["Công ty", "cong ty"],
    ["  CÔNG   TY\tĐiện  lực ", "cong ty dien luc"],
    ["Đoàn Kết", "doan ket"],
    ["Nguyễn".normalize("NFD"), "nguyen"],
    [`Lai${ZWSP} Châu`, "lai chau"],
    ["Ðoàn", "doan"], // Icelandic eth typed for Đ
    ["", ""],
  ])("toSearchText(%j) = %j", (input, expected) => {
    expect(toSearchText(input)).toBe(expected);
  });

  it.each([
    ["Công đoàn cơ sở", 20, "Công đoàn cơ sở"],
    ["Công đoàn cơ sở", 15, "Công đoàn cơ sở"],
    ["Công đoàn cơ sở", 10, "Công đoàn…"],
    ["Công đoàn cơ sở", 1, "…"],
    ["Công đoàn cơ sở", 0, ""],
    ["Nguyễn".normalize("NFD") + " Văn An", 4, "Ngu…"],
    ["👨‍👩‍👧 gia đình", 3, "👨‍👩‍👧…"], // the family emoji is one character; the space before "…" goes
  ])("truncate(%j, %i) = %j", (input, n, expected) => {
    expect(truncate(input, n)).toBe(expected);
  });

  it("truncate keeps the decomposed letter whole", () => {
    const nfd = "Nguyễn".normalize("NFD");
    expect(truncate(nfd + " An", 6).normalize("NFC")).toBe("Nguyễ…");
  });

  it("cleanText drops invisible characters and folds whitespace", () => {
    expect(cleanText(`${BOM} Lê${NBSP}Thị\n\nHoa${ZWSP} `)).toBe("Lê Thị Hoa");
  });
});

describe("parseField", () => {
  it("maps zod's own length issues to min/max params", () => {
    const schema = z.string().min(3, "join.errors.job_too_short").max(5, "join.errors.job_too_long");
    expect(parseField(schema, "ab")).toEqual({ ok: false, error: { key: "join.errors.job_too_short", params: { min: 3 } } });
    expect(parseField(schema, "abcdef")).toEqual({ ok: false, error: { key: "join.errors.job_too_long", params: { max: 5 } } });
  });

  it("never leaks zod's English messages", () => {
    const schema = z.string().email();
    expect(parseField(schema, "x")).toEqual({ ok: false, error: { key: JOIN_ERRORS.invalid } });
    expect(parseField(fullNameSchema, 42 as unknown as string)).toEqual({ ok: false, error: { key: JOIN_ERRORS.invalid } });
  });
});

describe("fullName", () => {
  const nfc = "Nguyễn Văn An";
  it.each([
    ["Nguyễn Văn An", "Nguyễn Văn An"],
    ["nguyễn văn an", "Nguyễn Văn An"],
    ["NGUYỄN VĂN AN", "Nguyễn Văn An"],
    ["đặng thị ánh", "Đặng Thị Ánh"],
    ["ĐỖ THỊ LỆ", "Đỗ Thị Lệ"],
    ["  Lê   Thị  Hoa  ", "Lê Thị Hoa"],
    [`Lê${ZWSP} Thị${ZWJ} Hoa${BOM}`, "Lê Thị Hoa"],
    [`Lê${NBSP}Thị\tHoa`, "Lê Thị Hoa"],
    ["Nguyễn văn An", "Nguyễn văn An"], // mixed casing is the person's choice
    ["McDonald", "McDonald"],
    ["Jean-Pierre Dupont", "Jean-Pierre Dupont"],
    ["jean-pierre dupont", "Jean-Pierre Dupont"],
    ["O’Brien", "O'Brien"], // typographic apostrophe made ASCII
    ["h'hen niê", "H'Hen Niê"],
    ["Y Moan Ênuôl", "Y Moan Ênuôl"],
    ["J. R. Smith", "J. R. Smith"],
    ["Müller Schön", "Müller Schön"],
    ["Ли Мин", "Ли Мин"],
    ["王小明", "王小明"],
    ["Lò Văn Pá", "Lò Văn Pá"],
    ["Vàng A Sếnh", "Vàng A Sếnh"],
    ["An", "An"],
  ])("accepts %j as %j", (input, expected) => {
    expect(value(parseField(fullNameSchema, input))).toBe(expected);
  });

  it("a name typed in decomposed form equals its NFC form", () => {
    const typed = nfc.normalize("NFD");
    expect(typed).not.toBe(nfc);
    expect(value(parseField(fullNameSchema, typed))).toBe(nfc);
    expect(value(parseField(fullNameSchema, "nguyễn văn an".normalize("NFD")))).toBe(nfc);
  });

  it("keeps the name at 80 characters and rejects 81", () => {
    const eighty = "A" + "n".repeat(79);
    expect(value(parseField(fullNameSchema, eighty))).toBe(eighty);
    expect(errorOf(parseField(fullNameSchema, eighty + "n"))).toEqual({ key: JOIN_ERRORS.nameTooLong, params: { max: NAME_MAX } });
  });

  it("counts Vietnamese letters as one character even in NFD", () => {
    const name = "Nguyễn ".repeat(11).trim(); // 76 characters
    expect(value(parseField(fullNameSchema, name.normalize("NFD")))).toBe(name);
  });

  it.each([
    ["", JOIN_ERRORS.nameTooShort],
    ["   ", JOIN_ERRORS.nameTooShort],
    [ZWSP.repeat(10), JOIN_ERRORS.nameTooShort],
    ["A", JOIN_ERRORS.nameTooShort],
    ["A.", JOIN_ERRORS.nameTooShort],
    ["- '", JOIN_ERRORS.nameTooShort],
    ["Nguyễn Văn An 2", JOIN_ERRORS.nameBadChars],
    ["An1", JOIN_ERRORS.nameBadChars],
    ["Nguyễn Văn An 😀", JOIN_ERRORS.nameBadChars],
    ["❤️ An", JOIN_ERRORS.nameBadChars],
    ["Nguyễn_Văn", JOIN_ERRORS.nameBadChars],
    ["Nguyễn@An", JOIN_ERRORS.nameBadChars],
    ["<b>An</b>", JOIN_ERRORS.nameBadChars],
    ["An, Bình", JOIN_ERRORS.nameBadChars],
    ["Ⅻ An", JOIN_ERRORS.nameBadChars],
    [HUGE, JOIN_ERRORS.nameTooLong],
    ["Nguyễn ".repeat(5000), JOIN_ERRORS.nameTooLong],
    [ZWSP.repeat(20_000) + "An", JOIN_ERRORS.nameTooLong],
  ])("rejects %j with %s", (input, key) => {
    expect(errorOf(parseField(fullNameSchema, input)).key).toBe(key);
  });

  it("gives the minimum with too_short", () => {
    expect(errorOf(parseField(fullNameSchema, "A"))).toEqual({ key: JOIN_ERRORS.nameTooShort, params: { min: 2 } });
  });
});

describe("birthDate", () => {
  const today = { y: 2026, m: 5, d: 10 };
  const schema = birthDateSchema(today);
  const parse = (raw: string) => parseField(schema, raw);

  it.each([
    ["05/09/1995", "05/09/1995"],
    ["5/9/1995", "05/09/1995"],
    ["05-09-1995", "05/09/1995"],
    ["05.09.1995", "05/09/1995"],
    ["05 09 1995", "05/09/1995"],
    ["5 - 9 - 1995", "05/09/1995"],
    ["  05/09/1995  ", "05/09/1995"],
    [`05/09/1995${ZWSP}`, "05/09/1995"],
    ["05091995", "05/09/1995"],
    ["1995-09-05", "05/09/1995"],
    ["ngày 5 tháng 9 năm 1995", "05/09/1995"],
    ["29/02/2004", "29/02/2004"],
    ["29/02/2000", "29/02/2000"], // divisible by 400: leap
    ["31/12/1990", "31/12/1990"],
    ["10/05/2011", "10/05/2011"], // 15 today
    ["10/05/1926", "10/05/1926"], // 100 today
    ["11/05/1925", "11/05/1925"], // still 100, turns 101 tomorrow
  ])("accepts %j as %s", (input, expected) => {
    expect(formatDate(value(parse(input)))).toBe(expected);
  });

  it("returns UTC midnight of the day", () => {
    expect(value(parse("05/09/1995")).toISOString()).toBe("1995-09-05T00:00:00.000Z");
  });

  it.each([
    ["31/02/1990", "31/02/1990"],
    ["30/02/2024", "30/02/2024"],
    ["29/02/2023", "29/02/2023"],
    ["29/02/1900", "29/02/1900"], // divisible by 100, not by 400: common year
    ["31/04/1990", "31/04/1990"],
    ["32/01/1990", "32/01/1990"],
    ["00/01/1990", "00/01/1990"],
    ["15/13/1990", "15/13/1990"],
    ["12/25/1990", "12/25/1990"], // month/day swapped
  ])("%j is not a real date", (input, date) => {
    expect(errorOf(parse(input))).toEqual({ key: JOIN_ERRORS.dobNotReal, params: { date } });
  });

  it.each([
    "",
    "   ",
    "05/09/95",
    "5/9/95",
    "1995",
    "05/1995",
    "05/09/19955",
    "05/09 1995 abc",
    "năm ngoái",
    "5 tháng 9",
    "05,09,1995",
    "05/09/1995 05/09/1995",
    "０５/０９/１９９５", // full-width digits
    "٠٥/٠٩/١٩٩٥",
    HUGE,
    "1".repeat(5000),
    "😀",
  ])("%j has the wrong format", (input) => {
    expect(errorOf(parse(input))).toEqual({ key: JOIN_ERRORS.dobFormat });
  });

  it.each(["11/05/2026", "01/01/2027", "10/05/2099"])("%s is in the future", (input) => {
    expect(errorOf(parse(input))).toEqual({ key: JOIN_ERRORS.dobFuture });
  });

  it.each(["11/05/2011", "10/05/2026", "01/01/2020"])("%s is younger than 15", (input) => {
    expect(errorOf(parse(input))).toEqual({ key: JOIN_ERRORS.dobTooYoung, params: { min: MIN_AGE } });
  });

  it.each(["10/05/1925", "01/01/1900", "01/01/0001"])("%s is older than 100", (input) => {
    expect(errorOf(parse(input))).toEqual({ key: JOIN_ERRORS.dobTooOld, params: { max: MAX_AGE } });
  });

  it("someone born on 29/02 turns 15 on 01/03 in a common year", () => {
    expect(errorOf(parseBirthDate("29/02/2008", { y: 2023, m: 2, d: 28 })).key).toBe(JOIN_ERRORS.dobTooYoung);
    expect(value(parseBirthDate("29/02/2008", { y: 2023, m: 3, d: 1 })).toISOString()).toBe("2008-02-29T00:00:00.000Z");
  });

  it("takes today from a function at each parse", () => {
    let today = { y: 2026, m: 5, d: 9 };
    const live = birthDateSchema(() => today);
    expect(errorOf(parseField(live, "10/05/2011")).key).toBe(JOIN_ERRORS.dobTooYoung);
    today = { y: 2026, m: 5, d: 10 };
    expect(parseField(live, "10/05/2011").ok).toBe(true);
  });

  it("defaults to today in Vietnam", () => {
    expect(parseField(birthDateSchema(), "01/01/1990").ok).toBe(true);
    expect(errorOf(parseField(birthDateSchema(), "01/01/2999")).key).toBe(JOIN_ERRORS.dobFuture);
  });
});

describe("phone", () => {
  it.each([
    ["0912 345 678", "+84912345678"],
    ["0912.345.678", "+84912345678"],
    ["0912-345-678", "+84912345678"],
    ["0912345678", "+84912345678"],
    ["+84912345678", "+84912345678"],
    ["+84 912 345 678", "+84912345678"],
    ["+84-912-345-678", "+84912345678"],
    ["84912345678", "+84912345678"],
    ["84 912 345 678", "+84912345678"],
    ["(+84) 912345678", "+84912345678"],
    ["(+84)912 345 678", "+84912345678"],
    ["0084 912 345 678", "+84912345678"],
    ["+84 0912 345 678", "+84912345678"], // trunk 0 kept after the country code
    ["912345678", "+84912345678"], // leading 0 left out
    ["  0912 345 678  ", "+84912345678"],
    [`0912${ZWSP}345${NBSP}678`, "+84912345678"],
    ["0321 234 567", "+84321234567"],
    ["0561 234 567", "+84561234567"],
    ["0701 234 567", "+84701234567"],
    ["0861 234 567", "+84861234567"],
    ["0981 234 567", "+84981234567"],
    ["0213 387 6543", "+842133876543"], // Lai Châu landline
    ["024 3826 4567", "+842438264567"], // Hà Nội landline
    ["+84 24 3826 4567", "+842438264567"],
  ])("accepts %j as %s", (input, expected) => {
    expect(value(parseField(phoneSchema, input))).toBe(expected);
  });

  it.each([
    ["0912abc678", JOIN_ERRORS.phoneLetters],
    ["O912345678", JOIN_ERRORS.phoneLetters], // letter O for zero
    ["không có", JOIN_ERRORS.phoneLetters],
    ["0912 345 678 (Zalo)", JOIN_ERRORS.phoneLetters],
    ["091234567", JOIN_ERRORS.phoneLength],
    ["09123456789", JOIN_ERRORS.phoneLength],
    ["+8491234567", JOIN_ERRORS.phoneLength],
    ["0213 387 654", JOIN_ERRORS.phoneLength],
    ["0912 345 678 9", JOIN_ERRORS.phoneLength],
    ["0112345678", JOIN_ERRORS.phonePrefix],
    ["0412345678", JOIN_ERRORS.phonePrefix],
    ["0612345678", JOIN_ERRORS.phonePrefix],
    ["0012345678", JOIN_ERRORS.phoneNotVietnamese], // 00 = international call prefix, country 12…
    ["1234567890", JOIN_ERRORS.phonePrefix],
    ["01681234567", JOIN_ERRORS.phoneOldPrefix],
    ["+14155550100", JOIN_ERRORS.phoneNotVietnamese],
    ["+66 81 234 5678", JOIN_ERRORS.phoneNotVietnamese],
    ["+856 20 5512 3456", JOIN_ERRORS.phoneNotVietnamese],
    ["0086 138 0013 8000", JOIN_ERRORS.phoneNotVietnamese],
    ["", JOIN_ERRORS.phoneFormat],
    ["   ", JOIN_ERRORS.phoneFormat],
    ["0", JOIN_ERRORS.phoneFormat],
    ["+", JOIN_ERRORS.phoneFormat],
    ["++84912345678", JOIN_ERRORS.phoneFormat],
    ["0912+345678", JOIN_ERRORS.phoneFormat],
    ["0912345678 / 0987654321", JOIN_ERRORS.phoneFormat],
    ["📞 0912345678", JOIN_ERRORS.phoneFormat],
    ["*0912345678#", JOIN_ERRORS.phoneFormat],
    ["9".repeat(5000), JOIN_ERRORS.phoneFormat],
    [HUGE, JOIN_ERRORS.phoneFormat],
  ])("rejects %j with %s", (input, key) => {
    expect(errorOf(parseField(phoneSchema, input)).key).toBe(key);
  });

  it("says how many digits were expected and found", () => {
    expect(errorOf(parseField(phoneSchema, "091234567"))).toEqual({
      key: JOIN_ERRORS.phoneLength,
      params: { expected: 10, actual: 9 },
    });
    expect(errorOf(parseField(phoneSchema, "0213 387 654"))).toEqual({
      key: JOIN_ERRORS.phoneLength,
      params: { expected: 11, actual: 10 },
    });
  });

  describe("from Telegram's share-contact", () => {
    it.each([
      ["84912345678", "+84912345678"],
      ["+84912345678", "+84912345678"],
      ["84 912 345 678", "+84912345678"],
      ["0912345678", "+84912345678"],
      ["842133876543", "+842133876543"],
    ])("accepts %j as %s", (input, expected) => {
      expect(value(parseField(contactPhoneSchema, input))).toBe(expected);
    });

    it.each([
      ["14155550100", JOIN_ERRORS.phoneNotVietnamese],
      ["+14155550100", JOIN_ERRORS.phoneNotVietnamese],
      ["447700900123", JOIN_ERRORS.phoneNotVietnamese],
      ["8562055123456", JOIN_ERRORS.phoneNotVietnamese], // Laos (+856) starts with 8 but is not 84
      ["912345678", JOIN_ERRORS.phoneNotVietnamese], // a contact number is international: 91 = India
      ["8412345678", JOIN_ERRORS.phonePrefix],
      ["8491234567", JOIN_ERRORS.phoneLength],
    ])("rejects %j with %s", (input, key) => {
      expect(errorOf(parseField(contactPhoneSchema, input)).key).toBe(key);
    });
  });

  it.each([
    ["+84912345678", "0912 345 678"],
    ["+84321234567", "0321 234 567"],
    ["+842133876543", "0213 387 6543"],
    ["+842438264567", "024 3826 4567"],
    ["+842838221234", "028 3822 1234"],
    ["+14155550100", "+14155550100"],
  ])("formatPhoneForDisplay(%s) = %j", (input, expected) => {
    expect(formatPhoneForDisplay(input)).toBe(expected);
  });

  it("display form parses back to the same number", () => {
    for (const e164 of ["+84912345678", "+842133876543", "+842438264567"]) {
      expect(value(parseField(phoneSchema, formatPhoneForDisplay(e164)))).toBe(e164);
    }
  });
});

describe("free-text fields", () => {
  it.each([
    [jobPositionSchema, "  Công nhân   vận hành ", "Công nhân vận hành"],
    [jobPositionSchema, "Kế toán", "Kế toán"],
    [jobPositionSchema, "Lái xe tổ 3", "Lái xe tổ 3"],
    [jobPositionSchema, "IT", "IT"],
    [jobPositionSchema, `Giáo${ZWSP} viên`, "Giáo viên"],
    [employerNameSchema, "Công ty TNHH A&B (Việt Nam)", "Công ty TNHH A&B (Việt Nam)"],
    [employerNameSchema, "Cửa hàng Hoa Mai®", "Cửa hàng Hoa Mai®"],
    [employerNameSchema, "3C", "3C"],
    [employerAddressSchema, "Số 5, đường 58, phường Tân Phong, tỉnh Lai Châu", "Số 5, đường 58, phường Tân Phong, tỉnh Lai Châu"],
    [employerAddressSchema, "Bản Nà Hừ\nxã Bình Lư", "Bản Nà Hừ xã Bình Lư"],
  ] as const)("accepts %#", (schema, input, expected) => {
    expect(value(parseField(schema, input))).toBe(expected);
  });

  it("normalises NFD to NFC", () => {
    expect(value(parseField(jobPositionSchema, "Công nhân".normalize("NFD")))).toBe("Công nhân");
  });

  it.each(([
    [jobPositionSchema, "", JOIN_ERRORS.jobTooShort, { min: 2 }],
    [jobPositionSchema, " a ", JOIN_ERRORS.jobTooShort, { min: 2 }],
    [jobPositionSchema, "x".repeat(101), JOIN_ERRORS.jobTooLong, { max: 100 }],
    [jobPositionSchema, HUGE, JOIN_ERRORS.jobTooLong, { max: 100 }],
    [jobPositionSchema, "123", JOIN_ERRORS.jobNoLetters, undefined],
    [jobPositionSchema, "---", JOIN_ERRORS.jobNoLetters, undefined],
    [jobPositionSchema, "Kế toán 😊", JOIN_ERRORS.noEmoji, undefined],
    [employerNameSchema, "A", JOIN_ERRORS.employerTooShort, { min: 2 }],
    [employerNameSchema, "x".repeat(151), JOIN_ERRORS.employerTooLong, { max: 150 }],
    [employerNameSchema, "12345", JOIN_ERRORS.employerNoLetters, undefined],
    [employerNameSchema, "🏭🏭", JOIN_ERRORS.noEmoji, undefined],
    [employerAddressSchema, "Lai", JOIN_ERRORS.addressTooShort, { min: 5 }],
    [employerAddressSchema, "x".repeat(201), JOIN_ERRORS.addressTooLong, { max: 200 }],
    [employerAddressSchema, HUGE, JOIN_ERRORS.addressTooLong, { max: 200 }],
    [employerAddressSchema, "12/34/56", JOIN_ERRORS.addressNoLetters, undefined],
  ] as const).map(([schema, input, key, params]) => ({ schema, input, key, params })))("rejects %# with $key", ({ schema, input, key, params }) => {
    const error = errorOf(parseField(schema, input));
    expect(error.key).toBe(key);
    expect(error.params).toEqual(params);
  });

  it("accepts exactly the maximum lengths", () => {
    expect(parseField(jobPositionSchema, "ă".repeat(100)).ok).toBe(true);
    expect(parseField(employerNameSchema, "ê".repeat(150)).ok).toBe(true);
    expect(parseField(employerAddressSchema, "ơ".repeat(200).normalize("NFD")).ok).toBe(true);
  });
});

describe("ethnicity", () => {
  it("lists the 54 groups, each once", () => {
    expect(ETHNIC_GROUPS).toHaveLength(54);
    expect(new Set(ETHNIC_GROUPS).size).toBe(54);
    for (const group of ETHNIC_GROUPS) expect(group).toBe(group.normalize("NFC"));
  });

  it("names are distinct even without diacritics, and aliases point to one group only", () => {
    const owner = new Map<string, string>();
    const key = (s: string) => toSearchText(s).replace(/[^a-z0-9]/g, "");
    for (const group of ETHNIC_GROUPS) {
      expect(owner.has(key(group))).toBe(false);
      owner.set(key(group), group);
    }
    for (const [alias, group] of Object.entries(ETHNIC_ALIASES)) {
      expect(ETHNIC_GROUPS).toContain(group);
      expect(owner.get(key(alias)) ?? group).toBe(group);
      owner.set(key(alias), group);
    }
  });

  it("every group matches its own name", () => {
    for (const group of ETHNIC_GROUPS) {
      expect(value(matchEthnicity(group))).toBe(group);
      expect(value(matchEthnicity(toSearchText(group)))).toBe(group);
      expect(value(matchEthnicity(group.toUpperCase().normalize("NFD")))).toBe(group);
    }
  });

  it.each([
    ["hmong", "H'Mông"],
    ["H’Mông", "H'Mông"],
    ["H'Mông", "H'Mông"],
    ["mong", "H'Mông"],
    ["Mông", "H'Mông"],
    ["HMONG", "H'Mông"],
    ["Kinh", "Kinh"],
    ["kinh", "Kinh"],
    ["  KINH ", "Kinh"],
    ["Việt", "Kinh"],
    ["thai", "Thái"],
    ["tay", "Tày"],
    ["gia rai", "Gia Rai"],
    ["giarai", "Gia Rai"],
    ["Gia-rai", "Gia Rai"],
    ["ê-đê", "Ê Đê"],
    ["ede", "Ê Đê"],
    ["khơ-me", "Khmer"],
    ["khmer", "Khmer"],
    ["Khơ mú", "Khơ Mú"],
    ["ha nhi", "Hà Nhì"],
    ["dân tộc Thái", "Thái"],
    ["Dân tộc: Thái", "Thái"],
    ["người Dao", "Dao"],
    ["lu", "Lự"],
    ["Lữ", "Lự"],
    ["mang", "Mảng"],
    ["giay", "Giáy"],
    ["Xtiêng", "Xtiêng"],
    ["Stiêng", "Xtiêng"],
    ["Bru - Vân Kiều", "Bru Vân Kiều"],
    ["giẻ-triêng", "Giẻ Triêng"],
    ["o du", "Ơ Đu"],
    ["rơ-măm", "Rơ Măm"],
    [`Tà${ZWSP} Ôi`, "Tà Ôi"],
    ["Thái".normalize("NFD"), "Thái"],
  ])("matches %j as %s", (input, expected) => {
    expect(value(parseField(ethnicitySchema, input))).toBe(expected);
  });

  it.each(["", "   ", "xyz", "Việt Nam", "Mèo Mèo", "English", "😀", HUGE, "kinh kinh"])("%j is not found", (input) => {
    expect(errorOf(parseField(ethnicitySchema, input))).toEqual({ key: JOIN_ERRORS.ethnicityNotFound });
  });

  it.each([
    ["h", ["Hoa", "H'Mông", "Hrê", "Hà Nhì", "Cơ Ho"]],
    ["th", ["Thái", "Thổ", "Pà Thẻn"]],
    ["mong", ["H'Mông"]],
    ["thai", ["Thái"]],
    ["co", ["Co", "Cơ Ho", "Cơ Tu", "Cơ Lao", "Cống"]],
    ["ha", ["Hà Nhì", "Hoa", "La Ha"]], // Hoa through its other name Hán; no 2-letter substring noise ("Thái")
    ["dân tộc ha", ["Hà Nhì", "Hoa", "La Ha"]],
    ["H’M", ["H'Mông"]],
    ["kho", ["Cơ Ho", "Khơ Mú", "Khmer"]], // K'Ho is exact
    ["nhi", ["Hà Nhì"]],
    ["mog", ["H'Mông"]], // one typing mistake
    ["thay", ["Tày", "Thái"]],
    ["xyz", []],
    ["", []],
    ["   ", []],
  ])("suggests for %j: %j", (query, expected) => {
    expect(suggestEthnicGroups(query)).toEqual(expected);
  });

  it("suggests at most `limit` names, all canonical", () => {
    for (const q of ["k", "n", "l", "c", "ch"]) {
      const names = suggestEthnicGroups(q);
      expect(names.length).toBeLessThanOrEqual(5);
      expect(names.length).toBeGreaterThan(0);
      for (const n of names) expect(ETHNIC_GROUPS).toContain(n);
    }
    expect(suggestEthnicGroups("l", 2)).toHaveLength(2);
    expect(suggestEthnicGroups("l", 0)).toEqual([]);
    expect(suggestEthnicGroups(HUGE)).toEqual([]);
  });
});
