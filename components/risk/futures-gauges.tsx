"use client";

import { Col, Flex, Progress, Row, Table, Tooltip, Typography, type TableColumnsType } from "antd";
import { formatMoney, formatPlainPct, formatPrice, formatRatio } from "../lib/format";
import type { Mode, PositionDto } from "../lib/types";
import { usePositions } from "../hooks/use-trading";
import { COLORS } from "../shell/colors";
import { Num } from "../ui/num";
import { QueryState } from "../ui/query-state";
import { FundingCell, LIQUIDATION_COLOR, LiquidationCell } from "../positions/perp-cells";
import { formatLeverage, isPerp, liquidationLevel } from "../positions/perp-format";
import { SideTag } from "../positions/side-tag";
import { ACCOUNT_LIQUIDATION_FORMULA, MARGIN_UTILISATION_FORMULA, gaugePercent, type FuturesRiskView } from "./futures-risk";
import type { UsageLevel } from "./risk-format";

const MARGIN_COLOR: Record<UsageLevel, string> = {
  ok: COLORS.profit,
  warn: COLORS.warning,
  danger: COLORS.loss,
  full: "#4096ff",
  tripped: COLORS.loss,
  unknown: COLORS.muted,
};

function Gauge({ testId, title, formula, percent, text, color, caption, level }: { testId: string; title: string; formula: string; percent: number; text: string; color: string; caption: React.ReactNode; level: string }) {
  return (
    <Flex vertical align="center" gap={4} data-testid={testId} data-level={level}>
      <Tooltip title={formula}>
        <Typography.Text strong style={{ cursor: "help", borderBottom: `1px dotted ${COLORS.muted}` }}>
          {title}
        </Typography.Text>
      </Tooltip>
      <Tooltip title={formula}>
        <span>
          <Progress type="dashboard" percent={percent} size={132} strokeColor={color} railColor="rgba(255,255,255,0.08)" format={() => <span className="num" style={{ color, fontSize: 20 }} data-testid={`${testId}-value`}>{text}</span>} />
        </span>
      </Tooltip>
      <Typography.Text type="secondary" className="num" style={{ fontSize: 12, textAlign: "center" }}>
        {caption}
      </Typography.Text>
    </Flex>
  );
}

/** Margin utilisation and liquidation risk of a futures account, with the formulas on hover. */
export function FuturesGauges({ view }: { view: FuturesRiskView }) {
  const { margin, liquidation, balances } = view;
  const liqColor = LIQUIDATION_COLOR[liquidation.level] ?? COLORS.profit;
  return (
    <Flex vertical gap={8} data-testid="risk-futures">
      <Row gutter={[12, 12]}>
        <Col xs={24} sm={12}>
          <Gauge
            testId="risk-gauge-margin"
            title="Margin utilisation"
            formula={MARGIN_UTILISATION_FORMULA}
            percent={gaugePercent(margin.usedPct)}
            text={formatPlainPct(margin.usedPct, 1)}
            color={MARGIN_COLOR[margin.level]}
            level={margin.level}
            caption={margin.limitPct === null ? "no limit set" : `limit ${formatPlainPct(margin.limitPct, 1)} · ${formatRatio(margin.ratio)} of it used`}
          />
        </Col>
        <Col xs={24} sm={12}>
          <Gauge
            testId="risk-gauge-liquidation"
            title="Liquidation risk"
            formula={ACCOUNT_LIQUIDATION_FORMULA}
            percent={gaugePercent(liquidation.riskPct)}
            text={formatPlainPct(liquidation.riskPct, 1)}
            color={liqColor}
            level={liquidation.level}
            caption={`warn at ${formatPlainPct(liquidation.warnPct, 0)} · close at ${formatPlainPct(liquidation.closePct, 0)}`}
          />
        </Col>
      </Row>
      {balances && (
        <Flex gap={16} wrap justify="center" data-testid="risk-futures-balances">
          <Typography.Text type="secondary">
            Wallet <Num>{formatMoney(balances.walletBalance)}</Num>
          </Typography.Text>
          <Typography.Text type="secondary">
            Margin balance <Num>{formatMoney(balances.marginBalance)}</Num>
          </Typography.Text>
          <Typography.Text type="secondary">
            Margin used <Num>{formatMoney(balances.marginUsed)}</Num>
          </Typography.Text>
        </Flex>
      )}
    </Flex>
  );
}

/** Leverage, margin and liquidation distance of each perp position of the mode. */
export function PerpPositionRisk({ mode, thresholds }: { mode: Mode | undefined; thresholds: { warnPct: number | null; closePct: number | null } }) {
  const positions = usePositions(mode);
  const perps = (positions.data ?? []).filter(isPerp);
  const t = { warnPct: thresholds.warnPct ?? undefined, closePct: thresholds.closePct ?? undefined };
  const columns: TableColumnsType<PositionDto> = [
    { title: "Symbol", key: "symbol", render: (_, p) => <strong>{p.symbol}</strong> },
    { title: "Side", key: "side", render: (_, p) => <SideTag side={p.side} /> },
    { title: "Lev.", key: "leverage", align: "right", render: (_, p) => <Num>{formatLeverage(p.leverage)}</Num> },
    { title: "Margin", key: "margin", align: "right", render: (_, p) => <Num>{formatMoney(p.marginUsed)}</Num> },
    { title: "Mark", key: "mark", align: "right", render: (_, p) => <Num>{formatPrice(p.markPrice, p.avgEntryPrice)}</Num> },
    { title: "Liq. price (dist.)", key: "liq", align: "right", render: (_, p) => <LiquidationCell position={p} thresholds={t} /> },
    {
      title: "Liq. risk",
      key: "risk",
      align: "right",
      render: (_, p) => (
        <Progress
          percent={gaugePercent(p.liquidationRiskPct ?? null)}
          size="small"
          style={{ minWidth: 110, margin: 0 }}
          strokeColor={LIQUIDATION_COLOR[liqLevelOf(p, t)] ?? COLORS.profit}
          format={(v) => <span className="num">{formatPlainPct(v, 0)}</span>}
        />
      ),
    },
    { title: "Funding", key: "funding", align: "right", render: (_, p) => <FundingCell position={p} /> },
  ];
  return (
    <QueryState query={positions} what="Perp positions" isEmpty={perps.length === 0} empty={<Typography.Text type="secondary">No open perp positions.</Typography.Text>} rows={2}>
      <div data-testid="risk-perp-positions">
        <Table<PositionDto> size="small" rowKey="id" columns={columns} dataSource={perps} pagination={false} scroll={{ x: "max-content" }} onRow={(p) => ({ "data-testid": `risk-perp-${p.id}` }) as React.HTMLAttributes<HTMLElement>} />
      </div>
    </QueryState>
  );
}

function liqLevelOf(p: PositionDto, t: { warnPct?: number; closePct?: number }) {
  return liquidationLevel(p.liquidationRiskPct, t.warnPct, t.closePct);
}
