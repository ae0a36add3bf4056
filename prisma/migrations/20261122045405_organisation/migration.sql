-- CreateEnum
CREATE TYPE "LeaveReason" AS ENUM ('CHANGED_JOB', 'LEFT_COMPANY', 'RESIGNED', 'DECEASED', 'OTHER');

-- CreateEnum
CREATE TYPE "MemberSource" AS ENUM ('BOT', 'IMPORT');

-- AlterEnum
ALTER TYPE "Role" ADD VALUE 'DEPUTY_CHAIR';

-- DropIndex
DROP INDEX "Member_unitId_idx";

-- AlterTable
ALTER TABLE "Member" ADD COLUMN     "birthDate" DATE,
ADD COLUMN     "leaveNote" TEXT,
ADD COLUMN     "leaveReason" "LeaveReason",
ADD COLUMN     "leaveRecordedById" TEXT,
ADD COLUMN     "leftOn" DATE,
ADD COLUMN     "searchName" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "sex" "Sex",
ADD COLUMN     "source" "MemberSource" NOT NULL DEFAULT 'BOT',
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "Unit" ADD COLUMN     "foundedOn" DATE;

-- CreateTable
CREATE TABLE "Invite" (
    "id" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "unitId" TEXT NOT NULL,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "usedById" TEXT,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "Invite_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Invite_tokenHash_key" ON "Invite"("tokenHash");

-- CreateIndex
CREATE INDEX "Invite_unitId_createdAt_idx" ON "Invite"("unitId", "createdAt");

-- CreateIndex
CREATE INDEX "Invite_createdById_createdAt_idx" ON "Invite"("createdById", "createdAt");

-- CreateIndex
CREATE INDEX "AuditLog_at_idx" ON "AuditLog"("at");

-- CreateIndex
CREATE INDEX "Member_unitId_leftOn_idx" ON "Member"("unitId", "leftOn");

-- AddForeignKey
ALTER TABLE "Invite" ADD CONSTRAINT "Invite_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
