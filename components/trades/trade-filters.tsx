"use client";

import { DatePicker, Flex, Select, type GetProps } from "antd";
import { useState } from "react";
import { MODES, type Mode } from "../lib/types";
import type { TradeFilters as TradeQueryFilters } from "../lib/query-keys";
import { useSymbols } from "../hooks/use-market";
import { useStrategies } from "../hooks/use-settings";

/** The filters of GET /api/trades (the contract's query) the trader sets; sort and page are the table's. */
export type TradeFilterValues = Omit<TradeQueryFilters, "sort" | "order" | "page" | "pageSize">;

type RangeValue = GetProps<typeof DatePicker.RangePicker>["value"];

export function TradeFilters({ value, onChange, currentMode }: { value: TradeFilterValues; onChange: (next: TradeFilterValues) => void; currentMode: Mode | undefined }) {
  const symbols = useSymbols();
  const strategies = useStrategies();
  const [range, setRange] = useState<RangeValue>(null);
  const set = (patch: Partial<TradeFilterValues>) => onChange({ ...value, ...patch });

  return (
    <Flex gap={8} wrap align="center" data-testid="trade-filters">
      <Select
        size="small"
        style={{ width: 130 }}
        value={value.mode ?? currentMode}
        onChange={(mode: Mode) => set({ mode })}
        options={MODES.map((m) => ({ value: m, label: m === currentMode ? `${m} (current)` : m }))}
        data-testid="trades-filter-mode"
      />
      <Select
        size="small"
        allowClear
        showSearch
        placeholder="Symbol"
        style={{ width: 140 }}
        value={value.symbol}
        onChange={(symbol?: string) => set({ symbol })}
        options={(symbols.data ?? []).map((s) => ({ value: s.symbol, label: s.symbol }))}
        data-testid="trades-filter-symbol"
      />
      <Select
        size="small"
        allowClear
        placeholder="Side"
        style={{ width: 100 }}
        value={value.side}
        onChange={(side?: "long" | "short") => set({ side })}
        options={[
          { value: "long", label: "Long" },
          { value: "short", label: "Short" },
        ]}
        data-testid="trades-filter-side"
      />
      <Select
        size="small"
        allowClear
        placeholder="Strategy"
        style={{ width: 180 }}
        value={value.strategy}
        onChange={(strategy?: string) => set({ strategy })}
        options={(strategies.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
        notFoundContent={strategies.isError ? "Strategies unavailable" : "No strategies"}
        data-testid="trades-filter-strategy"
      />
      <Select
        size="small"
        allowClear
        placeholder="Result"
        style={{ width: 110 }}
        value={value.result}
        onChange={(result?: "win" | "loss") => set({ result })}
        options={[
          { value: "win", label: "Wins" },
          { value: "loss", label: "Losses" },
        ]}
        data-testid="trades-filter-result"
      />
      <DatePicker.RangePicker
        size="small"
        value={range}
        onChange={(dates) => {
          setRange(dates);
          const start = dates?.[0];
          const end = dates?.[1];
          set({ from: start ? start.startOf("day").valueOf() : undefined, to: end ? end.endOf("day").valueOf() : undefined });
        }}
        allowEmpty={[true, true]}
        data-testid="trades-filter-dates"
      />
    </Flex>
  );
}
