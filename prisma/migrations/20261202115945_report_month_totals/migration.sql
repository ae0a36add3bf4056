-- CreateTable
CREATE TABLE "ReportMonthTotal" (
    "unitId" TEXT NOT NULL,
    "month" DATE NOT NULL,
    "admitted" INTEGER NOT NULL DEFAULT 0,
    "reduced" INTEGER NOT NULL DEFAULT 0,
    "newGrassroots" INTEGER NOT NULL DEFAULT 0,
    "partyIntroduced" INTEGER NOT NULL DEFAULT 0,
    "partyAdmitted" INTEGER NOT NULL DEFAULT 0,
    "reports" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ReportMonthTotal_pkey" PRIMARY KEY ("unitId","month")
);

-- Kept by triggers (written by hand: Prisma's schema does not describe triggers). Statement-level, with transition
-- tables: a bulk insert of reports is summed in one pass, and a submit (the old version's isLatest set to false, the
-- new version inserted) moves its month's totals inside the submit's own transaction.
CREATE FUNCTION report_month_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  changed text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT n.*, 1 AS sign FROM new_rows n'
    WHEN 'DELETE' THEN 'SELECT o.*, -1 AS sign FROM old_rows o'
    ELSE 'SELECT n.*, 1 AS sign FROM new_rows n UNION ALL SELECT o.*, -1 AS sign FROM old_rows o'
  END;
BEGIN
  EXECUTE format($sql$
    INSERT INTO "ReportMonthTotal" AS t ("unitId", "month", "admitted", "reduced", "newGrassroots", "partyIntroduced", "partyAdmitted", "reports")
    SELECT r."unitId", date_trunc('month', r."weekStart")::date, SUM(r.sign * r."admitted"), SUM(r.sign * r."reduced"),
      SUM(r.sign * r."newGrassroots"), SUM(r.sign * r."partyIntroduced"), SUM(r.sign * r."partyAdmitted"), SUM(r.sign)
    FROM (%s) r
    WHERE r."isLatest"
    GROUP BY 1, 2
    ON CONFLICT ("unitId", "month") DO UPDATE SET
      "admitted" = t."admitted" + EXCLUDED."admitted",
      "reduced" = t."reduced" + EXCLUDED."reduced",
      "newGrassroots" = t."newGrassroots" + EXCLUDED."newGrassroots",
      "partyIntroduced" = t."partyIntroduced" + EXCLUDED."partyIntroduced",
      "partyAdmitted" = t."partyAdmitted" + EXCLUDED."partyAdmitted",
      "reports" = t."reports" + EXCLUDED."reports"
  $sql$, changed);
  RETURN NULL;
END
$fn$;

CREATE TRIGGER "WeeklyReport_month_totals_insert" AFTER INSERT ON "WeeklyReport"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_month_totals_apply();
CREATE TRIGGER "WeeklyReport_month_totals_update" AFTER UPDATE ON "WeeklyReport"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_month_totals_apply();
CREATE TRIGGER "WeeklyReport_month_totals_delete" AFTER DELETE ON "WeeklyReport"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_month_totals_apply();

-- The reports already there.
INSERT INTO "ReportMonthTotal" ("unitId", "month", "admitted", "reduced", "newGrassroots", "partyIntroduced", "partyAdmitted", "reports")
SELECT "unitId", date_trunc('month', "weekStart")::date, SUM("admitted"), SUM("reduced"), SUM("newGrassroots"),
  SUM("partyIntroduced"), SUM("partyAdmitted"), COUNT(*)
FROM "WeeklyReport" WHERE "isLatest"
GROUP BY 1, 2;
ANALYZE "ReportMonthTotal";
