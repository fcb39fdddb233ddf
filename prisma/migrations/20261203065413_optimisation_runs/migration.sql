-- CreateTable
CREATE TABLE "optimisation_runs" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "progress" JSONB,
    "report" JSONB,
    "best" JSONB,
    "error" TEXT,
    "node" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "optimisation_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "optimisation_runs_createdAt_idx" ON "optimisation_runs"("createdAt");
