// /import_units, /export_units and /units_template for officers and admins: the unit tree as a spreadsheet. The
// import is a conversation: it waits for a file, checks it without writing (a preview of what would change, or the
// errors by line), and writes all of it only after the confirm button — checking it again, in the transaction.
import type { Conversation } from "@grammyjs/conversations";
import { Composer, InputFile, type Api } from "grammy";
import { writeAudit } from "../../../audit/audit.ts";
import { tFor, type Lang } from "../../../i18n/i18n.ts";
import { exportUnitRows, formatImportErrors, importScope, importUnits, unitTemplate, writeUnitFile, type ImportResult } from "../../../organisation/unit-import.ts";
import { MAX_FILE_BYTES, SpreadsheetError } from "../../../shared/spreadsheet.ts";
import { vietnamDay } from "../../../shared/time.ts";
import type { BotContext, Deps, InnerContext } from "../context.ts";
import { FormIO, type SentDocument } from "../join/form-io.ts";
import { downloadTelegramFile } from "../members/download.ts";

export const UNIT_IMPORT_CONVERSATION = "units-import";
const MAX_ERROR_LINES = 20;

type Conv = Conversation<BotContext, InnerContext>;
/** What checking or importing a file gave, as plain JSON (conversation.external results are stored). */
type Outcome = { kind: "download" } | { kind: "unreadable"; key: string; params: Record<string, string | number> } | { kind: "result"; result: ImportResult };

/** Whether the person may import or export units anywhere; a refusal is audited like the policy's. */
async function mayManageUnits(deps: Deps, personId: string, action: "unit.import" | "unit.export"): Promise<boolean> {
  const scope = await importScope(deps.prisma, { personId }, action);
  if (scope === "everywhere" || scope.size > 0) return true;
  await writeAudit(deps.prisma, { actorId: personId, action: `denied:${action}`, unitId: null });
  return false;
}

function isoToday(): string {
  const { y, m, d } = vietnamDay(Date.now());
  return `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

export function createUnitsFeature(deps: Deps) {
  const feature = new Composer<BotContext>();
  const privateChats = feature.chatType("private");

  privateChats.command("import_units", async (ctx) => {
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(UNIT_IMPORT_CONVERSATION);
  });

  privateChats.command("export_units", async (ctx) => {
    if (!(await mayManageUnits(deps, ctx.person.id, "unit.export"))) return ctx.reply(ctx.t("units.chat.refused"));
    const rows = await exportUnitRows(deps.prisma, { personId: ctx.person.id }, { lang: ctx.lang });
    if (!rows) return ctx.reply(ctx.t("units.chat.refused"));
    const file = await writeUnitFile(rows, "xlsx", ctx.lang);
    await writeAudit(deps.prisma, { actorId: ctx.person.id, action: "unit.export", targetType: "UnitFile", after: { units: rows.length, format: "xlsx" } });
    await ctx.replyWithDocument(new InputFile(file, `don-vi-${isoToday()}.xlsx`), { caption: ctx.t("units.chat.exportCaption", { count: rows.length }) });
  });

  privateChats.command("units_template", async (ctx) => {
    if (!(await mayManageUnits(deps, ctx.person.id, "unit.import"))) return ctx.reply(ctx.t("units.chat.refused"));
    await ctx.replyWithDocument(new InputFile(await unitTemplate(ctx.lang), "units-template.xlsx"), { caption: ctx.t("units.chat.templateCaption") });
  });

  return feature;
}

export function createUnitImportConversation(deps: Deps) {
  const apiRoot = deps.config.TELEGRAM_API_ROOT;

  /** Downloads the file again (only its id is kept in the conversation) and checks or imports it. */
  const run = async (api: Api, personId: string, document: SentDocument, dryRun: boolean): Promise<Outcome> => {
    let bytes: Buffer;
    try {
      bytes = await downloadTelegramFile(api, apiRoot, document.fileId, MAX_FILE_BYTES);
    } catch (error) {
      // never the URL: it holds the token
      deps.logger.warn({ errName: error instanceof Error ? error.name : typeof error }, "unit file not downloaded");
      return { kind: "download" };
    }
    try {
      return { kind: "result", result: await importUnits(deps.prisma, { personId }, { bytes, name: document.fileName }, { dryRun }) };
    } catch (error) {
      if (error instanceof SpreadsheetError) return { kind: "unreadable", key: error.key, params: error.params };
      throw error;
    }
  };

  return async function importUnitsConversation(conversation: Conv, ctx: InnerContext) {
    const actor = await conversation.external((outer) => ({ personId: outer.person.id, lang: outer.lang as Lang }));
    const t = tFor(actor.lang);
    const io = new FormIO(conversation, ctx, t);
    if (!(await conversation.external(() => mayManageUnits(deps, actor.personId, "unit.import")))) {
      await io.say(t("units.chat.refused"));
      return;
    }
    await io.say(t("units.chat.askFile"));

    for (;;) {
      const document = await io.document(io.t("units.chat.notDocument"));
      if (document.size > MAX_FILE_BYTES) {
        await io.say(t("units.chat.tooLarge"));
        continue;
      }
      const checked = await conversation.external((outer) => run(outer.api, actor.personId, document, true));
      if (checked.kind === "download") {
        await io.say(t("units.chat.downloadFailed"));
        continue;
      }
      if (checked.kind === "unreadable") {
        await io.say(`${t(checked.key, checked.params)}\n\n${t("units.chat.askFile")}`);
        continue;
      }
      const { result } = checked;
      const fileName = document.fileName;
      if (result.errors.length > 0) {
        const lines = formatImportErrors(t, result.errors, MAX_ERROR_LINES);
        await io.say([t("units.chat.errorsHeader", { fileName, count: result.errors.length }), ...lines].join("\n"));
        continue;
      }
      if (result.created + result.updated === 0) {
        await io.say(t("units.chat.nothingToDo", { fileName, unchanged: result.unchanged }));
        return;
      }
      const answer = await io.choice(t("units.chat.preview", { fileName, created: result.created, updated: result.updated, unchanged: result.unchanged }), [
        [{ value: "yes", label: t("units.chat.confirm") }],
        [{ value: "no", label: t("units.chat.cancel") }],
      ]);
      if (answer !== "yes") {
        await io.say(t("units.chat.cancelled"));
        return;
      }
      const done = await conversation.external((outer) => run(outer.api, actor.personId, document, false));
      if (done.kind === "download") {
        await io.say(t("units.chat.downloadFailed"));
        continue;
      }
      if (done.kind === "unreadable") {
        await io.say(t(done.key, done.params));
        return;
      }
      if (done.result.errors.length > 0) {
        await io.say([t("units.chat.changedSinceCheck"), ...formatImportErrors(t, done.result.errors, MAX_ERROR_LINES)].join("\n"));
        return;
      }
      await io.say(t("units.import.done", { fileName, created: done.result.created, updated: done.result.updated, unchanged: done.result.unchanged }));
      return;
    }
  };
}
