// Operator CLI command for targets: import-targets <file>. The operator acts everywhere (no person); texts in
// OPERATOR_LANGUAGE.
import { readCommandFile, type Command } from "./command.ts";
import { basename } from "node:path";
import { formatTargetImportErrors, importTargets } from "../drive/targets.ts";
import { operatorLang, tFor } from "../i18n/i18n.ts";
import { SpreadsheetError } from "../shared/spreadsheet.ts";

const t = tFor(operatorLang());


export const targetCommands: Record<string, Command> = {
  async "import-targets"(prisma, args) {
    const [file] = args;
    if (!file || args.length !== 1) {
      console.log(t("targets.cli.usage"));
      return 2;
    }
    const bytes = await readCommandFile(file, t, "targets.cli.readFailed");
    if (!bytes) return 1;
    const fileName = basename(file);
    try {
      const result = await importTargets(prisma, { operator: true }, { bytes, name: fileName });
      if (!result.written) {
        console.error(t("targets.import.failed", { fileName, count: result.errors.length }));
        for (const line of formatTargetImportErrors(t, result.errors, Number.MAX_SAFE_INTEGER)) console.error(line);
        return 1;
      }
      console.log(t("targets.import.done", { fileName, created: result.created, updated: result.updated, unchanged: result.unchanged }));
      for (const w of result.warnings) {
        console.log(
          t("targets.warnings.exceedsParent", {
            parent: w.parentCode,
            metric: t(`targets.metrics.${w.metric}`),
            period: w.period,
            childrenSum: w.exceedsParent.childrenSum,
            parentValue: w.exceedsParent.parentValue,
          }),
        );
      }
      return 0;
    } catch (error) {
      if (error instanceof SpreadsheetError) {
        console.error(t(error.key, error.params));
        return 1;
      }
      throw error;
    }
  },
};
