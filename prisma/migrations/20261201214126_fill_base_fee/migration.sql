-- AlterTable
ALTER TABLE "fills" ADD COLUMN     "baseFee" DECIMAL(30,12),
ADD COLUMN     "dustMoves" JSONB;
