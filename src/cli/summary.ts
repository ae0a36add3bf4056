// Operator CLI: export --unit <code> [--period <year or campaign code>] --out <file.xlsx|csv>. The same export as
// /export in chat, with every column (the operator acts everywhere), audited with no actor. Texts in OPERATOR_LANGUAGE.
import { parseArgs } from "node:util";
import { operatorLang, tFor } from "../i18n/i18n.ts";
import { findUnitByCode } from "../organisation/units.ts";
import { exportSummary } from "../summary/export.ts";
import { resolvePeriod, yearPeriod } from "../summary/rollup.ts";
import { writePrivateFile } from "../shared/private-files.ts";
import { vietnamDay } from "../shared/time.ts";
import type { Command } from "./command.ts";

const lang = operatorLang();
const t = tFor(lang);

export const summaryCommands: Record<string, Command> = {
  async export(prisma, args) {
    let values: { unit?: string; period?: string; out?: string };
    try {
      values = parseArgs({ args, options: { unit: { type: "string" }, period: { type: "string" }, out: { type: "string" } } }).values;
    } catch {
      console.error(t("summary.cli.usage"));
      return 2;
    }
    const format = values.out?.toLowerCase().endsWith(".csv") ? "csv" : values.out?.toLowerCase().endsWith(".xlsx") ? "xlsx" : null;
    if (!values.unit || !values.out || !format) {
      console.error(t("summary.cli.usage"));
      return 2;
    }
    const unit = await findUnitByCode(prisma, values.unit);
    if (!unit) {
      console.error(t("summary.cli.unitNotFound", { code: values.unit }));
      return 1;
    }
    const period = values.period ? await resolvePeriod(prisma, values.period) : yearPeriod(vietnamDay(new Date()).y);
    if (!period) {
      console.error(t("summary.cli.periodUnknown", { value: values.period ?? "" }));
      return 1;
    }
    const result = await exportSummary(prisma, { actorId: null, unitId: unit.id, period, format, lang });
    if (!result.ok) {
      console.error(t("summary.cli.unitNotFound", { code: values.unit }));
      return 1;
    }
    try {
      await writePrivateFile(values.out, result.file);
    } catch {
      console.error(t("summary.cli.writeFailed", { file: values.out }));
      return 1;
    }
    console.log(t("summary.cli.written", { file: values.out, rows: result.rows }));
    return 0;
  },
};
