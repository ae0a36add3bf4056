// /mydata: what the store holds about the person asking, in their language, then the same as files they can keep:
// JSON (every field, as stored) and a spreadsheet (an overview sheet, then one sheet per section). Works on every
// channel; where a channel takes no files (Zalo) its gateway says so in place of each file.
import { Composer } from "grammy";
import { fileToSend } from "../../channels/files.ts";
import type { T } from "../../i18n/i18n.ts";
import { formatApplicationRef, formatMemberNumber } from "../../membership/numbers.ts";
import {
  CALENDAR_DAY_FIELDS,
  MYDATA_FIELDS,
  MYDATA_SECTIONS,
  collectMyData,
  holdsOnlyIdentity,
  myDataJson,
  sectionRows,
  type MyData,
  type MyDataField,
  type MyDataSection,
  type MyDataValue,
} from "../../privacy/mydata.ts";
import { writeXlsx, type Sheet } from "../../shared/spreadsheet.ts";
import { formatCalendarDate, formatVietnamDate, vietnamDate } from "../../shared/time.ts";
import type { BotContext } from "../context.ts";

/** Telegram takes 4096 characters a message; a margin for what a channel may add. */
export const PART_MAX = 4000;

/** Fields whose stored value is a code with a label of its own (mydata.values.<group>.<code>). */
const VALUE_GROUPS: Partial<Record<MyDataField, string>> = {
  language: "language",
  lastChannel: "channel",
  channel: "channel",
  status: "status",
  sex: "sex",
  nationality: "nationality",
  memberSource: "memberSource",
  leaveReason: "leaveReason",
  purpose: "purpose",
  role: "role",
  kind: "kind",
  entity: "entity",
  decidedBy: "actor",
  leaveRecordedBy: "actor",
  changedBy: "actor",
};

/** Fields whose value names another field (a correction's field); their values are shown as that field's label. */
const FIELD_NAMES: ReadonlySet<MyDataField> = new Set<MyDataField>(["field"]);

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** One value as a person reads it: labels for codes, dd/mm/yyyy for dates, HS-/DV- numbers. */
export function shownValue(t: T, key: MyDataField, value: MyDataValue, row: Record<string, MyDataValue> = {}): string {
  if (value === null || value === "") return "—";
  if (value instanceof Date) return CALENDAR_DAY_FIELDS.has(key) ? formatCalendarDate(value) : formatVietnamDate(value);
  if (typeof value === "boolean") return t(value ? "mydata.yes" : "mydata.no");
  if (key === "ref" && typeof value === "number") return formatApplicationRef(value);
  if (key === "number" && typeof value === "number") return formatMemberNumber(value);
  const group = VALUE_GROUPS[key];
  if (group) return t(`mydata.values.${group}.${String(value)}`, { defaultValue: String(value) });
  if (FIELD_NAMES.has(key)) return t(`mydata.fields.${String(value)}`, { defaultValue: String(value) });
  // A corrected birth date is kept as yyyy-mm-dd in the request and the history.
  const day = typeof value === "string" && row.field === "birthDate" ? ISO_DAY.exec(value) : null;
  if (day) return `${day[3]}/${day[2]}/${day[1]}`;
  return String(value);
}

function fieldsOf(section: MyDataSection): readonly MyDataField[] {
  return MYDATA_FIELDS[section];
}

/** Splits lines into messages of at most `max` characters, at line ends where it can, else at a space. */
export function splitMessages(lines: string[], max = PART_MAX): string[] {
  const parts: string[] = [];
  let part = "";
  const push = (piece: string) => {
    if (part === "") part = piece;
    else if (part.length + 1 + piece.length <= max) part = `${part}\n${piece}`;
    else {
      parts.push(part);
      part = piece;
    }
  };
  for (const line of lines) {
    let rest = line;
    while (rest.length > max) {
      const space = rest.lastIndexOf(" ", max);
      const cut = space > max / 2 ? space : max;
      push(rest.slice(0, cut));
      rest = rest.slice(cut).trimStart();
    }
    push(rest);
  }
  if (part !== "") parts.push(part);
  return parts;
}

/** The readable summary: a heading per section, one line per field, split into messages a chat accepts. */
export function myDataMessages(data: MyData, t: T): string[] {
  const lines: string[] = [t("mydata.title")];
  for (const section of MYDATA_SECTIONS) {
    const rows = sectionRows(data, section);
    lines.push("", `▪ ${t(`mydata.sections.${section}`)}`);
    if (rows.length === 0) lines.push(t("mydata.none"));
    rows.forEach((row, i) => {
      if (rows.length > 1) lines.push(`${i + 1}.`);
      for (const key of fieldsOf(section)) lines.push(`${t(`mydata.fields.${key}`)}: ${shownValue(t, key, row[key] ?? null, row)}`);
    });
  }
  lines.push("", t("mydata.rights"));
  return splitMessages(lines);
}

/** Calendar days stay days; an instant becomes the day it was in Vietnam, so the cell shows the date people saw. */
function cellOf(t: T, key: MyDataField, value: MyDataValue, row: Record<string, MyDataValue>): string | number | Date | null {
  if (value instanceof Date) return CALENDAR_DAY_FIELDS.has(key) ? value : vietnamDate(value);
  if (value === null) return null;
  return shownValue(t, key, value, row);
}

/** The workbook: an overview (section, item, field, value) first, then one sheet per section, a column per field. */
export function myDataWorkbook(data: MyData, t: T): Promise<Buffer> {
  const overview: Sheet = {
    name: t("mydata.sheet.overview"),
    columns: [
      { header: t("mydata.sheet.section"), key: "section", width: 24 },
      { header: t("mydata.sheet.item"), key: "item", width: 6 },
      { header: t("mydata.sheet.field"), key: "field", width: 30 },
      { header: t("mydata.sheet.value"), key: "value", width: 60 },
    ],
    rows: MYDATA_SECTIONS.flatMap((section) =>
      sectionRows(data, section).flatMap((row, i) =>
        fieldsOf(section).map((key) => ({
          section: t(`mydata.sections.${section}`),
          item: i + 1,
          field: t(`mydata.fields.${key}`),
          value: row[key] === null || row[key] === undefined ? null : shownValue(t, key, row[key], row),
        })),
      ),
    ),
  };
  const sections: Sheet[] = MYDATA_SECTIONS.map((section) => ({
    name: t(`mydata.sections.${section}`),
    columns: fieldsOf(section).map((key) => ({ header: t(`mydata.fields.${key}`), key, width: key === "text" ? 80 : 22 })),
    rows: sectionRows(data, section).map((row) => Object.fromEntries(fieldsOf(section).map((key) => [key, cellOf(t, key, row[key] ?? null, row)]))),
  }));
  return writeXlsx([overview, ...sections]);
}

/** "Telegram (123456789), Zalo (…)": the identities, for the answer to someone with nothing else stored. */
function identitiesText(data: MyData, t: T): string {
  return data.identities.map((i) => `${shownValue(t, "channel", i.channel)} (${String(i.accountId)})`).join(", ");
}

export function createMyDataFeature() {
  const feature = new Composer<BotContext>();
  feature.command("mydata", async (ctx) => {
    const now = new Date();
    const data = await collectMyData(ctx.deps.prisma, ctx.person.id);
    if (holdsOnlyIdentity(data)) {
      await ctx.reply(ctx.t("mydata.only_identity", { identities: identitiesText(data, ctx.t), language: shownValue(ctx.t, "language", data.person.language) }));
      return;
    }
    for (const part of myDataMessages(data, ctx.t)) await ctx.reply(part);
    const name = `${ctx.t("mydata.file_name")}-${vietnamDate(now).toISOString().slice(0, 10)}`;
    await ctx.replyWithDocument(fileToSend(Buffer.from(myDataJson(data, now), "utf8"), `${name}.json`), { caption: ctx.t("mydata.json_caption") });
    await ctx.replyWithDocument(fileToSend(await myDataWorkbook(data, ctx.t), `${name}.xlsx`), { caption: ctx.t("mydata.xlsx_caption") });
  });
  return feature;
}
