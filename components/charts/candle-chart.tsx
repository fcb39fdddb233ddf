"use client";

import { Spin, Typography } from "antd";
import { useEffect, useRef, useState } from "react";
import type { CandleDto, Timeframe } from "../lib/types";
import { formatDateTime, formatPrice, formatQty, formatTime } from "../lib/format";
import { COLORS } from "../shell/colors";
import { CandleChartController } from "./candle-chart-controller";
import type { ChartMarker, ChartPriceLine, IndicatorToggles } from "./chart-types";

export interface CandleChartProps {
  symbol: string;
  timeframe: Timeframe;
  candles: readonly CandleDto[] | undefined;
  indicators: IndicatorToggles;
  markers?: ChartMarker[];
  priceLines?: ChartPriceLine[];
  height: number | string;
  loading?: boolean;
  /** Shown over the chart instead of bars (an error, "no data"). */
  notice?: string | null;
  /** Small chart in a grid: a one-line legend and no logo (the page carries the attribution). */
  compact?: boolean;
  testId?: string;
}

function Legend({ bar, compact }: { bar: CandleDto; compact: boolean }) {
  const color = bar.close >= bar.open ? COLORS.profit : COLORS.loss;
  const ref = bar.close;
  if (compact) {
    return (
      <div className="num" data-testid="chart-legend" style={{ position: "absolute", top: 4, left: 8, zIndex: 2, fontSize: 11, pointerEvents: "none", color: COLORS.muted }}>
        {formatTime(bar.time).slice(0, 5)} C <span style={{ color }}>{formatPrice(bar.close, ref)}</span>
      </div>
    );
  }
  return (
    <div
      className="num"
      data-testid="chart-legend"
      style={{ position: "absolute", top: 4, left: 8, right: 72, zIndex: 2, fontSize: 11, pointerEvents: "none", color: COLORS.muted, whiteSpace: "nowrap", overflow: "hidden", textOverflow: "ellipsis" }}
    >
      {formatDateTime(bar.time)} O <span style={{ color }}>{formatPrice(bar.open, ref)}</span> H <span style={{ color }}>{formatPrice(bar.high, ref)}</span> L{" "}
      <span style={{ color }}>{formatPrice(bar.low, ref)}</span> C <span style={{ color }}>{formatPrice(bar.close, ref)}</span> V {formatQty(Number(bar.volume.toFixed(4)))}
      {!bar.closed && " · forming"}
    </div>
  );
}

const overlayStyle: React.CSSProperties = {
  position: "absolute",
  inset: 0,
  display: "flex",
  alignItems: "center",
  justifyContent: "center",
  pointerEvents: "none",
  zIndex: 3,
};

/** A lightweight-charts candlestick chart; the chart lives as long as its pane layout (RSI/MACD) stays the same. */
export function CandleChart({ symbol, timeframe, candles, indicators, markers, priceLines, height, loading, notice, compact = false, testId = "candle-chart" }: CandleChartProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const [controller, setController] = useState<CandleChartController | null>(null);
  const initialTimeframe = useRef(timeframe);

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const created = new CandleChartController(container, { rsi: indicators.rsi, macd: indicators.macd }, initialTimeframe.current, !compact);
    setController(created);
    return () => {
      created.dispose();
      setController(null);
    };
  }, [indicators.rsi, indicators.macd, compact]);

  useEffect(() => {
    controller?.reset(timeframe);
  }, [controller, symbol, timeframe]);

  const { volume, sma, ema, bollinger } = indicators;
  useEffect(() => {
    controller?.applyToggles({ volume, sma, ema, bollinger, rsi: false, macd: false });
  }, [controller, volume, sma, ema, bollinger]);

  useEffect(() => {
    if (controller && candles) controller.setCandles(candles);
  }, [controller, candles]);

  useEffect(() => {
    controller?.setMarkers(markers ?? []);
  }, [controller, markers]);

  useEffect(() => {
    controller?.setPriceLines(priceLines ?? []);
  }, [controller, priceLines]);

  const [hovered, setHovered] = useState<CandleDto | null>(null);
  useEffect(() => {
    if (!controller) return;
    return controller.onHover(setHovered);
  }, [controller]);
  const legendBar = hovered ?? candles?.[candles.length - 1] ?? null;

  const empty = !loading && !notice && candles !== undefined && candles.length === 0;
  return (
    <div style={{ position: "relative", width: "100%", height }} data-testid={testId} data-symbol={symbol} data-timeframe={timeframe} data-bars={candles?.length ?? 0}>
      <div ref={containerRef} style={{ position: "absolute", inset: 0 }} />
      {legendBar && <Legend bar={legendBar} compact={compact} />}
      {loading && (
        <div style={overlayStyle}>
          <Spin />
        </div>
      )}
      {(notice || empty) && (
        <div style={overlayStyle}>
          <Typography.Text type="secondary" style={{ background: "rgba(11,18,32,0.8)", padding: "4px 8px", borderRadius: 4 }}>
            {notice ?? `No ${timeframe} candles for ${symbol} yet`}
          </Typography.Text>
        </div>
      )}
    </div>
  );
}
