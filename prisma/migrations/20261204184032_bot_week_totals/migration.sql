-- CreateTable
CREATE TABLE "BotWeekTotal" (
    "unitId" TEXT NOT NULL,
    "weekStart" DATE NOT NULL,
    "admitted" INTEGER NOT NULL DEFAULT 0,
    "reduced" INTEGER NOT NULL DEFAULT 0,
    "reported" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "BotWeekTotal_pkey" PRIMARY KEY ("unitId","weekStart")
);

-- CreateIndex
CREATE INDEX "BotWeekTotal_reported_weekStart_idx" ON "BotWeekTotal"("reported", "weekStart");

-- Kept by triggers (written by hand: Prisma's schema does not describe triggers), statement-level with transition
-- tables like ReportMonthTotal's. A member row contributes +1 admitted to the week it joined (source BOT) and +1
-- reduced to the week it left; an update adds the new row's contributions and takes the old row's away, so only a
-- change of those columns moves anything.
CREATE FUNCTION bot_week_totals_members() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  changed text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT n."unitId", n.source, n."joinedAt", n."leftOn", 1 AS sign FROM new_rows n'
    WHEN 'DELETE' THEN 'SELECT o."unitId", o.source, o."joinedAt", o."leftOn", -1 AS sign FROM old_rows o'
    ELSE 'SELECT n."unitId", n.source, n."joinedAt", n."leftOn", 1 AS sign FROM new_rows n
          UNION ALL SELECT o."unitId", o.source, o."joinedAt", o."leftOn", -1 AS sign FROM old_rows o'
  END;
BEGIN
  EXECUTE format($sql$
    INSERT INTO "BotWeekTotal" AS t ("unitId", "weekStart", "admitted", "reduced", "reported")
    SELECT c."unitId", c.week, SUM(c.admitted), SUM(c.reduced),
      EXISTS (
        SELECT 1 FROM "WeeklyReport" r JOIN "Unit" u ON u.id = r."unitId"
        WHERE r."unitId" = c."unitId" AND r."weekStart" = c.week AND r."isLatest" AND u.type IN ('GRASSROOTS', 'FREELANCE_GRASSROOTS')
      )
    FROM (
      SELECT m."unitId", date_trunc('week', m."joinedAt" + interval '7 hours')::date AS week, m.sign AS admitted, 0 AS reduced
      FROM (%1$s) m WHERE m.source = 'BOT'
      UNION ALL
      SELECT m."unitId", date_trunc('week', m."leftOn")::date, 0, m.sign
      FROM (%1$s) m WHERE m."leftOn" IS NOT NULL
    ) c
    GROUP BY c."unitId", c.week
    HAVING SUM(c.admitted) <> 0 OR SUM(c.reduced) <> 0
    ON CONFLICT ("unitId", "weekStart") DO UPDATE SET
      "admitted" = t."admitted" + EXCLUDED."admitted",
      "reduced" = t."reduced" + EXCLUDED."reduced"
  $sql$, changed);
  RETURN NULL;
END
$fn$;

CREATE TRIGGER "Member_bot_week_totals_insert" AFTER INSERT ON "Member"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bot_week_totals_members();
CREATE TRIGGER "Member_bot_week_totals_update" AFTER UPDATE ON "Member"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bot_week_totals_members();
CREATE TRIGGER "Member_bot_week_totals_delete" AFTER DELETE ON "Member"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bot_week_totals_members();

-- A grassroots union's report for a week marks that week's bot records as reported (and a report that stops being
-- the latest without a successor, or is deleted, unmarks them).
CREATE FUNCTION bot_week_totals_reports() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  changed text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT n."unitId", n."weekStart" FROM new_rows n'
    WHEN 'DELETE' THEN 'SELECT o."unitId", o."weekStart" FROM old_rows o'
    ELSE 'SELECT n."unitId", n."weekStart" FROM new_rows n UNION SELECT o."unitId", o."weekStart" FROM old_rows o'
  END;
BEGIN
  EXECUTE format($sql$
    UPDATE "BotWeekTotal" b SET "reported" = EXISTS (
      SELECT 1 FROM "WeeklyReport" r JOIN "Unit" u ON u.id = r."unitId"
      WHERE r."unitId" = b."unitId" AND r."weekStart" = b."weekStart" AND r."isLatest" AND u.type IN ('GRASSROOTS', 'FREELANCE_GRASSROOTS')
    )
    FROM (SELECT DISTINCT * FROM (%s) x) c
    WHERE b."unitId" = c."unitId" AND b."weekStart" = c."weekStart"
  $sql$, changed);
  RETURN NULL;
END
$fn$;

CREATE TRIGGER "WeeklyReport_bot_week_totals_insert" AFTER INSERT ON "WeeklyReport"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bot_week_totals_reports();
CREATE TRIGGER "WeeklyReport_bot_week_totals_update" AFTER UPDATE ON "WeeklyReport"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bot_week_totals_reports();
CREATE TRIGGER "WeeklyReport_bot_week_totals_delete" AFTER DELETE ON "WeeklyReport"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bot_week_totals_reports();

-- The members already there.
INSERT INTO "BotWeekTotal" ("unitId", "weekStart", "admitted", "reduced")
SELECT c."unitId", c.week, SUM(c.admitted), SUM(c.reduced)
FROM (
  SELECT "unitId", date_trunc('week', "joinedAt" + interval '7 hours')::date AS week, 1 AS admitted, 0 AS reduced FROM "Member" WHERE source = 'BOT'
  UNION ALL
  SELECT "unitId", date_trunc('week', "leftOn")::date, 0, 1 FROM "Member" WHERE "leftOn" IS NOT NULL
) c
GROUP BY 1, 2;
UPDATE "BotWeekTotal" b SET "reported" = true
FROM "WeeklyReport" r JOIN "Unit" u ON u.id = r."unitId"
WHERE r."unitId" = b."unitId" AND r."weekStart" = b."weekStart" AND r."isLatest" AND u.type IN ('GRASSROOTS', 'FREELANCE_GRASSROOTS');
ANALYZE "BotWeekTotal";
