-- AlterTable
ALTER TABLE "Broadcast" ADD COLUMN     "sourceKey" TEXT,
ALTER COLUMN "authorId" DROP NOT NULL;

-- AlterTable
ALTER TABLE "OutboxMessage" ADD COLUMN     "text" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Broadcast_sourceKey_key" ON "Broadcast"("sourceKey");
