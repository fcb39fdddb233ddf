"use client";

import { Alert, Button, Col, Descriptions, Dropdown, Progress, Row, Select, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from "antd";
import { useMemo, useState } from "react";
import { CandleChart } from "../charts/candle-chart";
import type { IndicatorToggles } from "../charts/chart-types";
import { formatDateTime, formatDuration, formatInt, formatPrice, formatQty } from "../lib/format";
import type { Timeframe } from "../lib/types";
import { TimeSeriesChart } from "../performance/time-series-chart";
import { COLORS } from "../shell/colors";
import { Num, Pnl, pnlColor } from "../ui/num";
import { Panel } from "../ui/panel";
import { chartBars, drawdownPoints, equityPoints, metricLines, runLabel, tradeMarkersOf, type BacktestDetail, type BacktestResult } from "./backtest-view";
import { exportUrl } from "./use-backtests";

const CHART_INDICATORS: IndicatorToggles = { volume: true, sma: false, ema: false, bollinger: false, rsi: false, macd: false };

type Trade = BacktestResult["trades"][number];

function TradesTable({ result }: { result: BacktestResult }) {
  const ref = result.trades[0]?.entryPrice;
  const columns: TableColumnsType<Trade> = [
    { title: "Opened", key: "openedAt", render: (_, t) => formatDateTime(t.openedAt), sorter: (a, b) => a.openedAt - b.openedAt },
    { title: "Closed", key: "closedAt", render: (_, t) => formatDateTime(t.closedAt), sorter: (a, b) => a.closedAt - b.closedAt, defaultSortOrder: "descend" },
    { title: "Symbol", dataIndex: "symbol", key: "symbol" },
    { title: "Side", key: "side", render: (_, t) => <Tag color={t.side === "long" ? "blue" : "orange"}>{t.side}</Tag> },
    { title: "Qty", key: "qty", align: "right", render: (_, t) => <Num>{formatQty(t.quantity)}</Num> },
    { title: "Entry", key: "entry", align: "right", render: (_, t) => <Num>{formatPrice(t.entryPrice, ref)}</Num> },
    { title: "Exit", key: "exit", align: "right", render: (_, t) => <Num>{formatPrice(t.exitPrice, ref)}</Num> },
    { title: "P&L", key: "pnl", align: "right", render: (_, t) => <Pnl value={t.pnl} />, sorter: (a, b) => a.pnl - b.pnl },
    { title: "P&L %", key: "pnlPct", align: "right", render: (_, t) => <Pnl value={t.pnlPct} kind="pct" /> },
    { title: "Held", key: "held", align: "right", render: (_, t) => <Num>{formatDuration(t.closedAt - t.openedAt)}</Num> },
    { title: "Exit reason", key: "exitReason", render: (_, t) => <Typography.Text title={t.exitReasonText}>{t.exitReason.replace(/_/g, " ")}</Typography.Text> },
  ];
  return (
    <Table<Trade>
      size="small"
      rowKey="id"
      columns={columns}
      dataSource={result.trades}
      pagination={{ pageSize: 20, size: "small", showSizeChanger: false }}
      scroll={{ x: "max-content" }}
      locale={{ emptyText: "No closed trades" }}
      data-testid="backtest-trades"
    />
  );
}

/** Metrics whose sign is a gain or a loss: coloured like P&L. */
const SIGNED = new Set(["net", "return", "cagr", "expectancy"]);

export function MetricsList({ result }: { result: BacktestResult }) {
  const lines = metricLines(result);
  return (
    <Descriptions
      size="small"
      column={{ xs: 1, sm: 2, md: 3 }}
      bordered
      data-testid="backtest-metrics"
      items={lines.map((l) => ({
        key: l.key,
        label: l.label,
        children: (
          <>
            <Num data-metric={l.key} style={{ color: SIGNED.has(l.key) ? pnlColor(l.value) : undefined }}>
              {l.text}
            </Num>
            {l.note && (
              <Tooltip title={l.note}>
                <span data-testid="sample-warning" style={{ color: COLORS.warning, fontSize: 11, marginInlineStart: 4, cursor: "help" }} aria-label={l.note}>
                  ⚠
                </span>
              </Tooltip>
            )}
          </>
        ),
      }))}
    />
  );
}

/** One run: progress while it runs, then metrics, equity and drawdown, trades on the candles and the trade list. */
export function BacktestResultView({ detail }: { detail: BacktestDetail }) {
  const result = detail.result;
  const symbols = useMemo(() => (result ? Object.keys(result.chart) : []), [result]);
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const symbol = chosen && symbols.includes(chosen) ? chosen : symbols[0];
  const bars = useMemo(() => (result && symbol ? chartBars(result, symbol) : []), [result, symbol]);
  const markers = useMemo(() => (result && symbol ? tradeMarkersOf(result, symbol) : []), [result, symbol]);
  const equity = useMemo(() => (result ? [{ key: "equity", title: "Equity", kind: "area" as const, color: COLORS.neutral, fill: "rgba(22,104,220,0.25)", points: equityPoints(result) }] : []), [result]);
  const drawdown = useMemo(() => (result ? [{ key: "dd", title: "Drawdown", kind: "area" as const, color: COLORS.loss, fill: "rgba(220,68,70,0.25)", points: drawdownPoints(result) }] : []), [result]);
  const label = runLabel(detail.config as never);

  if (detail.status === "queued" || detail.status === "running") {
    const pct = detail.progress ? Math.floor(detail.progress.pct) : 0;
    return (
      <Panel title={`Running: ${label}`} testId="backtest-running">
        <Progress percent={pct} status="active" data-testid="backtest-progress" />
        <Typography.Text type="secondary">
          {detail.status === "queued" ? "Queued: backtests run one at a time." : detail.progress ? `${formatInt(detail.progress.processed)} of ${formatInt(detail.progress.total)} candles, simulated time ${formatDateTime(detail.progress.at)}` : "Loading candles…"}
        </Typography.Text>
      </Panel>
    );
  }
  if (detail.status !== "completed" || !result) {
    return <Alert type="error" showIcon title={`Backtest ${detail.status}: ${label}`} description={detail.error ?? "no result"} data-testid="backtest-failed" />;
  }

  const chartTimeframe = (symbol ? result.chart[symbol]?.timeframe : undefined) as Timeframe | undefined;
  const breakers = result.notes.filter((n) => n.kind === "risk:breaker");
  return (
    <Space orientation="vertical" size={12} style={{ width: "100%" }} data-testid="backtest-result">
      <Panel
        title={`${result.strategies.map((s) => `${s.name} · ${s.symbols.join(", ")}`).join(" + ")}`}
        extra={
          <Dropdown
            menu={{
              items: [
                { key: "json", label: <a href={exportUrl(detail.id, "json")}>Everything (JSON)</a> },
                { key: "csv", label: <a href={exportUrl(detail.id, "csv", "trades")}>Trades (CSV)</a> },
                { key: "equity", label: <a href={exportUrl(detail.id, "csv", "equity")}>Equity curve (CSV)</a> },
              ],
            }}
          >
            <Button size="small" data-testid="backtest-export">
              Export
            </Button>
          </Dropdown>
        }
      >
        <Typography.Paragraph type="secondary" style={{ marginBottom: 8, fontSize: 12 }}>
          {formatDateTime(result.range.from)} → {formatDateTime(result.range.to)} · {formatInt(result.range.candles)} candles, fills on {result.range.baseTimeframe} · params {JSON.stringify(result.strategies[0]?.params)} · ran in{" "}
          {formatDuration(result.timing.durationMs)}
          {detail.result?.execution ? ` (${detail.result.execution})` : ""}
        </Typography.Paragraph>
        {breakers.length > 0 && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 8 }}
            title="Circuit breakers tripped during the run (as they would live; nobody resets them in a backtest)"
            description={breakers.map((b) => `${formatDateTime(b.at)} ${b.message}`).join(" · ")}
            data-testid="backtest-breakers"
          />
        )}
        <MetricsList result={result} />
      </Panel>
      <Row gutter={12}>
        <Col xs={24} lg={12}>
          <Panel title="Equity">
            <TimeSeriesChart series={equity} height={220} testId="backtest-equity" />
          </Panel>
        </Col>
        <Col xs={24} lg={12}>
          <Panel title="Drawdown">
            <TimeSeriesChart series={drawdown} height={220} testId="backtest-drawdown" suffix="%" />
          </Panel>
        </Col>
      </Row>
      {symbol && chartTimeframe && (
        <Panel
          title={`Trades on ${symbol} (${chartTimeframe})`}
          extra={symbols.length > 1 ? <Select size="small" value={symbol} onChange={setChosen} options={symbols.map((s) => ({ value: s, label: s }))} /> : undefined}
        >
          <CandleChart symbol={symbol} timeframe={chartTimeframe} candles={bars} indicators={CHART_INDICATORS} markers={markers} height={380} testId="backtest-candles" />
        </Panel>
      )}
      <Panel title={`Trades (${formatInt(result.trades.length)})`}>
        <TradesTable result={result} />
      </Panel>
    </Space>
  );
}
