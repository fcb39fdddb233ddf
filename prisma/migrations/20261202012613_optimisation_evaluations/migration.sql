-- CreateTable
CREATE TABLE "optimisation_evaluations" (
    "runId" TEXT NOT NULL,
    "setIndex" INTEGER NOT NULL,
    "evaluation" JSONB NOT NULL,
    "worker" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "optimisation_evaluations_pkey" PRIMARY KEY ("runId","setIndex")
);
