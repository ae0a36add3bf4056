-- CreateEnum
CREATE TYPE "TargetMetric" AS ENUM ('NEW_MEMBERS', 'NET_INCREASE', 'NEW_GRASSROOTS', 'PARTY_INTRODUCTIONS');

-- AlterTable
ALTER TABLE "Person" ADD COLUMN     "remindersOn" BOOLEAN NOT NULL DEFAULT true;

-- CreateTable
CREATE TABLE "Campaign" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "issuingUnitId" TEXT NOT NULL,
    "startsOn" DATE NOT NULL,
    "endsOn" DATE NOT NULL,
    "reminders" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Wave" (
    "id" TEXT NOT NULL,
    "campaignId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "startsOn" DATE NOT NULL,
    "endsOn" DATE NOT NULL,
    "announcement" TEXT,

    CONSTRAINT "Wave_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Target" (
    "id" TEXT NOT NULL,
    "unitId" TEXT NOT NULL,
    "year" INTEGER,
    "campaignId" TEXT,
    "periodKey" TEXT NOT NULL,
    "metric" "TargetMetric" NOT NULL,
    "value" INTEGER NOT NULL,
    "setById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Target_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WeeklyReport" (
    "id" TEXT NOT NULL,
    "unitId" TEXT NOT NULL,
    "weekStart" DATE NOT NULL,
    "version" INTEGER NOT NULL,
    "isLatest" BOOLEAN NOT NULL DEFAULT true,
    "submittedById" TEXT,
    "submittedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "admitted" INTEGER NOT NULL,
    "reduced" INTEGER NOT NULL,
    "reductions" JSONB NOT NULL,
    "totalMembers" INTEGER NOT NULL,
    "totalWorkers" INTEGER NOT NULL,
    "newGrassroots" INTEGER NOT NULL DEFAULT 0,
    "newGrassrootsWorkers" INTEGER NOT NULL DEFAULT 0,
    "newGrassrootsMembers" INTEGER NOT NULL DEFAULT 0,
    "partyIntroduced" INTEGER NOT NULL DEFAULT 0,
    "partyAdmitted" INTEGER NOT NULL DEFAULT 0,
    "propagandaSessions" INTEGER NOT NULL DEFAULT 0,
    "propagandaParticipants" INTEGER NOT NULL DEFAULT 0,
    "difficulties" TEXT,

    CONSTRAINT "WeeklyReport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReminderDelivery" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "sentAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReminderDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Campaign_code_key" ON "Campaign"("code");

-- CreateIndex
CREATE INDEX "Campaign_issuingUnitId_idx" ON "Campaign"("issuingUnitId");

-- CreateIndex
CREATE INDEX "Wave_campaignId_idx" ON "Wave"("campaignId");

-- CreateIndex
CREATE UNIQUE INDEX "Target_unitId_periodKey_metric_key" ON "Target"("unitId", "periodKey", "metric");

-- CreateIndex
CREATE INDEX "WeeklyReport_weekStart_isLatest_idx" ON "WeeklyReport"("weekStart", "isLatest");

-- CreateIndex
CREATE UNIQUE INDEX "WeeklyReport_unitId_weekStart_version_key" ON "WeeklyReport"("unitId", "weekStart", "version");

-- CreateIndex
CREATE UNIQUE INDEX "ReminderDelivery_key_key" ON "ReminderDelivery"("key");

-- AddForeignKey
ALTER TABLE "Campaign" ADD CONSTRAINT "Campaign_issuingUnitId_fkey" FOREIGN KEY ("issuingUnitId") REFERENCES "Unit"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Wave" ADD CONSTRAINT "Wave_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Target" ADD CONSTRAINT "Target_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Target" ADD CONSTRAINT "Target_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WeeklyReport" ADD CONSTRAINT "WeeklyReport_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
