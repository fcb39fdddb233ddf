"use client";

import { Flex, Typography } from "antd";
import { useMemo, type ReactNode } from "react";
import { ApiError, errorMessage } from "../lib/api";
import type { CandlesResponse, Timeframe } from "../lib/types";
import { useCandlesPart, useLiveCandles, useSymbolNames, useSymbolRow } from "../hooks/use-market";
import { usePositions, useTrades } from "../hooks/use-trading";
import { useCurrentMode } from "../hooks/use-status";
import { SimulatedTag } from "../ui/simulated-tag";
import { CandleChart } from "./candle-chart";
import type { ChartMarker, ChartPriceLine, IndicatorToggles } from "./chart-types";
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

const simulatedOf = (r: CandlesResponse) => r.simulated;
const barsOf = (r: CandlesResponse) => r.candles;
const quoteOf = (r: CandlesResponse) => ({ close: r.candles.at(-1)?.close, simulated: r.simulated });

/**
 * A chart with its own symbol and timeframe selectors, live candles and (optionally) the bot's trades.
 * The live parts (bars, last price) are children that follow the feed themselves: a candle or a ticker
 * re-renders them, not the toolbar, the selectors and the trade markers.
 */
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
  const symbols = useSymbolNames();
  // Subscribes the stream and polls; only whether the candles are simulated is read here.
  const candles = useLiveCandles(symbol, timeframe, limit, simulatedOf);
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

  let notice: string | null = null;
  if (!symbol) notice = symbols.isPending ? null : "Choose a symbol";
  else if (candles.isError && candles.data === undefined) {
    notice = candles.error instanceof ApiError && candles.error.status === 404 ? "Candles are not available on this server yet" : `Candles could not load: ${errorMessage(candles.error)}`;
  }

  return (
    <Flex vertical gap={6} style={{ height: "100%", minWidth: 0 }}>
      <Flex gap={8} align="center" wrap>
        <SymbolSelect symbols={symbols.data} value={symbol} onChange={onSymbolChange} loading={symbols.isPending} width={compact ? 120 : 140} />
        <TimeframeSelect value={timeframe} onChange={onTimeframeChange} compact={compact} />
        <ChartQuote symbol={symbol} timeframe={timeframe} limit={limit} />
        {showTrades && trades.isError && (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            trade markers unavailable
          </Typography.Text>
        )}
        {extra && <div style={{ marginInlineStart: "auto" }}>{extra}</div>}
      </Flex>
      <LiveCandleChart
        symbol={symbol}
        timeframe={timeframe}
        limit={limit}
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

/** The last price, its 24 h change and the "simulated" tag: re-rendered by this symbol's tickers and candles. */
function ChartQuote({ symbol, timeframe, limit }: { symbol: string | undefined; timeframe: Timeframe; limit: number }) {
  const row = useSymbolRow(symbol).data;
  const quote = useCandlesPart(symbol, timeframe, limit, quoteOf).data;
  return (
    <>
      <LastPrice symbol={row} candleClose={quote?.close} />
      <SimulatedTag simulated={quote?.simulated ?? row?.simulated} what="market data" />
    </>
  );
}

interface LiveCandleChartProps {
  symbol: string | undefined;
  timeframe: Timeframe;
  limit: number;
  indicators: IndicatorToggles;
  markers: ChartMarker[];
  priceLines: ChartPriceLine[];
  height: number | string;
  loading: boolean;
  notice: string | null;
  compact: boolean;
  testId?: string;
}

/** The bars, re-rendered by each candle of the stream (the parent subscribes it). */
function LiveCandleChart({ symbol, timeframe, limit, ...rest }: LiveCandleChartProps) {
  const bars = useCandlesPart(symbol, timeframe, limit, barsOf).data;
  return <CandleChart symbol={symbol ?? ""} timeframe={timeframe} candles={bars} {...rest} />;
}
