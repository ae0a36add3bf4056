-- CreateTable
CREATE TABLE "InboxUpdate" (
    "id" BIGSERIAL NOT NULL,
    "channel" "Channel" NOT NULL,
    "externalId" TEXT NOT NULL,
    "chatKey" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseUntil" TIMESTAMP(3) NOT NULL,
    "handledAt" TIMESTAMP(3),

    CONSTRAINT "InboxUpdate_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "InboxUpdate_handledAt_leaseUntil_idx" ON "InboxUpdate"("handledAt", "leaseUntil");

-- CreateIndex
CREATE UNIQUE INDEX "InboxUpdate_channel_externalId_key" ON "InboxUpdate"("channel", "externalId");
