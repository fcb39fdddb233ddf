"use client";

import { Flex, Segmented, Typography } from "antd";
import { useMemo } from "react";
import { useLocalStorageState } from "../hooks/use-local-storage";
import { useSymbolNames } from "../hooks/use-market";
import type { Timeframe } from "../lib/types";
import { Panel } from "../ui/panel";
import { QueryError } from "../ui/query-state";
import { cellsFor, gridColumns, GRID_SIZES, parseGridLayout, type GridLayout, type GridSize } from "./chart-prefs";
import { DEFAULT_INDICATORS, type IndicatorToggles } from "./chart-types";
import { SymbolChart } from "./symbol-chart";

const INITIAL: GridLayout = { size: 4, cells: [] };

/** Lighter charts as the grid gets denser: 16 small charts do not need RSI and MACD panes. */
function indicatorsFor(size: GridSize): IndicatorToggles {
  if (size <= 2) return DEFAULT_INDICATORS;
  if (size === 4) return { ...DEFAULT_INDICATORS, macd: false };
  return { volume: true, sma: true, ema: false, bollinger: false, rsi: false, macd: false };
}

/** Height of each chart: small enough that a 16-grid fits a screen, large enough to read. */
const CHART_HEIGHT: Record<GridSize, number> = { 1: 640, 2: 560, 4: 360, 9: 260, 16: 200 };

export function MultiChartPage() {
  const [layout, setLayout] = useLocalStorageState<GridLayout>("tradekeel.charts.layout", INITIAL, parseGridLayout);
  // The names only: a ticker does not re-render the whole grid (each chart follows its own candles).
  const symbols = useSymbolNames();
  const symbolNames = useMemo(() => symbols.data ?? [], [symbols.data]);
  const cells = cellsFor(layout, symbolNames);
  const columns = gridColumns(layout.size);
  const height = CHART_HEIGHT[layout.size];
  const indicators = indicatorsFor(layout.size);
  const limit = layout.size >= 9 ? 200 : layout.size === 4 ? 300 : 500;

  const setCell = (index: number, patch: { symbol?: string; timeframe?: Timeframe }) => {
    setLayout((prev) => {
      const current = cellsFor(prev, symbolNames);
      const next = prev.cells.slice();
      // Materialise the cells shown so far, so the edit of one cell does not move the others.
      for (let i = 0; i < current.length; i++) if (!next[i]) next[i] = current[i]!;
      next[index] = { ...current[index]!, ...patch };
      return { ...prev, cells: next };
    });
  };

  return (
    <Flex vertical gap={12}>
      <Flex align="center" gap={12}>
        <Typography.Title level={5} style={{ margin: 0 }}>
          Charts
        </Typography.Title>
        <Segmented<GridSize>
          size="small"
          value={layout.size}
          onChange={(size) => setLayout((prev) => ({ ...prev, size }))}
          options={GRID_SIZES.map((n) => ({ value: n, label: `${n}` }))}
          data-testid="chart-grid-size"
        />
        <Typography.Text type="secondary">charts · layout is remembered in this browser</Typography.Text>
        <Typography.Link href="https://www.tradingview.com/" target="_blank" rel="noopener noreferrer" style={{ marginInlineStart: "auto", fontSize: 12 }}>
          Charts by TradingView Lightweight Charts™
        </Typography.Link>
      </Flex>
      {symbols.isError && !symbols.data && <QueryError error={symbols.error} what="Symbols" />}
      <div
        data-testid="chart-grid"
        data-size={layout.size}
        style={{ display: "grid", gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`, gap: 8 }}
      >
        {cells.map((cell, i) => (
          <Panel key={i} bodyStyle={{ padding: 8, height: height + 40 }} testId={`chart-cell-${i}`}>
            <SymbolChart
              symbol={cell.symbol ?? undefined}
              timeframe={cell.timeframe}
              onSymbolChange={(symbol) => setCell(i, { symbol })}
              onTimeframeChange={(timeframe) => setCell(i, { timeframe })}
              indicators={indicators}
              height={height}
              limit={limit}
              compact={layout.size >= 4}
              testId={`candle-chart-${i}`}
            />
          </Panel>
        ))}
      </div>
    </Flex>
  );
}
