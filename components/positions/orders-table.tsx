"use client";

import { App, Button, Descriptions, Segmented, Table, Tooltip, Typography, type TableColumnsType } from "antd";
import { useState, type HTMLAttributes } from "react";
import { formatDateTime, formatMoney, formatPrice, formatQty, isNum } from "../lib/format";
import { TERMINAL_ORDER_STATUSES, type Mode, type OrderDto } from "../lib/types";
import { useCancelOrder, useOrders } from "../hooks/use-trading";
import { FEATURE_MISSING, useFeatures } from "../hooks/use-features";
import { errorMessage } from "../lib/api";
import { Num } from "../ui/num";
import { Clipped } from "../ui/clipped";
import { Panel } from "../ui/panel";
import { QueryState } from "../ui/query-state";
import { FillsTable } from "./fills-table";
import { OrderStatusTag } from "./order-status-tag";
import { SideTag } from "./side-tag";
import { StrategyName } from "./strategy-name";

function OrderDetail({ order }: { order: OrderDto }) {
  const ref = order.avgFillPrice ?? order.price ?? undefined;
  return (
    <div style={{ padding: "4px 0" }}>
      <Descriptions size="small" column={3} style={{ marginBottom: 8 }}>
        <Descriptions.Item label="Reason" span={3}>
          {order.reason ?? "—"}
        </Descriptions.Item>
        {order.error && (
          <Descriptions.Item label="Error" span={3}>
            <Typography.Text type="danger">{order.error}</Typography.Text>
          </Descriptions.Item>
        )}
        <Descriptions.Item label="Client id">
          <Num>{order.clientOrderId}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Venue id">
          <Num>{order.venueOrderId ?? "—"}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Updated">
          <Num>{formatDateTime(order.updatedAt)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Stop price">
          <Num>{formatPrice(order.stopPrice, ref)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Reduce only">{order.reduceOnly ? "yes" : "no"}</Descriptions.Item>
        <Descriptions.Item label="Strategy">
          <StrategyName id={order.strategyInstanceId} />
        </Descriptions.Item>
      </Descriptions>
      <FillsTable fills={order.fills ?? []} reference={ref} />
    </div>
  );
}

/** Cancel one working order, confirmed; explains itself when the server cannot cancel yet. */
function CancelOrderButton({ order }: { order: OrderDto }) {
  const features = useFeatures();
  const cancel = useCancelOrder();
  const { modal, message } = App.useApp();
  if (TERMINAL_ORDER_STATUSES.includes(order.status)) return null;
  const supported = features.has("orders.cancel");
  return (
    <Tooltip title={supported ? undefined : FEATURE_MISSING}>
      <Button
        size="small"
        disabled={!supported}
        loading={cancel.isPending}
        data-testid={`order-cancel-${order.clientOrderId}`}
        onClick={(e) => {
          e.stopPropagation();
          modal.confirm({
            title: `Cancel ${order.side} ${order.type} ${order.symbol}?`,
            content: `${formatQty(order.quantity - order.filledQuantity)} still open of ${formatQty(order.quantity)}.`,
            okText: "Cancel order",
            okButtonProps: { danger: true, "data-testid": "confirm-cancel-order" } as never,
            cancelText: "Keep it",
            onOk: () =>
              cancel
                .mutateAsync(order.clientOrderId)
                .then(() => void message.success(`Order cancelled: ${order.symbol}`))
                .catch((err: unknown) => void message.error(`Cancel failed: ${errorMessage(err)}`)),
          });
        }}
      >
        Cancel
      </Button>
    </Tooltip>
  );
}

export function OrdersTable({ mode }: { mode: Mode | undefined }) {
  const [status, setStatus] = useState<"open" | "all">("all");
  const orders = useOrders(mode, status, 100);

  const columns: TableColumnsType<OrderDto> = [
    { title: "Created", key: "created", render: (_, o) => <Num>{formatDateTime(o.createdAt)}</Num> },
    { title: "Symbol", dataIndex: "symbol", key: "symbol" },
    { title: "Side", key: "side", render: (_, o) => <SideTag side={o.side} /> },
    { title: "Type", dataIndex: "type", key: "type" },
    { title: "Intent", key: "intent", render: (_, o) => `${o.intent}${o.reduceOnly ? " · reduce-only" : ""}` },
    { title: "Status", key: "status", render: (_, o) => <OrderStatusTag status={o.status} /> },
    { title: "Qty", key: "qty", align: "right", render: (_, o) => <Num>{formatQty(o.quantity)}</Num> },
    { title: "Filled", key: "filled", align: "right", render: (_, o) => <Num>{formatQty(o.filledQuantity)}</Num> },
    { title: "Limit", key: "price", align: "right", render: (_, o) => <Num>{formatPrice(o.price, o.avgFillPrice ?? o.price)}</Num> },
    {
      title: "Avg fill",
      key: "avg",
      align: "right",
      render: (_, o) => <Num>{isNum(o.avgFillPrice) && o.filledQuantity > 0 ? formatPrice(o.avgFillPrice) : "—"}</Num>,
    },
    { title: "Fee", key: "fee", align: "right", render: (_, o) => <Num>{formatMoney(o.fee)}</Num> },
    { title: "Fills", key: "fills", align: "right", render: (_, o) => <Num>{o.fills ? o.fills.length : "—"}</Num> },
    {
      title: "Reason",
      key: "reason",
      render: (_, o) => (o.error ? <Clipped text={`error: ${o.error}${o.reason ? ` (${o.reason})` : ""}`} danger /> : <Clipped text={o.reason} />),
    },
    { title: "", key: "actions", align: "right", fixed: "right", render: (_, o) => <CancelOrderButton order={o} /> },
  ];

  return (
    <Panel
      title="Orders"
      extra={
        <Segmented<"open" | "all">
          size="small"
          value={status}
          onChange={setStatus}
          options={[
            { value: "all", label: "Recent" },
            { value: "open", label: "Open" },
          ]}
        />
      }
    >
      <QueryState query={orders} what="Orders" isEmpty={orders.data?.length === 0}>
        <div data-testid="orders-table">
          <Table<OrderDto>
            size="small"
            rowKey="clientOrderId"
            columns={columns}
            dataSource={orders.data}
            pagination={{ pageSize: 20, size: "small", showSizeChanger: false }}
            scroll={{ x: "max-content" }}
            expandable={{ expandedRowRender: (o) => <OrderDetail order={o} /> }}
            onRow={(o) => ({ "data-testid": `order-row-${o.clientOrderId}` }) as HTMLAttributes<HTMLElement>}
          />
        </div>
      </QueryState>
    </Panel>
  );
}
