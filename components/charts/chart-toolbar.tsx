"use client";

import { Checkbox, Flex, Segmented, Select } from "antd";
import { TIMEFRAMES, type SymbolDto, type Timeframe } from "../lib/types";
import { formatPrice } from "../lib/format";
import { Num, Pnl } from "../ui/num";
import type { IndicatorToggles } from "./chart-types";

export function SymbolSelect({
  symbols,
  value,
  onChange,
  loading,
  width = 140,
  testId = "chart-symbol-select",
}: {
  /** The symbols' rows, or only their names. */
  symbols: ReadonlyArray<SymbolDto | string> | undefined;
  value: string | undefined;
  onChange: (symbol: string) => void;
  loading?: boolean;
  width?: number;
  testId?: string;
}) {
  return (
    <Select
      size="small"
      showSearch
      value={value}
      onChange={onChange}
      loading={loading}
      style={{ width }}
      placeholder="Symbol"
      options={(symbols ?? []).map((s) => (typeof s === "string" ? s : s.symbol)).map((symbol) => ({ value: symbol, label: symbol }))}
      data-testid={testId}
      notFoundContent={loading ? "Loading…" : "No symbols"}
    />
  );
}

export function TimeframeSelect({ value, onChange, compact }: { value: Timeframe; onChange: (tf: Timeframe) => void; compact?: boolean }) {
  if (compact) {
    return (
      <Select
        size="small"
        value={value}
        onChange={onChange}
        style={{ width: 68 }}
        options={TIMEFRAMES.map((tf) => ({ value: tf, label: tf }))}
        data-testid="chart-timeframe"
      />
    );
  }
  return (
    <Segmented<Timeframe>
      size="small"
      value={value}
      onChange={onChange}
      options={TIMEFRAMES.map((tf) => ({ value: tf, label: tf }))}
      data-testid="chart-timeframe"
    />
  );
}

const TOGGLE_LABELS: [keyof IndicatorToggles, string][] = [
  ["volume", "Vol"],
  ["sma", "SMA 20"],
  ["ema", "EMA 50"],
  ["bollinger", "BB 20,2"],
  ["rsi", "RSI"],
  ["macd", "MACD"],
];

export function IndicatorPicker({ value, onChange }: { value: IndicatorToggles; onChange: (next: IndicatorToggles) => void }) {
  const checked = TOGGLE_LABELS.filter(([k]) => value[k]).map(([k]) => k);
  return (
    <Checkbox.Group
      value={checked}
      onChange={(keys) => {
        const set = new Set(keys as (keyof IndicatorToggles)[]);
        onChange({ volume: set.has("volume"), sma: set.has("sma"), ema: set.has("ema"), bollinger: set.has("bollinger"), rsi: set.has("rsi"), macd: set.has("macd") });
      }}
      options={TOGGLE_LABELS.map(([k, label]) => ({ value: k, label }))}
      data-testid="chart-indicators"
    />
  );
}

/**
 * The price beside the chart is the chart's own newest candle close when there is one, so it always lies
 * within the last candle's high–low (the ticker and the candle stream arrive separately and can disagree).
 */
export function LastPrice({ symbol, candleClose }: { symbol: SymbolDto | undefined; candleClose?: number | null }) {
  if (!symbol) return null;
  const price = typeof candleClose === "number" && Number.isFinite(candleClose) ? candleClose : symbol.last;
  return (
    <Flex gap={8} align="baseline">
      <Num testId="chart-last-price">{formatPrice(price, symbol.last)}</Num>
      <Pnl value={symbol.change24hPct} kind="pct" />
    </Flex>
  );
}
