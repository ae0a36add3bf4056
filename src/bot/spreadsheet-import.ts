// The chat side of a spreadsheet import (/import_units, /import_targets): wait for a file, check it without writing
// (the domain import run as a dry run) and show the errors by line — then wait for a corrected file — or a preview;
// write all of it only after the confirm button, the domain checking it again in its transaction. Only the file's id
// is kept in the conversation: it is downloaded again for the real import.
import type { Conversation } from "@grammyjs/conversations";
import type { Api } from "grammy";
import { tFor, type Lang, type T } from "../i18n/i18n.ts";
import { MAX_FILE_BYTES, SpreadsheetError } from "../shared/spreadsheet.ts";
import type { BotContext, Deps, InnerContext } from "./context.ts";
import { FormIO, type SentDocument } from "./join/form-io.ts";
import { downloadFile } from "./members/download.ts";

/** What every domain import reports. */
export interface ImportCounts<E> {
  errors: E[];
  created: number;
  updated: number;
  unchanged: number;
}

/** Where each import keeps its texts (a union, so the locale check in test/i18n sees every key of each). */
export type ImportTexts = "units.chat" | "targets.importChat";
type ImportText =
  | "askFile" | "notDocument" | "tooLarge" | "downloadFailed" | "refused" | "preview" | "nothingToDo" | "confirm" | "cancel" | "cancelled" | "changedSinceCheck";

export interface SpreadsheetImport<E, R extends ImportCounts<E>> {
  texts: ImportTexts;
  /** Named in the log line when a file cannot be downloaded. */
  what: string;
  may(deps: Deps, personId: string): Promise<boolean>;
  importFile(deps: Deps, personId: string, file: { bytes: Buffer; name: string }, dryRun: boolean): Promise<R>;
  errorsHeader(t: T, fileName: string, count: number): string;
  errorLines(t: T, errors: E[]): string[];
  /** Lines under the preview's counts (what changes, warnings). */
  previewLines?(t: T, lang: Lang, result: R): string[];
  done(t: T, lang: Lang, result: R, fileName: string): string;
}

type Conv = Conversation<BotContext, InnerContext>;
/** What checking or importing a file gave, as plain JSON (conversation.external results are stored). */
type Outcome<R> = { kind: "download" } | { kind: "unreadable"; key: string; params: Record<string, string | number> } | { kind: "result"; result: R };

export function spreadsheetImportConversation<E, R extends ImportCounts<E>>(deps: Deps, spec: SpreadsheetImport<E, R>) {
  const run = async (api: Api, personId: string, document: SentDocument, dryRun: boolean): Promise<Outcome<R>> => {
    let bytes: Buffer;
    try {
      bytes = await downloadFile(deps, api, document.fileId, MAX_FILE_BYTES);
    } catch (error) {
      // never the URL: it holds the token
      deps.logger.warn({ errName: error instanceof Error ? error.name : typeof error }, `${spec.what} file not downloaded`);
      return { kind: "download" };
    }
    try {
      return { kind: "result", result: await spec.importFile(deps, personId, { bytes, name: document.fileName }, dryRun) };
    } catch (error) {
      if (error instanceof SpreadsheetError) return { kind: "unreadable", key: error.key, params: error.params };
      throw error;
    }
  };

  return async function importConversation(conversation: Conv, ctx: InnerContext) {
    const actor = await conversation.external((outer) => ({ personId: outer.person.id, lang: outer.lang as Lang }));
    const t = tFor(actor.lang);
    const text = (key: ImportText, params?: Record<string, unknown>) => t(`${spec.texts}.${key}`, params);
    const io = new FormIO(conversation, ctx, t);
    if (!(await conversation.external(() => spec.may(deps, actor.personId)))) return io.say(text("refused"));
    await io.say(text("askFile"));

    for (;;) {
      const document = await io.document(text("notDocument"), text("askFile"));
      if (document.size > MAX_FILE_BYTES) {
        await io.say(text("tooLarge"));
        continue;
      }
      const checked = await conversation.external((outer) => run(outer.api, actor.personId, document, true));
      if (checked.kind === "download") {
        await io.say(text("downloadFailed"));
        continue;
      }
      if (checked.kind === "unreadable") {
        await io.say(`${t(checked.key, checked.params)}\n\n${text("askFile")}`);
        continue;
      }
      const { result } = checked;
      const fileName = document.fileName;
      if (result.errors.length > 0) {
        await io.say([spec.errorsHeader(t, fileName, result.errors.length), ...spec.errorLines(t, result.errors)].join("\n"));
        continue;
      }
      if (result.created + result.updated === 0) return io.say(text("nothingToDo", { fileName, unchanged: result.unchanged }));
      const preview = [
        text("preview", { fileName, created: result.created, updated: result.updated, unchanged: result.unchanged }),
        ...(spec.previewLines?.(t, actor.lang, result) ?? []),
      ].join("\n");
      const answer = await io.choice(preview, [[{ value: "yes", label: text("confirm") }], [{ value: "no", label: text("cancel") }]]);
      if (answer !== "yes") return io.say(text("cancelled"));
      const done = await conversation.external((outer) => run(outer.api, actor.personId, document, false));
      if (done.kind === "download") {
        await io.say(text("downloadFailed"));
        continue;
      }
      if (done.kind === "unreadable") return io.say(t(done.key, done.params));
      if (done.result.errors.length > 0) return io.say([text("changedSinceCheck"), ...spec.errorLines(t, done.result.errors)].join("\n"));
      return io.say(spec.done(t, actor.lang, done.result, fileName));
    }
  };
}
