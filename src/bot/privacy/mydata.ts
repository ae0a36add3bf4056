// /mydata: what the store holds about the person asking, in their language, then the same as files they can keep:
// JSON (every field, as stored) and a spreadsheet (one sheet per section). Works on every channel; where a channel
// takes no files (Zalo) its gateway says so.
import { Composer } from "grammy";
import { fileToSend } from "../../channels/files.ts";
import type { T } from "../../i18n/i18n.ts";
import { formatApplicationRef, formatMemberNumber } from "../../membership/numbers.ts";
import { collectMyData, type MyData, type Record_ } from "../../privacy/mydata.ts";
import { formatVietnamDate, formatVietnamDateTime } from "../../shared/time.ts";
import { writeXlsx, type Sheet } from "../../shared/spreadsheet.ts";
import type { BotContext } from "../context.ts";

/** Telegram's limit is 4096; a margin for the heading of a continued part. */
const PART_MAX = 3800;
const SECTIONS = ["person", "identities", "applications", "member", "consents", "roles", "requests", "changes"] as const;
type Section = (typeof SECTIONS)[number];

const APPLICATION_STATUSES = new Set(["PENDING", "APPROVED", "REJECTED", "WITHDRAWN"]);
/** Fields holding a day without a time (stored at midnight UTC). */
const DAYS = new Set(["birthDate", "leftOn"]);

function shown(t: T, key: string, value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (value instanceof Date || (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value))) {
    const date = new Date(value as string | Date);
    return DAYS.has(key) ? formatVietnamDate(date) : formatVietnamDateTime(date);
  }
  if (typeof value === "boolean") return t(value ? "mydata.yes" : "mydata.no");
  if (key === "ref" && typeof value === "number") return formatApplicationRef(value);
  if (key === "sex" || key === "nationality") return t(`join.fields.${key}.${String(value)}`);
  if (key === "status" && APPLICATION_STATUSES.has(String(value))) return t(`decision.status.${String(value)}`);
  if (key === "number" && typeof value === "number") return formatMemberNumber(value);
  return String(value);
}

function rowsOf(data: MyData, section: Section): Record_[] {
  const value = data[section];
  return value === null ? [] : Array.isArray(value) ? value : [value];
}

/** The readable text, section by section, one line per field. */
export function myDataText(data: MyData, t: T): string[] {
  const lines: string[] = [t("mydata.title")];
  for (const section of SECTIONS) {
    const rows = rowsOf(data, section);
    lines.push("", `▪ ${t(`mydata.sections.${section}`)}`);
    if (rows.length === 0) lines.push(t("mydata.none"));
    rows.forEach((row, i) => {
      if (rows.length > 1) lines.push(`${i + 1}.`);
      for (const [key, value] of Object.entries(row)) lines.push(`${t(`mydata.fields.${key}`)}: ${shown(t, key, value)}`);
    });
  }
  lines.push("", t("mydata.rights"));
  // Split at line ends into parts a chat accepts.
  const parts: string[] = [];
  let part = "";
  for (const line of lines) {
    const next = part ? `${part}\n${line}` : line;
    if (next.length > PART_MAX && part) {
      parts.push(part);
      part = line.slice(0, PART_MAX);
    } else part = next.slice(0, PART_MAX * 2);
  }
  if (part) parts.push(part);
  return parts;
}

function workbook(data: MyData, t: T): Promise<Buffer> {
  const sheets: Sheet[] = SECTIONS.map((section) => ({
    name: t(`mydata.sections.${section}`).slice(0, 31),
    columns: [
      { header: t("mydata.column_item"), key: "item", width: 6 },
      { header: t("mydata.column_field"), key: "field", width: 28 },
      { header: t("mydata.column_value"), key: "value", width: 60 },
    ],
    rows: rowsOf(data, section).flatMap((row, i) =>
      Object.entries(row).map(([key, value]) => ({ item: i + 1, field: t(`mydata.fields.${key}`), value: shown(t, key, value) })),
    ),
  }));
  return writeXlsx(sheets);
}

export function createMyDataFeature() {
  const feature = new Composer<BotContext>();
  feature.command("mydata", async (ctx) => {
    const data = await collectMyData(ctx.deps.prisma, ctx.person.id);
    for (const part of myDataText(data, ctx.t)) await ctx.reply(part);
    const day = formatVietnamDate(new Date()).split("/").reverse().join("-");
    await ctx.replyWithDocument(fileToSend(Buffer.from(JSON.stringify(data, null, 2), "utf8"), `du-lieu-cua-toi-${day}.json`), { caption: ctx.t("mydata.json_caption") });
    await ctx.replyWithDocument(fileToSend(await workbook(data, ctx.t), `du-lieu-cua-toi-${day}.xlsx`), { caption: ctx.t("mydata.xlsx_caption") });
  });
  return feature;
}
