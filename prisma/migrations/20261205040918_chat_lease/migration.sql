-- CreateTable
CREATE TABLE "ChatLease" (
    "chatKey" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "until" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ChatLease_pkey" PRIMARY KEY ("chatKey")
);
