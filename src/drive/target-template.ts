// The targets spreadsheet template (/targets_template): the import's columns in the person's language, two example
// lines (a yearly target and a campaign target) and a guide sheet naming the accepted metrics.
import { tFor, type Lang } from "../i18n/i18n.ts";
import { writeXlsx, type CellValue } from "../shared/spreadsheet.ts";
import { vietnamDay } from "../shared/time.ts";
import { METRICS, TARGET_COLUMNS } from "./targets.ts";

export async function targetTemplate(lang: Lang, campaignCode?: string): Promise<Buffer> {
  const t = tFor(lang);
  const columns = TARGET_COLUMNS.map((key) => ({ header: t(`targets.columns.${key}`), key, width: key === "metric" ? 36 : 18 }));
  const { y: year } = vietnamDay(new Date());
  const rows: Record<string, CellValue>[] = [
    { code: t("targets.template.exampleCode"), metric: t("targets.metrics.NET_INCREASE"), year, campaign: null, value: 100 },
  ];
  if (campaignCode) rows.push({ code: t("targets.template.exampleCode"), metric: t("targets.metrics.NEW_MEMBERS"), year: null, campaign: campaignCode, value: 30 });
  const guide: Record<string, CellValue>[] = [
    ...TARGET_COLUMNS.map((c) => ({ column: t(`targets.columns.${c}`), meaning: t(`targets.template.help.${c}`) })),
    { column: "", meaning: "" },
    { column: t("targets.template.metricsTitle"), meaning: "" },
    ...METRICS.map((m) => ({ column: t(`targets.metrics.${m}`), meaning: "" })),
  ];
  return writeXlsx([
    { name: t("targets.template.sheet"), columns, rows },
    {
      name: t("targets.template.guideSheet"),
      columns: [
        { header: t("targets.template.guideColumn"), key: "column", width: 36 },
        { header: t("targets.template.guideMeaning"), key: "meaning", width: 90 },
      ],
      rows: guide,
    },
  ]);
}
