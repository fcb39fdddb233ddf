"use client";

import { Table, type TableColumnsType } from "antd";
import { formatInt, formatMoney, formatPlainPct, formatStat } from "../lib/format";
import type { MetricsDto } from "../lib/types";
import { Num, Pnl } from "../ui/num";
import { SampleWarning } from "../ui/sample-warning";
import { COLORS } from "../shell/colors";
import { fundingText } from "../positions/perp-format";
import { showFundingColumn } from "./funding";

export interface MetricsRow {
  key: string;
  name: React.ReactNode;
  metrics: MetricsDto;
}

export function MetricsTable({ rows, testId }: { rows: MetricsRow[]; testId: string }) {
  const columns: TableColumnsType<MetricsRow> = [
    { title: "", key: "name", render: (_, r) => r.name, fixed: "left" },
    { title: "Trades", key: "trades", align: "right", render: (_, r) => <Num>{formatInt(r.metrics.trades)}</Num> },
    { title: "Win rate", key: "winRate", align: "right", render: (_, r) => <><Num>{formatPlainPct(r.metrics.winRate, 1)}</Num><SampleWarning n={r.metrics.trades} what="trades" /></> },
    { title: "Profit factor", key: "pf", align: "right", render: (_, r) => <><Num>{formatStat(r.metrics.profitFactor)}</Num><SampleWarning n={r.metrics.trades} what="trades" /></> },
    { title: "Sharpe", key: "sharpe", align: "right", render: (_, r) => <><Num>{formatStat(r.metrics.sharpe)}</Num><SampleWarning n={r.metrics.trades} what="trades" /></> },
    { title: "Sortino", key: "sortino", align: "right", render: (_, r) => <><Num>{formatStat(r.metrics.sortino)}</Num><SampleWarning n={r.metrics.trades} what="trades" /></> },
    {
      title: "Max DD",
      key: "mdd",
      align: "right",
      render: (_, r) => (
        <Num title={formatMoney(r.metrics.maxDrawdown)}>{formatPlainPct(r.metrics.maxDrawdownPct)}</Num>
      ),
    },
    { title: "Expectancy", key: "exp", align: "right", render: (_, r) => <><Pnl value={r.metrics.expectancy} /><SampleWarning n={r.metrics.trades} what="trades" /></> },
    { title: "Avg win", key: "avgWin", align: "right", render: (_, r) => <Pnl value={r.metrics.avgWin} /> },
    { title: "Avg loss", key: "avgLoss", align: "right", render: (_, r) => <Pnl value={r.metrics.avgLoss === null ? null : -Math.abs(r.metrics.avgLoss)} /> },
    { title: "Total P&L", key: "total", align: "right", render: (_, r) => <Pnl value={r.metrics.totalPnl} /> },
    { title: "Fees", key: "fees", align: "right", render: (_, r) => <Num>{formatMoney(r.metrics.fees)}</Num> },
  ];
  // Futures (issue 15): net funding beside the fees, only when the server reports any.
  if (showFundingColumn(rows.map((r) => r.metrics))) {
    columns.push({
      title: "Funding",
      key: "funding",
      align: "right",
      render: (_, r) => {
        const f = r.metrics.fundingPaid;
        const color = f === undefined || f === 0 ? undefined : f > 0 ? COLORS.loss : COLORS.profit;
        return (
          <Num testId={`metrics-funding-${r.key}`} style={{ color }} title="Net funding of the perp positions (closed and open), from the account's ledger; already inside Total P&L for closed trades">
            {fundingText(f)}
          </Num>
        );
      },
    });
  }
  return (
    <div data-testid={testId}>
      <Table<MetricsRow> size="small" rowKey="key" columns={columns} dataSource={rows} pagination={false} scroll={{ x: "max-content" }} locale={{ emptyText: "No trades yet" }} />
    </div>
  );
}
