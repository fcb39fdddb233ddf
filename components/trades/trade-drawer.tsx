"use client";

import { CheckCircleTwoTone } from "@ant-design/icons";
import { Descriptions, Drawer, Flex, Table, Typography } from "antd";
import { COLORS } from "../shell/colors";
import { formatDateTime, formatDuration, formatMoney, formatPrice, formatQty } from "../lib/format";
import type { OrderDto, RiskCheckDto } from "../lib/types";
import { useTradeDetail } from "../hooks/use-trading";
import { Num, Pnl } from "../ui/num";
import { QueryState } from "../ui/query-state";
import { FillsTable } from "../positions/fills-table";
import { OrderStatusTag } from "../positions/order-status-tag";
import { SideTag } from "../positions/side-tag";
import { StrategyName } from "../positions/strategy-name";
import { SignalActionTag } from "../signals/signal-tags";
import { ExitReasonTag } from "./exit-reason-tag";

function OrderBlock({ order, reference }: { order: OrderDto; reference: number }) {
  return (
    <div style={{ marginBottom: 12 }}>
      <Flex gap={8} align="center" wrap style={{ marginBottom: 4 }}>
        <strong>{order.intent === "entry" ? "Entry order" : "Exit order"}</strong>
        <SideTag side={order.side} />
        <span>{order.type}</span>
        <OrderStatusTag status={order.status} />
        <Num>
          {formatQty(order.filledQuantity)} / {formatQty(order.quantity)} @ {formatPrice(order.avgFillPrice, reference)}
        </Num>
        <span style={{ color: COLORS.muted }}>
          fee <Num>{formatMoney(order.fee)}</Num>
        </span>
      </Flex>
      {order.reason && <Typography.Paragraph type="secondary" style={{ marginBottom: 4 }}>{order.reason}</Typography.Paragraph>}
      {order.error && <Typography.Paragraph type="danger" style={{ marginBottom: 4 }}>{order.error}</Typography.Paragraph>}
      <FillsTable fills={order.fills ?? []} reference={reference} />
    </div>
  );
}

export function TradeDrawer({ tradeId, onClose }: { tradeId: string | null; onClose: () => void }) {
  const detail = useTradeDetail(tradeId);
  const d = detail.data;
  const t = d?.trade;
  return (
    <Drawer open={!!tradeId} onClose={onClose} size={640} title={t ? `${t.symbol} ${t.side} · ${formatDateTime(t.closedAt)}` : "Trade"} destroyOnHidden>
      <div data-testid="trade-drawer">
        <QueryState query={detail} what="Trade" rows={10}>
          {d && t && (
            <Flex vertical gap={16}>
              <Descriptions size="small" column={2} bordered>
                <Descriptions.Item label="Side">
                  <SideTag side={t.side} />
                </Descriptions.Item>
                <Descriptions.Item label="Mode">{t.mode}</Descriptions.Item>
                <Descriptions.Item label="Quantity">
                  <Num>{formatQty(t.quantity)}</Num>
                </Descriptions.Item>
                <Descriptions.Item label="Held">
                  <Num>{formatDuration(t.closedAt - t.openedAt)}</Num>
                </Descriptions.Item>
                <Descriptions.Item label="Entry">
                  <Num>{formatPrice(t.entryPrice, t.entryPrice)}</Num>
                </Descriptions.Item>
                <Descriptions.Item label="Exit">
                  <Num>{formatPrice(t.exitPrice, t.entryPrice)}</Num>
                </Descriptions.Item>
                <Descriptions.Item label="P&L (net)">
                  <Pnl value={t.pnl} testId="trade-detail-pnl" />
                </Descriptions.Item>
                <Descriptions.Item label="P&L %">
                  <Pnl value={t.pnlPct} kind="pct" />
                </Descriptions.Item>
                <Descriptions.Item label="Fees">
                  <Num>{formatMoney(t.fees)}</Num>
                </Descriptions.Item>
                <Descriptions.Item label="Exit">
                  <ExitReasonTag reason={t.exitReason} />
                </Descriptions.Item>
                <Descriptions.Item label="Opened">
                  <Num>{formatDateTime(t.openedAt)}</Num>
                </Descriptions.Item>
                <Descriptions.Item label="Closed">
                  <Num>{formatDateTime(t.closedAt)}</Num>
                </Descriptions.Item>
                <Descriptions.Item label="Strategy" span={2}>
                  <StrategyName id={t.strategyInstanceId} />
                </Descriptions.Item>
                <Descriptions.Item label="Why it entered" span={2}>
                  {t.entryReason ?? "—"}
                </Descriptions.Item>
                <Descriptions.Item label="Why it exited" span={2}>
                  {t.exitReasonText ?? "—"}
                </Descriptions.Item>
              </Descriptions>

              <section>
                <Typography.Title level={5}>Signal</Typography.Title>
                {d.signal ? (
                  <Flex vertical gap={6} data-testid="trade-signal">
                    <Flex gap={8} align="center" wrap>
                      <SignalActionTag action={d.signal.action} />
                      <Num>{formatDateTime(d.signal.timestamp)}</Num>
                      <span>{d.signal.timeframe}</span>
                      <Num>@ {formatPrice(d.signal.price, t.entryPrice)}</Num>
                    </Flex>
                    <Typography.Text>{d.signal.reason}</Typography.Text>
                    {d.signal.data && Object.keys(d.signal.data).length > 0 && (
                      <Descriptions size="small" column={3}>
                        {Object.entries(d.signal.data).map(([k, v]) => (
                          <Descriptions.Item key={k} label={k}>
                            <Num>{typeof v === "number" ? formatQty(v) : String(v)}</Num>
                          </Descriptions.Item>
                        ))}
                      </Descriptions>
                    )}
                  </Flex>
                ) : (
                  <Typography.Text type="secondary">No signal recorded (a manual or protective order).</Typography.Text>
                )}
              </section>

              <section>
                <Typography.Title level={5}>Risk checks passed</Typography.Title>
                <div data-testid="trade-risk-checks">
                  <Table<RiskCheckDto>
                    size="small"
                    rowKey={(r) => `${r.code}-${r.message}`}
                    pagination={false}
                    dataSource={d.riskChecks}
                    locale={{ emptyText: "No risk checks recorded" }}
                    columns={[
                      { title: "", key: "ok", width: 28, render: () => <CheckCircleTwoTone twoToneColor={COLORS.profit} /> },
                      { title: "Check", dataIndex: "code", key: "code", render: (v: string) => <Num>{v}</Num> },
                      { title: "Result", dataIndex: "message", key: "message" },
                    ]}
                  />
                </div>
              </section>

              <section>
                <Typography.Title level={5}>Orders and fills</Typography.Title>
                {d.orders.length === 0 ? (
                  <Typography.Text type="secondary">No orders recorded.</Typography.Text>
                ) : (
                  d.orders.map((o) => <OrderBlock key={o.clientOrderId} order={o} reference={t.entryPrice} />)
                )}
              </section>
            </Flex>
          )}
        </QueryState>
      </div>
    </Drawer>
  );
}
