"use client";

import { Button, Flex, Grid, Table, Tag, Tooltip, Typography, type TableColumnsType } from "antd";
import type { HTMLAttributes } from "react";
import { formatAgo, formatDateTime, formatMoney, formatPrice, formatQty } from "../lib/format";
import type { ExitAlarmDto, Mode, PositionDto } from "../lib/types";
import { usePositions } from "../hooks/use-trading";
import { useExitAlarmsByPosition } from "../hooks/use-exit-alarms";
import { COLORS } from "../shell/colors";
import { ALARM_COLORS, attemptsLabel, exitAlarmWords } from "../shell/exit-alarm-format";
import { useConfirmClose } from "./use-confirm-close";
import { useMarketNow } from "../hooks/use-market-now";
import { Num, Pnl } from "../ui/num";
import { Clipped } from "../ui/clipped";
import { QueryState } from "../ui/query-state";
import { SideTag } from "./side-tag";
import { StrategyName } from "./strategy-name";
import { PartialCloseButton } from "./partial-close";
import { useRisk } from "../hooks/use-risk";
import { MarketTag, LiquidationCell, FundingCell, perpColumns } from "./perp-cells";
import { formatLeverage, isPerp, showPerpColumns } from "./perp-format";

/** A failed exit of this position: the code in words, the venue's reason on hover. */
function ExitAlarmTag({ alarm }: { alarm: ExitAlarmDto }) {
  return (
    <Tooltip title={`${alarm.code}: ${alarm.reason || "no reason given"} (${attemptsLabel(alarm.attempts)})`}>
      <Tag
        variant="solid"
        data-testid={`position-alarm-${alarm.positionId}`}
        data-code={alarm.code}
        aria-label={`${exitAlarmWords(alarm.code)}: ${alarm.reason}`}
        // White on deep red: 7.7:1 (the theme's error red gives only 4.2:1 with white).
        style={{
          marginInlineEnd: 0,
          fontWeight: 600,
          cursor: "help",
          background: ALARM_COLORS.background,
          color: ALARM_COLORS.text,
          borderColor: ALARM_COLORS.background,
        }}
      >
        {exitAlarmWords(alarm.code)}
      </Tag>
    </Tooltip>
  );
}

/** Open positions of a mode with live unrealized P&L (pushed by `position` events) and a close button. */
export function PositionsTable({ mode, compact = false }: { mode: Mode | undefined; compact?: boolean }) {
  const positions = usePositions(mode);
  const { confirmClose: confirm, pendingId } = useConfirmClose();
  const alarms = useExitAlarmsByPosition(mode);
  const now = useMarketNow(5_000);
  const screens = Grid.useBreakpoint();
  const phone = screens.sm === false;
  // Futures (issue 15): the market and perp columns appear only when some position is a perp.
  const perps = showPerpColumns(positions.data);
  const risk = useRisk(perps);
  const thresholds = { warnPct: risk.data?.limits.liquidationWarnPct, closePct: risk.data?.limits.liquidationClosePct };

  const confirmClose = (p: PositionDto) =>
    confirm({ positionId: p.id, symbol: p.symbol, side: p.side, quantity: p.quantity, closableQuantity: alarms.get(p.id)?.closableQuantity });

  const columns: TableColumnsType<PositionDto> = [
    {
      title: "Symbol",
      dataIndex: "symbol",
      key: "symbol",
      render: (v: string, p) => {
        const alarm = alarms.get(p.id);
        return (
          <span style={{ display: "inline-flex", alignItems: "center", gap: 6, flexWrap: "wrap" }}>
            <strong>{v}</strong>
            {alarm && <ExitAlarmTag alarm={alarm} />}
          </span>
        );
      },
    },
    ...(perps ? [{ title: "Market", key: "market", render: (_: unknown, p: PositionDto) => <MarketTag position={p} /> }] : []),
    { title: "Side", dataIndex: "side", key: "side", render: (v: string) => <SideTag side={v} /> },
    { title: "Qty", dataIndex: "quantity", key: "quantity", align: "right", render: (v: number) => <Num>{formatQty(v)}</Num> },
    { title: "Entry", key: "entry", align: "right", render: (_, p) => <Num>{formatPrice(p.avgEntryPrice, p.avgEntryPrice)}</Num> },
    { title: "Price", key: "mark", align: "right", render: (_, p) => <Num testId="position-mark">{formatPrice(p.markPrice, p.avgEntryPrice)}</Num> },
    { title: "Unrealized", key: "upnl", align: "right", render: (_, p) => <Pnl value={p.unrealizedPnl} testId="position-upnl" /> },
    { title: "%", key: "upct", align: "right", render: (_, p) => <Pnl value={p.unrealizedPct} kind="pct" /> },
    ...(perps ? perpColumns(thresholds) : []),
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
        <Flex gap={4} justify="flex-end" wrap={false}>
          <PartialCloseButton position={p} />
          <Button size="small" danger onClick={() => confirmClose(p)} data-testid={`position-close-${p.id}`} loading={pendingId === p.id}>
            Close
          </Button>
        </Flex>
      ),
    },
  );

  return (
    <QueryState query={positions} what="Open positions" isEmpty={positions.data?.length === 0} empty={<Typography.Text type="secondary" data-testid="positions-empty">No open positions.</Typography.Text>}>
      {phone ? (
        <div data-testid="positions-table" data-layout="cards" className="card-list">
          {positions.data?.map((p) => {
            const alarm = alarms.get(p.id);
            return (
              <div
                key={p.id}
                className="pos-card"
                data-testid={`position-row-${p.id}`}
                data-symbol={p.symbol}
                data-exit-alarm={alarm?.code}
                style={alarm ? { boxShadow: `inset 3px 0 0 ${COLORS.loss}` } : undefined}
              >
                <div className="pos-card-row">
                  <span style={{ display: "inline-flex", gap: 6, alignItems: "center", flexWrap: "wrap" }}>
                    <strong>{p.symbol}</strong>
                    {perps && <MarketTag position={p} />}
                    <SideTag side={p.side} />
                    {alarm && <ExitAlarmTag alarm={alarm} />}
                  </span>
                  <span style={{ textAlign: "right" }}>
                    <Pnl value={p.unrealizedPnl} testId="position-upnl" /> <Pnl value={p.unrealizedPct} kind="pct" />
                  </span>
                </div>
                <div className="pos-card-row">
                  <span>
                    <span className="pos-card-label">Qty </span>
                    <Num>{formatQty(p.quantity)}</Num>
                  </span>
                  <span>
                    <span className="pos-card-label">Entry </span>
                    <Num>{formatPrice(p.avgEntryPrice, p.avgEntryPrice)}</Num>
                  </span>
                  <span>
                    <span className="pos-card-label">Now </span>
                    <Num testId="position-mark">{formatPrice(p.markPrice, p.avgEntryPrice)}</Num>
                  </span>
                </div>
                {isPerp(p) && (
                  <div className="pos-card-row" data-testid={`position-perp-${p.id}`}>
                    <span>
                      <span className="pos-card-label">Lev </span>
                      <Num>{formatLeverage(p.leverage)}</Num>
                      <span className="pos-card-label"> Margin </span>
                      <Num>{formatMoney(p.marginUsed)}</Num>
                    </span>
                    <span>
                      <span className="pos-card-label">Liq </span>
                      <LiquidationCell position={p} thresholds={thresholds} />
                    </span>
                    <span>
                      <span className="pos-card-label">Funding </span>
                      <FundingCell position={p} />
                    </span>
                  </div>
                )}
                <div className="pos-card-row">
                  <span>
                    <span className="pos-card-label">Stop </span>
                    <Num>{formatPrice(p.stopLoss, p.avgEntryPrice)}</Num>
                    <span className="pos-card-label"> Target </span>
                    <Num>{formatPrice(p.takeProfit, p.avgEntryPrice)}</Num>
                  </span>
                  <Flex gap={4}>
                    <PartialCloseButton position={p} />
                    <Button size="small" danger onClick={() => confirmClose(p)} data-testid={`position-close-${p.id}`} loading={pendingId === p.id}>
                      Close
                    </Button>
                  </Flex>
                </div>
              </div>
            );
          })}
        </div>
      ) : (
      <div data-testid="positions-table" data-layout="table">
        <Table<PositionDto>
          size="small"
          rowKey="id"
          columns={columns}
          dataSource={positions.data}
          pagination={false}
          scroll={{ x: "max-content" }}
          onRow={(p) => {
            const alarm = alarms.get(p.id);
            return {
              "data-testid": `position-row-${p.id}`,
              "data-symbol": p.symbol,
              "data-exit-alarm": alarm?.code,
              style: alarm ? { boxShadow: `inset 3px 0 0 ${COLORS.loss}` } : undefined,
            } as HTMLAttributes<HTMLElement>;
          }}
        />
      </div>
      )}
    </QueryState>
  );
}
