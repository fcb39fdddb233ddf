"use client";

import { PlusOutlined } from "@ant-design/icons";
import { App, Button, Flex, Popconfirm, Space, Table, Tag, Tooltip, type TableColumnsType } from "antd";
import { useState, type HTMLAttributes } from "react";
import { errorMessage } from "../lib/api";
import { formatDateTime, formatInt, formatMoney, formatPlainPct } from "../lib/format";
import type { StrategyInstanceDto } from "../lib/types";
import { useDeleteStrategy, usePauseStrategy, useStrategies, useStrategyKinds } from "../hooks/use-settings";
import { Num, Pnl } from "../ui/num";
import { QueryError, QueryState } from "../ui/query-state";
import { StrategyFormModal } from "./strategy-form";

function paramSummary(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(", ");
}

export function StrategiesPanel() {
  const strategies = useStrategies();
  const kinds = useStrategyKinds();
  const pause = usePauseStrategy();
  const remove = useDeleteStrategy();
  const { message } = App.useApp();
  const [editing, setEditing] = useState<StrategyInstanceDto | null>(null);
  const [open, setOpen] = useState(false);

  const onError = (what: string) => (err: unknown) => void message.error(`${what}: ${errorMessage(err)}`);
  const kindName = (kind: string) => kinds.data?.find((k) => k.kind === kind)?.title ?? kind;

  const columns: TableColumnsType<StrategyInstanceDto> = [
    {
      title: "Name",
      dataIndex: "name",
      key: "name",
      render: (v: string, s) => (
        <Tooltip title={`created ${formatDateTime(s.createdAt)} · ${s.id}`}>
          <strong>{v}</strong>
        </Tooltip>
      ),
    },
    { title: "Kind", key: "kind", render: (_, s) => kindName(s.kind) },
    { title: "Symbols", key: "symbols", render: (_, s) => s.symbols.join(", ") },
    { title: "TF", dataIndex: "timeframe", key: "tf" },
    { title: "Capital", key: "capital", align: "right", render: (_, s) => <Num>{s.capital === null ? "shared" : formatMoney(s.capital)}</Num> },
    {
      title: "Loss limits",
      key: "lossLimits",
      align: "right",
      render: (_, s) =>
        s.maxLossQuote == null && s.dailyLossQuote == null ? (
          "—"
        ) : (
          <Tooltip title="The instance's own limits, on top of the account's: its entries are refused once it has lost this much (in total / today)">
            <Num>{[s.maxLossQuote != null ? `max ${formatMoney(s.maxLossQuote)}` : null, s.dailyLossQuote != null ? `day ${formatMoney(s.dailyLossQuote)}` : null].filter(Boolean).join(" · ")}</Num>
          </Tooltip>
        ),
    },
    {
      title: "Params",
      key: "params",
      render: (_, s) => (
        <Tooltip title={paramSummary(s.params)}>
          <span className="num" style={{ fontSize: 12, display: "inline-block", maxWidth: 280, overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap", verticalAlign: "bottom" }}>
            {paramSummary(s.params) || "—"}
          </span>
        </Tooltip>
      ),
    },
    { title: "Status", key: "status", render: (_, s) => <Tag color={s.status === "active" ? "success" : "default"}>{s.status}</Tag> },
    { title: "Trades", key: "trades", align: "right", render: (_, s) => <Num>{formatInt(s.stats?.trades)}</Num> },
    { title: "P&L", key: "pnl", align: "right", render: (_, s) => <Pnl value={s.stats?.pnl} /> },
    { title: "Win rate", key: "wr", align: "right", render: (_, s) => <Num>{formatPlainPct(s.stats?.winRate, 1)}</Num> },
    {
      title: "",
      key: "actions",
      align: "right",
      fixed: "right",
      render: (_, s) => (
        <Space size={4}>
          <Button size="small" onClick={() => { setEditing(s); setOpen(true); }} data-testid={`strategy-edit-${s.id}`}>
            Edit
          </Button>
          <Button
            size="small"
            loading={pause.isPending && pause.variables?.id === s.id}
            onClick={() => pause.mutate({ id: s.id, pause: s.status === "active" }, { onError: onError(s.status === "active" ? "Pause failed" : "Resume failed") })}
            data-testid={`strategy-${s.status === "active" ? "pause" : "resume"}-${s.id}`}
          >
            {s.status === "active" ? "Pause" : "Resume"}
          </Button>
          <Popconfirm
            title={`Delete ${s.name}?`}
            description="Its trade history stays; the instance stops and is removed."
            okText="Delete"
            okButtonProps={{ danger: true, "data-testid": "strategy-delete-confirm" }}
            onConfirm={() => remove.mutateAsync(s.id).catch(onError("Delete failed"))}
          >
            <Button size="small" danger data-testid={`strategy-delete-${s.id}`}>
              Delete
            </Button>
          </Popconfirm>
        </Space>
      ),
    },
  ];

  return (
    <Flex vertical gap={12}>
      <Flex justify="space-between" align="center">
        <span />
        <Button
          type="primary"
          size="small"
          icon={<PlusOutlined />}
          disabled={!kinds.data || kinds.data.length === 0}
          onClick={() => { setEditing(null); setOpen(true); }}
          data-testid="strategy-create"
        >
          New instance
        </Button>
      </Flex>
      {kinds.isError && !kinds.data && <QueryError error={kinds.error} what="Strategy kinds" />}
      <QueryState query={strategies} what="Strategy instances" isEmpty={strategies.data?.length === 0}>
        <div data-testid="strategies-table">
          <Table<StrategyInstanceDto>
            size="small"
            rowKey="id"
            columns={columns}
            dataSource={strategies.data}
            pagination={false}
            scroll={{ x: "max-content" }}
            onRow={(s) => ({ "data-testid": `strategy-row-${s.id}` }) as HTMLAttributes<HTMLElement>}
          />
        </div>
      </QueryState>
      <StrategyFormModal open={open} kinds={kinds.data ?? []} editing={editing} onClose={() => setOpen(false)} />
    </Flex>
  );
}
