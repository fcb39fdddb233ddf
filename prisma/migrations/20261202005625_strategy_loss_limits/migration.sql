-- AlterTable
ALTER TABLE "strategy_instances" ADD COLUMN     "dailyLossQuote" DECIMAL(30,8),
ADD COLUMN     "maxLossQuote" DECIMAL(30,8);
