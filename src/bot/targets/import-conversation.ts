// /import_targets: an officer sends the targets spreadsheet (the columns of the CLI's import-targets); checked, previewed
// with the lines that change and the cascade warnings, and written on confirm (../spreadsheet-import.ts). Audited by
// the domain (target.import, target.set per line).
import { writeAudit } from "../../audit/audit.ts";
import { formatTargetImportErrors, importTargets, type TargetImportError, type TargetImportResult } from "../../drive/targets.ts";
import { numberFormat, type Lang, type T } from "../../i18n/i18n.ts";
import { unitsWhere } from "../../policy/policy.ts";
import type { Deps } from "../context.ts";
import { spreadsheetImportConversation } from "../spreadsheet-import.ts";

export const TARGET_IMPORT_CONVERSATION = "targets-import";
const MAX_LINES = 20;

/** Whether the person may set targets anywhere (an officer with units below, an admin); a refusal is audited. */
export async function maySetTargets(deps: Deps, personId: string): Promise<boolean> {
  const scope = await unitsWhere(deps.prisma, personId, "target.set");
  if (scope === "everywhere" || scope.length > 0) return true;
  await writeAudit(deps.prisma, { actorId: personId, action: "denied:target.set", unitId: null });
  return false;
}

function warningLines(t: T, lang: Lang, result: TargetImportResult): string[] {
  const number = numberFormat(lang);
  return result.warnings.slice(0, MAX_LINES).map((w) =>
    t("targets.warnings.exceedsParent", {
      parent: w.parentCode,
      metric: t(`targets.metrics.${w.metric}`),
      period: w.period,
      childrenSum: number.format(w.exceedsParent.childrenSum),
      parentValue: number.format(w.exceedsParent.parentValue),
    }),
  );
}

function changeLines(t: T, lang: Lang, result: TargetImportResult): string[] {
  const number = numberFormat(lang);
  const lines = result.changes.slice(0, MAX_LINES).map((c) =>
    t("targets.importChat.change", {
      code: c.code,
      metric: t(`targets.metrics.${c.metric}`),
      period: c.period,
      before: c.before === null ? t("targets.chat.notSet") : number.format(c.before),
      after: number.format(c.after),
    }),
  );
  if (result.changes.length > MAX_LINES) lines.push(t("targets.importChat.moreChanges", { count: result.changes.length - MAX_LINES }));
  return lines;
}

export function createTargetImportConversation(deps: Deps) {
  return spreadsheetImportConversation<TargetImportError, TargetImportResult>(deps, {
    texts: "targets.importChat",
    what: "targets",
    may: maySetTargets,
    importFile: (d, personId, file, dryRun) => importTargets(d.prisma, { personId }, file, { dryRun }),
    errorsHeader: (t, fileName, count) => t("targets.import.failed", { fileName, count }),
    errorLines: (t, errors) => formatTargetImportErrors(t, errors, MAX_LINES),
    previewLines: (t, lang, result) => [...changeLines(t, lang, result), ...(result.warnings.length > 0 ? ["", ...warningLines(t, lang, result)] : [])],
    done: (t, lang, result, fileName) =>
      [t("targets.import.done", { fileName, created: result.created, updated: result.updated, unchanged: result.unchanged }), ...warningLines(t, lang, result)].join("\n"),
  });
}
