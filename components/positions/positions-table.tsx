"use client";

import { App, Button, Table, Tooltip, Typography, type TableColumnsType } from "antd";
import type { HTMLAttributes } from "react";
import { errorMessage } from "../lib/api";
import { formatAgo, formatDateTime, formatMoney, formatPrice, formatQty } from "../lib/format";
import type { Mode, PositionDto } from "../lib/types";
import { useClosePosition, usePositions } from "../hooks/use-trading";
import { useMarketNow } from "../hooks/use-market-now";
import { Num, Pnl } from "../ui/num";
import { Clipped } from "../ui/clipped";
import { QueryState } from "../ui/query-state";
import { SideTag } from "./side-tag";
import { StrategyName } from "./strategy-name";

/** Open positions of a mode with live unrealized P&L (pushed by `position` events) and a close button. */
export function PositionsTable({ mode, compact = false }: { mode: Mode | undefined; compact?: boolean }) {
  const positions = usePositions(mode);
  const close = useClosePosition();
  const { modal, message } = App.useApp();
  const now = useMarketNow(5_000);

  const confirmClose = (p: PositionDto) => {
    modal.confirm({
      title: `Close ${p.symbol} ${p.side}?`,
      content: `Sends a reduce-only market order for ${formatQty(p.quantity)} ${p.symbol.split("/")[0] ?? ""} through the risk engine.`,
      okText: "Close position",
      okButtonProps: { danger: true, "data-testid": "confirm-close-position" },
      cancelButtonProps: { "data-testid": "cancel-close-position" },
      onOk: () =>
        close
          .mutateAsync(p.id)
          .then(() => void message.success(`Close order sent for ${p.symbol}`))
          .catch((err: unknown) => {
            void message.error(`Close refused: ${errorMessage(err)}`);
          }),
    });
  };

  const columns: TableColumnsType<PositionDto> = [
    { title: "Symbol", dataIndex: "symbol", key: "symbol", render: (v: string) => <strong>{v}</strong> },
    { title: "Side", dataIndex: "side", key: "side", render: (v: string) => <SideTag side={v} /> },
    { title: "Qty", dataIndex: "quantity", key: "quantity", align: "right", render: (v: number) => <Num>{formatQty(v)}</Num> },
    { title: "Entry", key: "entry", align: "right", render: (_, p) => <Num>{formatPrice(p.avgEntryPrice, p.avgEntryPrice)}</Num> },
    { title: "Price", key: "mark", align: "right", render: (_, p) => <Num testId="position-mark">{formatPrice(p.markPrice, p.avgEntryPrice)}</Num> },
    { title: "Unrealized", key: "upnl", align: "right", render: (_, p) => <Pnl value={p.unrealizedPnl} testId="position-upnl" /> },
    { title: "%", key: "upct", align: "right", render: (_, p) => <Pnl value={p.unrealizedPct} kind="pct" /> },
    { title: "Stop", key: "stop", align: "right", render: (_, p) => <Num>{formatPrice(p.stopLoss, p.avgEntryPrice)}</Num> },
    { title: "Target", key: "tp", align: "right", render: (_, p) => <Num>{formatPrice(p.takeProfit, p.avgEntryPrice)}</Num> },
  ];
  if (!compact) {
    columns.push(
      { title: "Trail", key: "trail", align: "right", render: (_, p) => <Num>{formatPrice(p.trailingStop, p.avgEntryPrice)}</Num> },
      { title: "Fees", key: "fees", align: "right", render: (_, p) => <Num>{formatMoney(p.fees)}</Num> },
      { title: "Strategy", key: "strategy", render: (_, p) => <StrategyName id={p.strategyInstanceId} /> },
      { title: "Why", key: "reason", render: (_, p) => <Clipped text={p.entryReason} maxWidth={280} /> },
    );
  }
  columns.push(
    {
      title: "Opened",
      key: "opened",
      render: (_, p) => (
        <Tooltip title={formatDateTime(p.openedAt)}>
          <Num>{now === null ? formatDateTime(p.openedAt) : formatAgo(p.openedAt, now)}</Num>
        </Tooltip>
      ),
    },
    {
      title: "",
      key: "actions",
      align: "right",
      fixed: "right",
      render: (_, p) => (
        <Button size="small" danger onClick={() => confirmClose(p)} data-testid={`position-close-${p.id}`} loading={close.isPending && close.variables === p.id}>
          Close
        </Button>
      ),
    },
  );

  return (
    <QueryState query={positions} what="Open positions" isEmpty={positions.data?.length === 0} empty={<Typography.Text type="secondary" data-testid="positions-empty">No open positions.</Typography.Text>}>
      <div data-testid="positions-table">
        <Table<PositionDto>
          size="small"
          rowKey="id"
          columns={columns}
          dataSource={positions.data}
          pagination={false}
          scroll={{ x: "max-content" }}
          onRow={(p) => ({ "data-testid": `position-row-${p.id}`, "data-symbol": p.symbol }) as HTMLAttributes<HTMLElement>}
        />
      </div>
    </QueryState>
  );
}
