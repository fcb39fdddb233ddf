"use client";

import { Button, Popconfirm, Progress, Table, Tag, Tooltip, type TableColumnsType } from "antd";
import { formatDateTime, formatInt, formatPlainPct, formatStat } from "../lib/format";
import { Num, Pnl } from "../ui/num";
import { runLabel, type BacktestListItem, type BacktestStatus } from "./backtest-view";
import { useDeleteBacktest } from "./use-backtests";

const STATUS_COLOR: Record<BacktestStatus, string> = { queued: "default", running: "processing", completed: "success", failed: "error", cancelled: "warning" };

/** Stored runs, newest first: pick one to view, tick two to compare. */
export function BacktestRuns({
  runs,
  selected,
  onSelect,
  compare,
  onCompare,
}: {
  runs: BacktestListItem[];
  selected: string | undefined;
  onSelect: (id: string) => void;
  compare: string[];
  onCompare: (ids: string[]) => void;
}) {
  const remove = useDeleteBacktest();
  const columns: TableColumnsType<BacktestListItem> = [
    { title: "Started", key: "createdAt", render: (_, r) => formatDateTime(r.createdAt) },
    { title: "Strategy", key: "label", render: (_, r) => runLabel(r.config) },
    {
      title: "Status",
      key: "status",
      render: (_, r) =>
        r.status === "running" && r.progress ? (
          <Progress percent={Math.floor(r.progress.pct)} size="small" style={{ width: 120 }} />
        ) : (
          <Tooltip title={r.error ?? undefined}>
            <Tag color={STATUS_COLOR[r.status]}>{r.status}</Tag>
          </Tooltip>
        ),
    },
    { title: "Return", key: "ret", align: "right", render: (_, r) => <Pnl value={r.headline?.totalReturnPct} kind="pct" /> },
    { title: "Sharpe", key: "sharpe", align: "right", render: (_, r) => <Num>{formatStat(r.headline?.sharpe)}</Num> },
    { title: "Max DD", key: "dd", align: "right", render: (_, r) => <Num>{formatPlainPct(r.headline?.maxDrawdownPct)}</Num> },
    { title: "Trades", key: "trades", align: "right", render: (_, r) => <Num>{formatInt(r.headline?.trades)}</Num> },
    {
      title: "",
      key: "actions",
      render: (_, r) => (
        <Popconfirm title={r.status === "running" || r.status === "queued" ? "Cancel and delete this run?" : "Delete this run?"} onConfirm={() => remove.mutate(r.id)}>
          <Button size="small" type="text" danger onClick={(e) => e.stopPropagation()} data-testid={`backtest-delete-${r.id}`}>
            Delete
          </Button>
        </Popconfirm>
      ),
    },
  ];
  return (
    <Table<BacktestListItem>
      size="small"
      rowKey="id"
      columns={columns}
      dataSource={runs}
      pagination={{ pageSize: 10, size: "small", showSizeChanger: false }}
      scroll={{ x: "max-content" }}
      locale={{ emptyText: "No backtests yet: configure one above" }}
      onRow={(r) => ({ onClick: () => onSelect(r.id), style: { cursor: "pointer", background: r.id === selected ? "rgba(22,104,220,0.12)" : undefined } })}
      rowSelection={{
        selectedRowKeys: compare,
        // Two runs side by side: ticking a third replaces the older choice.
        onChange: (keys) => onCompare((keys as string[]).slice(-2)),
        getCheckboxProps: (r) => ({ disabled: r.status !== "completed" }),
        columnTitle: <Tooltip title="Tick two completed runs to compare them">Compare</Tooltip>,
      }}
      data-testid="backtest-runs"
    />
  );
}
