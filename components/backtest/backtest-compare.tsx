"use client";

import { Alert, Skeleton, Table, Typography, type TableColumnsType } from "antd";
import { useMemo } from "react";
import { TimeSeriesChart } from "../performance/time-series-chart";
import { COLORS } from "../shell/colors";
import { Num } from "../ui/num";
import { Panel } from "../ui/panel";
import { compareLines, equityReturnPoints, runLabel, type BacktestDetail } from "./backtest-view";
import { useBacktest } from "./use-backtests";

const A_COLOR = COLORS.neutral;
const B_COLOR = COLORS.warning;

/** Two completed runs side by side: every metric (the better one in bold) and both equity curves as % returns. */
export function BacktestCompare({ ids }: { ids: [string, string] }) {
  const a = useBacktest(ids[0]);
  const b = useBacktest(ids[1]);
  if (a.isPending || b.isPending) return <Skeleton active />;
  if (a.isError || b.isError) return <Alert type="error" showIcon title="Could not load the runs to compare" />;
  return <Comparison a={a.data} b={b.data} />;
}

function Comparison({ a, b }: { a: BacktestDetail; b: BacktestDetail }) {
  const rows = useMemo(() => (a.result && b.result ? compareLines(a.result, b.result) : []), [a.result, b.result]);
  const series = useMemo(
    () =>
      a.result && b.result
        ? [
            { key: "a", title: "A", kind: "line" as const, color: A_COLOR, points: equityReturnPoints(a.result) },
            { key: "b", title: "B", kind: "line" as const, color: B_COLOR, points: equityReturnPoints(b.result) },
          ]
        : [],
    [a.result, b.result],
  );
  if (!a.result || !b.result) return <Alert type="info" showIcon title="Both runs must be completed to compare them" />;
  const labelA = `A: ${runLabel(a.config as never)} ${JSON.stringify(a.result.strategies[0]?.params ?? {})}`;
  const labelB = `B: ${runLabel(b.config as never)} ${JSON.stringify(b.result.strategies[0]?.params ?? {})}`;
  type Row = (typeof rows)[number];
  const cell = (row: Row, side: "a" | "b") => <Num style={{ fontWeight: row.winner === side ? 700 : undefined }}>{row[side].text}</Num>;
  const columns: TableColumnsType<Row> = [
    { title: "Metric", dataIndex: "label", key: "label" },
    { title: <span style={{ color: A_COLOR }}>A</span>, key: "a", align: "right", render: (_, r) => cell(r, "a") },
    { title: <span style={{ color: B_COLOR }}>B</span>, key: "b", align: "right", render: (_, r) => cell(r, "b") },
  ];
  return (
    <Panel title="Comparison" testId="backtest-compare">
      <Typography.Paragraph style={{ fontSize: 12, marginBottom: 8 }}>
        <span style={{ color: A_COLOR }}>{labelA}</span>
        <br />
        <span style={{ color: B_COLOR }}>{labelB}</span>
      </Typography.Paragraph>
      <TimeSeriesChart series={series} height={220} testId="backtest-compare-equity" suffix="%" />
      <Table<Row> size="small" rowKey="key" columns={columns} dataSource={rows} pagination={false} style={{ marginTop: 12 }} />
    </Panel>
  );
}
