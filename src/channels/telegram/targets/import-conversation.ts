// /import_targets: an officer sends the targets spreadsheet (the columns of the CLI's import-targets); the bot checks
// it without writing (the domain import, run and rolled back) and shows the errors by line in the officer's language
// — then waits for a corrected file — or a preview (counts, the lines that change, cascade warnings); it writes all
// of it only after the confirm button, checking it again in the transaction. Audited by the domain (target.import,
// target.set per line).
import type { Conversation } from "@grammyjs/conversations";
import type { Api } from "grammy";
import { writeAudit } from "../../../audit/audit.ts";
import { formatTargetImportErrors, importTargets, type TargetImportResult } from "../../../drive/targets.ts";
import { tFor, type Lang, type T } from "../../../i18n/i18n.ts";
import { unitsWhere } from "../../../policy/policy.ts";
import { MAX_FILE_BYTES, SpreadsheetError } from "../../../shared/spreadsheet.ts";
import type { BotContext, Deps, InnerContext } from "../context.ts";
import { FormIO, type SentDocument } from "../join/form-io.ts";
import { downloadTelegramFile } from "../members/download.ts";

export const TARGET_IMPORT_CONVERSATION = "targets-import";
const MAX_LINES = 20;

type Conv = Conversation<BotContext, InnerContext>;
type Outcome = { kind: "download" } | { kind: "unreadable"; key: string; params: Record<string, string | number> } | { kind: "result"; result: TargetImportResult };

/** Whether the person may set targets anywhere (an officer with units below, an admin); a refusal is audited. */
export async function maySetTargets(deps: Deps, personId: string): Promise<boolean> {
  const scope = await unitsWhere(deps.prisma, personId, "target.set");
  if (scope === "everywhere" || scope.length > 0) return true;
  await writeAudit(deps.prisma, { actorId: personId, action: "denied:target.set", unitId: null });
  return false;
}

function warningLines(t: T, lang: Lang, result: TargetImportResult): string[] {
  const number = new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-GB");
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
  const number = new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-GB");
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
  const apiRoot = deps.config.TELEGRAM_API_ROOT;

  const run = async (api: Api, personId: string, document: SentDocument, dryRun: boolean): Promise<Outcome> => {
    let bytes: Buffer;
    try {
      bytes = await downloadTelegramFile(api, apiRoot, document.fileId, MAX_FILE_BYTES);
    } catch (error) {
      // never the URL: it holds the token
      deps.logger.warn({ errName: error instanceof Error ? error.name : typeof error }, "targets file not downloaded");
      return { kind: "download" };
    }
    try {
      return { kind: "result", result: await importTargets(deps.prisma, { personId }, { bytes, name: document.fileName }, { dryRun }) };
    } catch (error) {
      if (error instanceof SpreadsheetError) return { kind: "unreadable", key: error.key, params: error.params };
      throw error;
    }
  };

  return async function importTargetsConversation(conversation: Conv, ctx: InnerContext) {
    const actor = await conversation.external((outer) => ({ personId: outer.person.id, lang: outer.lang as Lang }));
    const t = tFor(actor.lang);
    const io = new FormIO(conversation, ctx, t);
    if (!(await conversation.external(() => maySetTargets(deps, actor.personId)))) return io.say(t("targets.importChat.refused"));
    await io.say(t("targets.importChat.askFile"));

    for (;;) {
      const document = await io.document(t("targets.importChat.notDocument"));
      if (document.size > MAX_FILE_BYTES) {
        await io.say(t("targets.importChat.tooLarge"));
        continue;
      }
      const checked = await conversation.external((outer) => run(outer.api, actor.personId, document, true));
      if (checked.kind === "download") {
        await io.say(t("targets.importChat.downloadFailed"));
        continue;
      }
      if (checked.kind === "unreadable") {
        await io.say(`${t(checked.key, checked.params)}\n\n${t("targets.importChat.askFile")}`);
        continue;
      }
      const { result } = checked;
      const fileName = document.fileName;
      if (result.errors.length > 0) {
        const lines = formatTargetImportErrors(t, result.errors, MAX_LINES);
        await io.say([t("targets.import.failed", { fileName, count: result.errors.length }), ...lines].join("\n"));
        continue;
      }
      if (result.changes.length === 0) return io.say(t("targets.importChat.nothingToDo", { fileName, unchanged: result.unchanged }));
      const preview = [
        t("targets.importChat.preview", { fileName, created: result.created, updated: result.updated, unchanged: result.unchanged }),
        ...changeLines(t, actor.lang, result),
        ...(result.warnings.length > 0 ? ["", ...warningLines(t, actor.lang, result)] : []),
      ].join("\n");
      const answer = await io.choice(preview, [
        [{ value: "yes", label: t("targets.importChat.confirm") }],
        [{ value: "no", label: t("targets.importChat.cancel") }],
      ]);
      if (answer !== "yes") return io.say(t("targets.importChat.cancelled"));
      const done = await conversation.external((outer) => run(outer.api, actor.personId, document, false));
      if (done.kind === "download") {
        await io.say(t("targets.importChat.downloadFailed"));
        continue;
      }
      if (done.kind === "unreadable") return io.say(t(done.key, done.params));
      if (done.result.errors.length > 0) {
        return io.say([t("targets.importChat.changedSinceCheck"), ...formatTargetImportErrors(t, done.result.errors, MAX_LINES)].join("\n"));
      }
      return io.say([t("targets.import.done", { fileName, created: done.result.created, updated: done.result.updated, unchanged: done.result.unchanged }), ...warningLines(t, actor.lang, done.result)].join("\n"));
    }
  };
}
