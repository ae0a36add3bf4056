-- AlterEnum
ALTER TYPE "Channel" ADD VALUE 'WEB';

-- CreateTable
CREATE TABLE "WebMessage" (
    "chatId" TEXT NOT NULL,
    "messageId" INTEGER NOT NULL,
    "fromBot" BOOLEAN NOT NULL,
    "content" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "WebMessage_pkey" PRIMARY KEY ("chatId","messageId")
);

-- CreateTable
CREATE TABLE "WebFile" (
    "id" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "mime" TEXT NOT NULL,
    "bytes" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebFile_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WebFile_chatId_idx" ON "WebFile"("chatId");
