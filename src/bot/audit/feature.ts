// /audit and /audit_export: admins read the audit log in chat, a page at a time with ◀ ▶, or download it as
// an Excel file. Filters: `unit <code>`, `person <Telegram id>`, `action <action>`. Page buttons carry a
// cursor (an entry id) and the filter; both are checked again on every press, and a forged cursor only
// lands on the first page.
import { Composer, InlineKeyboard } from "grammy";
import { fileToSend } from "../../channels/files.ts";
import { actionLabel, exportAudit, queryAudit, recordExport, type AuditFilter, type AuditView } from "../../audit/audit-query.ts";
import type { T } from "../../i18n/i18n.ts";
import { TYPED_UNIT_CODE } from "../../organisation/units.ts";
import { authorize } from "../../policy/policy.ts";
import { writeXlsx } from "../../shared/spreadsheet.ts";
import { formatVietnamDateTime, vietnamDay } from "../../shared/time.ts";
import type { BotContext, Deps } from "../context.ts";

export const PAGE_SIZE = 15;

/** Filter keywords as typed (English and Vietnamese without diacritics) → the short form used in button data. */
const KEYWORDS: Record<string, FilterKey> = {
  unit: "u",
  donvi: "u",
  person: "p",
  nguoi: "p",
  action: "a",
  hanhdong: "a",
};
type FilterKey = "u" | "p" | "a";
const VALUE: Record<FilterKey, RegExp> = {
  u: TYPED_UNIT_CODE,
  p: /^\d{1,20}$/,
  a: /^[a-z0-9_.:-]{1,60}$/i,
};

function toFilter(pairs: [FilterKey, string][]): AuditFilter {
  const filter: AuditFilter = {};
  for (const [k, v] of pairs) {
    if (k === "u") filter.unitCode = v.toUpperCase();
    else if (k === "p") filter.telegramId = v;
    else filter.action = v;
  }
  return filter;
}

/** `unit LC-DK person 123` → a filter; null when the words do not make one. */
export function parseFilterArgs(args: string): AuditFilter | null {
  const words = args.trim().split(/\s+/).filter(Boolean);
  if (words.length % 2 !== 0) return null;
  const pairs: [FilterKey, string][] = [];
  for (let i = 0; i < words.length; i += 2) {
    const key = KEYWORDS[(words[i] ?? "").toLowerCase()];
    const value = words[i + 1] ?? "";
    if (!key || !VALUE[key].test(value) || pairs.some(([k]) => k === key)) return null;
    pairs.push([key, value]);
  }
  return toFilter(pairs);
}

function encodeFilter(filter: AuditFilter): string {
  const parts: string[] = [];
  if (filter.unitCode) parts.push(`u=${filter.unitCode}`);
  if (filter.telegramId) parts.push(`p=${filter.telegramId}`);
  if (filter.action) parts.push(`a=${filter.action}`);
  return parts.map((p) => ` ${p}`).join("");
}

const PAGE_DATA = /^au:([on]):([a-z0-9]{20,32})((?: [upa]=\S+)*)$/;

/** The filter carried by page-button data, validated as strictly as typed filters. */
function decodeFilter(encoded: string): AuditFilter | null {
  const pairs: [FilterKey, string][] = [];
  for (const part of encoded.trim().split(" ").filter(Boolean)) {
    const key = part[0] as FilterKey;
    const value = part.slice(2);
    if (!VALUE[key]?.test(value) || pairs.some(([k]) => k === key)) return null;
    pairs.push([key, value]);
  }
  return toFilter(pairs);
}

function describeFilter(filter: AuditFilter, t: T): string | null {
  const parts: string[] = [];
  if (filter.unitCode) parts.push(t("audit.filter.unit", { code: filter.unitCode }));
  if (filter.telegramId) parts.push(t("audit.filter.person", { id: filter.telegramId }));
  if (filter.action) parts.push(t("audit.filter.action", { action: filter.action }));
  return parts.length ? parts.join(", ") : null;
}

/** "22/11 10:42 · tg 123456 · Kết nạp đoàn viên · LC-DK-CSLC · HS-000012" */
export function entryLine(entry: AuditView, t: T): string {
  const stamp = formatVietnamDateTime(entry.at); // dd/mm/yyyy HH:mm:ss
  const who = entry.actor.person ? (entry.actor.telegramId ? `tg ${entry.actor.telegramId}` : t("audit.actor_unknown")) : t("audit.actor_cli");
  const parts = [`${stamp.slice(0, 5)} ${stamp.slice(11, 16)}`, who, actionLabel(t, entry.action)];
  if (entry.unit) parts.push(entry.unit.code);
  if (entry.target?.ref) parts.push(entry.target.ref);
  return parts.join(" · ");
}

type Rendered = { text: string; keyboard: InlineKeyboard };

async function renderPage(
  deps: Deps,
  t: T,
  filter: AuditFilter,
  at?: { cursor: string; direction: "older" | "newer" },
): Promise<Rendered | string> {
  const page = await queryAudit(deps.prisma, { ...filter, limit: PAGE_SIZE, ...at });
  if (!page.ok) {
    return page.reason === "unknown_unit"
      ? t("audit.unknown_unit", { code: filter.unitCode ?? "" })
      : t("audit.unknown_person", { id: filter.telegramId ?? "" });
  }
  const lines = [t("audit.title")];
  const described = describeFilter(filter, t);
  if (described) lines.push(t("audit.filter_line", { filter: described }));
  lines.push("");
  if (page.entries.length === 0) lines.push(t("audit.empty"));
  for (const entry of page.entries) lines.push(entryLine(entry, t));

  const keyboard = new InlineKeyboard();
  const encoded = encodeFilter(filter);
  const data = (dir: "o" | "n", cursor: string) => `au:${dir}:${cursor}${encoded}`;
  const fits = (d: string) => Buffer.byteLength(d) <= 64;
  if (page.newer && fits(data("n", page.newer))) keyboard.text(t("audit.newer"), data("n", page.newer));
  if (page.older && fits(data("o", page.older))) keyboard.text(t("audit.older"), data("o", page.older));
  if ((page.newer || page.older) && !fits(data("o", page.older ?? page.newer ?? ""))) lines.push("", t("audit.no_paging"));
  return { text: lines.join("\n"), keyboard };
}

/** Today's date in Vietnam as yyyy-mm-dd, for file names. */
function isoToday(): string {
  const { y, m, d } = vietnamDay(new Date());
  return `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

export function createAuditFeature(deps: Deps) {
  const feature = new Composer<BotContext>();
  const mayRead = (ctx: BotContext) => authorize(deps.prisma, ctx.person.id, "audit.read", null);

  const privateChats = feature.chatType("private");

  privateChats.command("audit", async (ctx) => {
    if (!(await mayRead(ctx))) return ctx.reply(ctx.t("audit.forbidden"));
    const filter = parseFilterArgs(ctx.match);
    if (!filter) return ctx.reply(ctx.t("audit.usage"));
    const page = await renderPage(deps, ctx.t, filter);
    if (typeof page === "string") return ctx.reply(page);
    await ctx.reply(page.text, { reply_markup: page.keyboard });
  });

  privateChats.command("audit_export", async (ctx) => {
    if (!(await mayRead(ctx))) return ctx.reply(ctx.t("audit.forbidden"));
    const filter = parseFilterArgs(ctx.match);
    if (!filter) return ctx.reply(ctx.t("audit.usage"));
    const exported = await exportAudit(deps.prisma, filter, { lang: ctx.lang });
    if (!exported.ok) {
      return ctx.reply(
        exported.reason === "unknown_unit"
          ? ctx.t("audit.unknown_unit", { code: filter.unitCode ?? "" })
          : ctx.t("audit.unknown_person", { id: filter.telegramId ?? "" }),
      );
    }
    const file = await writeXlsx([{ name: ctx.t("audit.export.sheet"), columns: exported.columns, rows: exported.rows }]);
    // Recorded before it leaves: an export that reached the chat is never missing from the log.
    await recordExport(deps.prisma, { actorId: ctx.person.id, filter, rows: exported.rows.length, truncated: exported.truncated });
    const caption = [ctx.t("audit.export.caption", { count: exported.rows.length })];
    if (exported.truncated) caption.push(ctx.t("audit.export.truncated", { max: exported.rows.length }));
    await ctx.replyWithDocument(fileToSend(file, `nhat-ky-${isoToday()}.xlsx`), { caption: caption.join("\n") });
  });

  feature.callbackQuery(PAGE_DATA, async (ctx) => {
    const [, dir, cursor, encoded] = ctx.match as RegExpMatchArray;
    const filter = decodeFilter(encoded ?? "");
    if (!cursor || !filter) return ctx.answerCallbackQuery({ text: ctx.t("form.stale_button"), show_alert: true });
    if (!(await mayRead(ctx))) return ctx.answerCallbackQuery({ text: ctx.t("audit.forbidden"), show_alert: true });
    const page = await renderPage(deps, ctx.t, filter, { cursor, direction: dir === "n" ? "newer" : "older" });
    if (typeof page === "string") return ctx.answerCallbackQuery({ text: page, show_alert: true });
    // Unchanged text (a forged cursor that lands on the page already shown) is "not modified": fine.
    await ctx.editMessageText(page.text, { reply_markup: page.keyboard }).catch(() => undefined);
    await ctx.answerCallbackQuery();
  });

  return feature;
}
