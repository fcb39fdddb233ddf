-- AlterTable
ALTER TABLE "signals" ADD COLUMN     "executionCode" TEXT,
ADD COLUMN     "executionMessage" TEXT,
ADD COLUMN     "executionOrderId" TEXT,
ADD COLUMN     "executionStatus" TEXT;
