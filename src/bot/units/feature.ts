// /import_units, /export_units and /units_template for officers and admins: the unit tree as a spreadsheet. The
// import is a conversation: checked, previewed, written on confirm (../spreadsheet-import.ts).
import { Composer } from "grammy";
import { fileToSend } from "../../channels/files.ts";
import { writeAudit } from "../../audit/audit.ts";
import {
  exportUnitRows,
  formatImportErrors,
  importScope,
  importUnits,
  unitTemplate,
  writeUnitFile,
  type ImportError,
  type ImportResult,
} from "../../organisation/unit-import.ts";
import { vietnamDay } from "../../shared/time.ts";
import type { BotContext, Deps } from "../context.ts";
import { spreadsheetImportConversation } from "../spreadsheet-import.ts";

export const UNIT_IMPORT_CONVERSATION = "units-import";
const MAX_ERROR_LINES = 20;

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
    await ctx.replyWithDocument(fileToSend(file, `don-vi-${isoToday()}.xlsx`), { caption: ctx.t("units.chat.exportCaption", { count: rows.length }) });
  });

  privateChats.command("units_template", async (ctx) => {
    if (!(await mayManageUnits(deps, ctx.person.id, "unit.import"))) return ctx.reply(ctx.t("units.chat.refused"));
    await ctx.replyWithDocument(fileToSend(await unitTemplate(ctx.lang), "units-template.xlsx"), { caption: ctx.t("units.chat.templateCaption") });
  });

  return feature;
}

export function createUnitImportConversation(deps: Deps) {
  return spreadsheetImportConversation<ImportError, ImportResult>(deps, {
    texts: "units.chat",
    what: "unit",
    may: (d, personId) => mayManageUnits(d, personId, "unit.import"),
    importFile: (d, personId, file, dryRun) => importUnits(d.prisma, { personId }, file, { dryRun }),
    errorsHeader: (t, fileName, count) => t("units.chat.errorsHeader", { fileName, count }),
    errorLines: (t, errors) => formatImportErrors(t, errors, MAX_ERROR_LINES),
    done: (t, _lang, result, fileName) => t("units.import.done", { fileName, created: result.created, updated: result.updated, unchanged: result.unchanged }),
  });
}
