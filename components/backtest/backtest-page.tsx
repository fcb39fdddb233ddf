"use client";

import { Space, Typography } from "antd";
import { useEffect, useState } from "react";
import { QueryState } from "../ui/query-state";
import { Panel } from "../ui/panel";
import { BacktestCompare } from "./backtest-compare";
import { BacktestForm } from "./backtest-form";
import { BacktestResultView } from "./backtest-result";
import { BacktestRuns } from "./backtest-runs";
import { OptimiserPanel } from "./optimiser-panel";
import { useBacktest, useBacktests } from "./use-backtests";

/** /backtest: configure and launch, watch progress, read the result, compare two runs. */
export function BacktestPage() {
  const runs = useBacktests();
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [compare, setCompare] = useState<string[]>([]);
  const detail = useBacktest(selected);

  // Open the newest run when the page loads.
  const newest = runs.data?.items[0]?.id;
  useEffect(() => {
    if (!selected && newest) setSelected(newest);
  }, [selected, newest]);

  return (
    <Space orientation="vertical" size={12} style={{ width: "100%" }} data-testid="backtest-page">
      <Typography.Title level={4} style={{ margin: 0 }}>
        Backtest
      </Typography.Title>
      <Panel title="New backtest">
        <BacktestForm
          onStarted={(id) => {
            setSelected(id);
            setCompare([]);
          }}
        />
      </Panel>
      <Panel title="Optimiser">
        <OptimiserPanel />
      </Panel>
      <Panel title="Runs">
        <QueryState query={runs} what="Backtests">
          <BacktestRuns runs={runs.data?.items ?? []} selected={selected} onSelect={setSelected} compare={compare} onCompare={setCompare} />
        </QueryState>
      </Panel>
      {compare.length === 2 ? (
        <BacktestCompare ids={[compare[0], compare[1]]} />
      ) : (
        selected && (
          <QueryState query={detail} what="Backtest">
            {detail.data && <BacktestResultView detail={detail.data} />}
          </QueryState>
        )
      )}
    </Space>
  );
}
