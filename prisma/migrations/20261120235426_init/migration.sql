-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "OrderSide" AS ENUM ('buy', 'sell');

-- CreateEnum
CREATE TYPE "OrderType" AS ENUM ('market', 'limit', 'stop_loss_limit', 'take_profit_limit');

-- CreateEnum
CREATE TYPE "OrderStatus" AS ENUM ('new', 'submitted', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired');

-- CreateEnum
CREATE TYPE "PositionSide" AS ENUM ('long', 'short');

-- CreateEnum
CREATE TYPE "PositionStatus" AS ENUM ('open', 'closed');

-- CreateTable
CREATE TABLE "instruments" (
    "venue" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "base" TEXT NOT NULL,
    "quote" TEXT NOT NULL,
    "tickSize" DECIMAL(30,12) NOT NULL,
    "stepSize" DECIMAL(30,12) NOT NULL,
    "minQty" DECIMAL(30,12) NOT NULL,
    "maxQty" DECIMAL(30,12) NOT NULL,
    "minNotional" DECIMAL(30,12) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "instruments_pkey" PRIMARY KEY ("venue","symbol")
);

-- CreateTable
CREATE TABLE "candles" (
    "venue" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "timeframe" TEXT NOT NULL,
    "openTime" TIMESTAMP(3) NOT NULL,
    "open" DECIMAL(30,12) NOT NULL,
    "high" DECIMAL(30,12) NOT NULL,
    "low" DECIMAL(30,12) NOT NULL,
    "close" DECIMAL(30,12) NOT NULL,
    "volume" DECIMAL(30,12) NOT NULL,

    CONSTRAINT "candles_pkey" PRIMARY KEY ("venue","symbol","timeframe","openTime")
);

-- CreateTable
CREATE TABLE "strategy_instances" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "symbols" TEXT[],
    "timeframe" TEXT NOT NULL,
    "capital" DECIMAL(30,8) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "state" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "strategy_instances_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "orders" (
    "clientOrderId" TEXT NOT NULL,
    "venueOrderId" TEXT,
    "mode" TEXT NOT NULL,
    "venue" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "side" "OrderSide" NOT NULL,
    "type" "OrderType" NOT NULL,
    "status" "OrderStatus" NOT NULL,
    "intent" TEXT NOT NULL,
    "reduceOnly" BOOLEAN NOT NULL DEFAULT false,
    "quantity" DECIMAL(30,12) NOT NULL,
    "price" DECIMAL(30,12),
    "stopPrice" DECIMAL(30,12),
    "timeInForce" TEXT,
    "filledQuantity" DECIMAL(30,12) NOT NULL DEFAULT 0,
    "avgFillPrice" DECIMAL(30,12) NOT NULL DEFAULT 0,
    "fee" DECIMAL(30,12) NOT NULL DEFAULT 0,
    "stopLoss" DECIMAL(30,12),
    "takeProfit" DECIMAL(30,12),
    "exitReason" TEXT,
    "reason" TEXT NOT NULL,
    "error" TEXT,
    "strategyInstanceId" TEXT,
    "sessionId" TEXT,
    "signalId" TEXT,
    "riskChecks" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "orders_pkey" PRIMARY KEY ("clientOrderId")
);

-- CreateTable
CREATE TABLE "fills" (
    "id" TEXT NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "clientOrderId" TEXT NOT NULL,
    "venueTradeId" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "side" "OrderSide" NOT NULL,
    "price" DECIMAL(30,12) NOT NULL,
    "quantity" DECIMAL(30,12) NOT NULL,
    "fee" DECIMAL(30,12) NOT NULL,
    "liquidity" TEXT NOT NULL,
    "timestamp" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "fills_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "positions" (
    "id" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "side" "PositionSide" NOT NULL,
    "status" "PositionStatus" NOT NULL DEFAULT 'open',
    "quantity" DECIMAL(30,12) NOT NULL,
    "avgEntryPrice" DECIMAL(30,12) NOT NULL,
    "realizedPnl" DECIMAL(30,8) NOT NULL DEFAULT 0,
    "fees" DECIMAL(30,8) NOT NULL DEFAULT 0,
    "stopLoss" DECIMAL(30,12),
    "takeProfit" DECIMAL(30,12),
    "trailingStop" DECIMAL(30,12),
    "extremePrice" DECIMAL(30,12) NOT NULL,
    "entryReason" TEXT NOT NULL,
    "strategyInstanceId" TEXT,
    "sessionId" TEXT,
    "openedAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "positions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "trades" (
    "id" TEXT NOT NULL,
    "positionId" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "side" "PositionSide" NOT NULL,
    "quantity" DECIMAL(30,12) NOT NULL,
    "entryPrice" DECIMAL(30,12) NOT NULL,
    "exitPrice" DECIMAL(30,12) NOT NULL,
    "pnl" DECIMAL(30,8) NOT NULL,
    "pnlPct" DECIMAL(30,8) NOT NULL,
    "fees" DECIMAL(30,8) NOT NULL,
    "exitReason" TEXT NOT NULL,
    "entryReason" TEXT NOT NULL,
    "exitReasonText" TEXT NOT NULL,
    "strategyInstanceId" TEXT,
    "sessionId" TEXT,
    "signalId" TEXT,
    "entryOrderId" TEXT,
    "exitOrderId" TEXT,
    "openedAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "trades_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "signals" (
    "id" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "strategyInstanceId" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "timeframe" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "price" DECIMAL(30,12) NOT NULL,
    "reason" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "timestamp" TIMESTAMP(3) NOT NULL,
    "outcome" TEXT,
    "exitPrice" DECIMAL(30,12),
    "outcomePct" DECIMAL(30,8),
    "outcomeAt" TIMESTAMP(3),

    CONSTRAINT "signals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "equity_snapshots" (
    "id" BIGSERIAL NOT NULL,
    "mode" TEXT NOT NULL,
    "timestamp" TIMESTAMP(3) NOT NULL,
    "equity" DECIMAL(30,8) NOT NULL,
    "cash" DECIMAL(30,8) NOT NULL,
    "realizedPnl" DECIMAL(30,8) NOT NULL,
    "unrealizedPnl" DECIMAL(30,8) NOT NULL,

    CONSTRAINT "equity_snapshots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account_balances" (
    "mode" TEXT NOT NULL,
    "venue" TEXT NOT NULL,
    "asset" TEXT NOT NULL,
    "free" DECIMAL(30,12) NOT NULL,
    "locked" DECIMAL(30,12) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "account_balances_pkey" PRIMARY KEY ("mode","venue","asset")
);

-- CreateTable
CREATE TABLE "risk_events" (
    "id" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "data" JSONB,
    "timestamp" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "risk_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "seq" BIGSERIAL NOT NULL,
    "timestamp" TIMESTAMP(3) NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "settings" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "settings_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "trading_sessions" (
    "id" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),
    "endReason" TEXT,
    "report" JSONB,

    CONSTRAINT "trading_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "backtest_runs" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "metrics" JSONB,
    "equity" JSONB,
    "trades" JSONB,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "backtest_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "totpSecret" TEXT,
    "totpEnabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth_sessions" (
    "id" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "csrfToken" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "auth_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "last4" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsed" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "exchange_credentials" (
    "id" TEXT NOT NULL,
    "venue" TEXT NOT NULL,
    "network" TEXT NOT NULL,
    "apiKeyEnc" TEXT NOT NULL,
    "secretEnc" TEXT NOT NULL,
    "last4" TEXT NOT NULL,
    "validatedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "exchange_credentials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ml_models" (
    "id" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "timeframe" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "params" JSONB NOT NULL,
    "metrics" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ml_models_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "orders_mode_status_idx" ON "orders"("mode", "status");

-- CreateIndex
CREATE INDEX "orders_symbol_idx" ON "orders"("symbol");

-- CreateIndex
CREATE UNIQUE INDEX "fills_seq_key" ON "fills"("seq");

-- CreateIndex
CREATE INDEX "fills_timestamp_idx" ON "fills"("timestamp");

-- CreateIndex
CREATE UNIQUE INDEX "fills_clientOrderId_venueTradeId_key" ON "fills"("clientOrderId", "venueTradeId");

-- CreateIndex
CREATE INDEX "positions_mode_status_idx" ON "positions"("mode", "status");

-- CreateIndex
CREATE INDEX "trades_mode_closedAt_idx" ON "trades"("mode", "closedAt");

-- CreateIndex
CREATE INDEX "trades_symbol_idx" ON "trades"("symbol");

-- CreateIndex
CREATE INDEX "signals_mode_timestamp_idx" ON "signals"("mode", "timestamp");

-- CreateIndex
CREATE INDEX "equity_snapshots_mode_timestamp_idx" ON "equity_snapshots"("mode", "timestamp");

-- CreateIndex
CREATE INDEX "risk_events_timestamp_idx" ON "risk_events"("timestamp");

-- CreateIndex
CREATE UNIQUE INDEX "audit_log_hash_key" ON "audit_log"("hash");

-- CreateIndex
CREATE UNIQUE INDEX "users_username_key" ON "users"("username");

-- CreateIndex
CREATE UNIQUE INDEX "auth_sessions_tokenHash_key" ON "auth_sessions"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_tokenHash_key" ON "api_tokens"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "exchange_credentials_venue_network_key" ON "exchange_credentials"("venue", "network");

-- CreateIndex
CREATE UNIQUE INDEX "ml_models_symbol_timeframe_version_key" ON "ml_models"("symbol", "timeframe", "version");

-- AddForeignKey
ALTER TABLE "fills" ADD CONSTRAINT "fills_clientOrderId_fkey" FOREIGN KEY ("clientOrderId") REFERENCES "orders"("clientOrderId") ON DELETE RESTRICT ON UPDATE CASCADE;
