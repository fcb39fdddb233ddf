"use client";

import { Flex, Typography } from "antd";
import { useMemo, type ReactNode } from "react";
import { ApiError, errorMessage } from "../lib/api";
import type { Timeframe } from "../lib/types";
import { useCandles, useSymbols } from "../hooks/use-market";
import { usePositions, useTrades } from "../hooks/use-trading";
import { useCurrentMode } from "../hooks/use-status";
import { SimulatedTag } from "../ui/simulated-tag";
import { CandleChart } from "./candle-chart";
import type { IndicatorToggles } from "./chart-types";
import { LastPrice, SymbolSelect, TimeframeSelect } from "./chart-toolbar";
import { positionPriceLines, tradeMarkers } from "./markers";

export interface SymbolChartProps {
  symbol: string | undefined;
  timeframe: Timeframe;
  onSymbolChange: (symbol: string) => void;
  onTimeframeChange: (timeframe: Timeframe) => void;
  indicators: IndicatorToggles;
  height: number | string;
  limit?: number;
  /** Draw the bot's trades and open positions of this symbol. */
  showTrades?: boolean;
  compact?: boolean;
  extra?: ReactNode;
  testId?: string;
}

/** Bar length of each timeframe: from 1 h up, the trades of one bar share one marker per kind. */
const BAR_MS: Record<Timeframe, number> = { "1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "4h": 14_400_000, "1d": 86_400_000 };

/** A chart with its own symbol and timeframe selectors, live candles and (optionally) the bot's trades. */
export function SymbolChart({
  symbol,
  timeframe,
  onSymbolChange,
  onTimeframeChange,
  indicators,
  height,
  limit = 500,
  showTrades = false,
  compact = false,
  extra,
  testId,
}: SymbolChartProps) {
  const symbols = useSymbols();
  const candles = useCandles(symbol, timeframe, limit);
  const mode = useCurrentMode();
  const positions = usePositions(showTrades ? mode : undefined);
  const trades = useTrades(
    { mode, symbol, sort: "closedAt", order: "desc", page: 1, pageSize: 200 },
    showTrades && !!mode && !!symbol,
  );

  const symbolPositions = useMemo(() => (positions.data ?? []).filter((p) => p.symbol === symbol), [positions.data, symbol]);
  const markers = useMemo(
    () => (showTrades ? tradeMarkers(trades.data?.items ?? [], symbolPositions, BAR_MS[timeframe] >= 3_600_000 ? BAR_MS[timeframe] : undefined) : []),
    [showTrades, trades.data, symbolPositions, timeframe],
  );
  const priceLines = useMemo(() => (showTrades ? positionPriceLines(symbolPositions) : []), [showTrades, symbolPositions]);
  const symbolInfo = symbols.data?.find((s) => s.symbol === symbol);

  let notice: string | null = null;
  if (!symbol) notice = symbols.isPending ? null : "Choose a symbol";
  else if (candles.isError && !candles.data) {
    notice = candles.error instanceof ApiError && candles.error.status === 404 ? "Candles are not available on this server yet" : `Candles could not load: ${errorMessage(candles.error)}`;
  }

  return (
    <Flex vertical gap={6} style={{ height: "100%", minWidth: 0 }}>
      <Flex gap={8} align="center" wrap>
        <SymbolSelect symbols={symbols.data} value={symbol} onChange={onSymbolChange} loading={symbols.isPending} width={compact ? 120 : 140} />
        <TimeframeSelect value={timeframe} onChange={onTimeframeChange} compact={compact} />
        <LastPrice symbol={symbolInfo} candleClose={candles.data?.candles.at(-1)?.close} />
        <SimulatedTag simulated={candles.data?.simulated ?? symbolInfo?.simulated} what="market data" />
        {showTrades && trades.isError && (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            trade markers unavailable
          </Typography.Text>
        )}
        {extra && <div style={{ marginInlineStart: "auto" }}>{extra}</div>}
      </Flex>
      <CandleChart
        symbol={symbol ?? ""}
        timeframe={timeframe}
        candles={candles.data?.candles}
        indicators={indicators}
        markers={markers}
        priceLines={priceLines}
        height={height}
        loading={!!symbol && candles.isPending}
        notice={notice}
        compact={compact}
        testId={testId}
      />
    </Flex>
  );
}
