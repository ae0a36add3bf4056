// Operator CLI commands for the unit spreadsheet: import-units, export-units, units-template. The operator acts
// everywhere (no person); texts in OPERATOR_LANGUAGE.
import { readCommandFile, type Command } from "./command.ts";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { operatorLang, tFor } from "../i18n/i18n.ts";
import { exportUnitRows, formatImportErrors, formatOf, importUnits, unitTemplate, writeUnitFile } from "../organisation/unit-import.ts";
import { findUnitByCode } from "../organisation/units.ts";
import { writePrivateFile } from "../shared/private-files.ts";
import { SpreadsheetError } from "../shared/spreadsheet.ts";

const lang = operatorLang();
const t = tFor(lang);


export const unitCommands: Record<string, Command> = {
  async "import-units"(_prisma, args) {
    const [file] = args;
    if (!file || args.length !== 1) {
      console.log(t("units.cli.usage"));
      return 2;
    }
    const bytes = await readCommandFile(file, t, "units.cli.readFailed");
    if (!bytes) return 1;
    const fileName = basename(file);
    try {
      const result = await importUnits(_prisma, { operator: true }, { bytes, name: fileName });
      if (result.errors.length > 0) {
        console.error(t("units.import.failed", { fileName, count: result.errors.length }));
        for (const line of formatImportErrors(t, result.errors, Number.MAX_SAFE_INTEGER)) console.error(line);
        return 1;
      }
      console.log(t("units.import.done", { fileName, created: result.created, updated: result.updated, unchanged: result.unchanged }));
      return 0;
    } catch (error) {
      if (error instanceof SpreadsheetError) {
        console.error(t(error.key, error.params));
        return 1;
      }
      throw error;
    }
  },

  async "export-units"(prisma, args) {
    const { values, positionals } = parseArgs({ args, options: { unit: { type: "string" } }, allowPositionals: true });
    const [file] = positionals;
    const format = file ? formatOf(file) : undefined;
    if (!file || !format || positionals.length !== 1) {
      console.log(t("units.cli.usage"));
      return 2;
    }
    let rootUnitId: string | undefined;
    if (values.unit) {
      const unit = await findUnitByCode(prisma, values.unit);
      if (!unit) {
        console.error(t("cli.unit_not_found", { ns: "cli", code: values.unit }));
        return 1;
      }
      rootUnitId = unit.id;
    }
    const rows = (await exportUnitRows(prisma, { operator: true }, { rootUnitId, lang })) ?? [];
    await writePrivateFile(file, await writeUnitFile(rows, format, lang));
    console.log(t("units.cli.exported", { count: rows.length, file }));
    return 0;
  },

  async "units-template"(_prisma, args) {
    const [file] = args;
    if (!file || args.length !== 1 || formatOf(file) !== "xlsx") {
      console.log(t("units.cli.usage"));
      return 2;
    }
    await writePrivateFile(file, await unitTemplate("vi"));
    console.log(t("units.cli.templateWritten", { file }));
    return 0;
  },
};
