"use client";

import { Col, Flex, Row, Tabs, Typography } from "antd";
import { useMemo, useState } from "react";
import { COLORS } from "../shell/colors";
import type { Mode } from "../lib/types";
import { useCurrentMode } from "../hooks/use-status";
import { useEquity, usePerformance } from "../hooks/use-trading";
import { useStrategies } from "../hooks/use-settings";
import { ModePicker } from "../ui/mode-picker";
import { Panel } from "../ui/panel";
import { QueryState } from "../ui/query-state";
import { BenchmarkPanel } from "../golive/benchmark-panel";
import { MetricsTable, type MetricsRow } from "./metrics-table";
import { PnlBars } from "./pnl-bars";
import { drawdownSeries, fillHours, realizedEquitySeries } from "./series-data";
import { monthlyPnl, weekdayPnl, weeklyPnl } from "./period-pnl";
import { TimeSeriesChart, type TimeSeriesSpec } from "./time-series-chart";

export function PerformancePage() {
  const current = useCurrentMode();
  const [picked, setPicked] = useState<Mode | null>(null);
  const mode = picked ?? current;
  const equity = useEquity(mode);
  const performance = usePerformance(mode);
  const strategies = useStrategies();

  const equitySeries = useMemo<TimeSeriesSpec[]>(() => {
    const points = equity.data ?? [];
    return [
      { key: "equity", title: "equity", kind: "area", color: COLORS.neutral, fill: "rgba(22,104,220,0.25)", points: points.map((p) => ({ time: p.timestamp, value: p.equity })) },
      { key: "realized", title: "realized only", kind: "line", color: COLORS.muted, dashed: true, points: realizedEquitySeries(points) },
    ];
  }, [equity.data]);

  const drawdown = useMemo<TimeSeriesSpec[]>(
    () => [{ key: "dd", title: "drawdown", kind: "area", color: COLORS.loss, fill: "rgba(220,68,70,0.3)", points: drawdownSeries(performance.data?.drawdown ?? []) }],
    [performance.data],
  );

  const p = performance.data;
  const strategyName = (id: string) => strategies.data?.find((s) => s.id === id)?.name ?? id;
  const overallRows: MetricsRow[] = p ? [{ key: "overall", name: <strong>Overall</strong>, metrics: p.overall }] : [];
  const strategyRows: MetricsRow[] = p ? Object.entries(p.byStrategy).map(([id, m]) => ({ key: id, name: strategyName(id), metrics: m })) : [];
  const symbolRows: MetricsRow[] = p ? Object.entries(p.bySymbol).map(([symbol, m]) => ({ key: symbol, name: symbol, metrics: m })) : [];

  return (
    <Flex vertical gap={12}>
      <Flex align="center" gap={12}>
        <Typography.Title level={5} style={{ margin: 0 }}>
          Performance
        </Typography.Title>
        <ModePicker value={mode} current={current} onChange={setPicked} />
      </Flex>
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={16}>
          <Panel title="Equity (including unrealized P&L)">
            <QueryState query={equity} what="Equity" isEmpty={equity.data?.length === 0} rows={8}>
              <TimeSeriesChart series={equitySeries} height={300} testId="equity-chart" />
            </QueryState>
          </Panel>
        </Col>
        <Col xs={24} xl={8}>
          <Panel title="Drawdown">
            <QueryState query={performance} what="Drawdown" isEmpty={(p?.drawdown.length ?? 0) === 0} rows={8}>
              <TimeSeriesChart series={drawdown} height={300} testId="drawdown-chart" suffix="%" />
            </QueryState>
          </Panel>
        </Col>
        <Col xs={24} xl={14}>
          <Panel title="P&L by period">
            <QueryState query={performance} what="Daily P&L" rows={5}>
              <Tabs
                size="small"
                items={[
                  { key: "day", label: "Day", children: <PnlBars testId="daily-pnl" bars={(p?.daily ?? []).map((d) => ({ key: d.day, label: d.day.slice(5), value: d.pnl }))} /> },
                  { key: "week", label: "Week", children: <PnlBars testId="weekly-pnl" bars={weeklyPnl(p?.daily ?? []).map((b) => ({ key: b.key, label: b.label, value: b.pnl }))} /> },
                  { key: "month", label: "Month", children: <PnlBars testId="monthly-pnl" bars={monthlyPnl(p?.daily ?? []).map((b) => ({ key: b.key, label: b.label, value: b.pnl }))} /> },
                  {
                    key: "weekday",
                    label: "Weekday",
                    children: <PnlBars testId="weekday-pnl" bars={weekdayPnl(p?.daily ?? []).map((b) => ({ key: b.key, label: b.label, value: b.trades > 0 || b.pnl !== 0 ? b.pnl : null }))} />,
                  },
                ]}
              />
            </QueryState>
          </Panel>
        </Col>
        <Col xs={24} xl={10}>
          <Panel title="P&L by hour of day">
            <QueryState query={performance} what="Hourly P&L" rows={5}>
              <PnlBars testId="hourly-pnl" bars={fillHours(p?.hourly ?? []).map((h) => ({ key: String(h.hour), label: String(h.hour).padStart(2, "0"), value: h.pnl }))} />
            </QueryState>
          </Panel>
        </Col>
        <Col span={24}>
          <BenchmarkPanel mode={mode} />
        </Col>
        <Col span={24}>
          <Panel title="Metrics">
            <QueryState query={performance} what="Metrics" rows={4}>
              <Tabs
                size="small"
                items={[
                  { key: "strategy", label: "Overall and by strategy", children: <MetricsTable testId="metrics-by-strategy" rows={[...overallRows, ...strategyRows]} /> },
                  { key: "symbol", label: "By symbol", children: <MetricsTable testId="metrics-by-symbol" rows={symbolRows} /> },
                ]}
              />
            </QueryState>
          </Panel>
        </Col>
      </Row>
    </Flex>
  );
}
