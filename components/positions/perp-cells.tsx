"use client";

import { Tag, Tooltip, type TableColumnsType } from "antd";
import { formatMoney, formatPlainPct, formatPrice, isNum } from "../lib/format";
import type { PositionDto } from "../lib/types";
import { COLORS } from "../shell/colors";
import { Num } from "../ui/num";
import { LIQUIDATION_RISK_FORMULA, formatLeverage, fundingText, isPerp, liquidationDistancePct, liquidationLevel, marketLabel, type LiquidationLevel } from "./perp-format";

export const LIQUIDATION_COLOR: Record<LiquidationLevel, string | undefined> = {
  ok: undefined,
  warn: COLORS.warning,
  close: COLORS.loss,
  unknown: COLORS.muted,
};

/** The guard's thresholds (GET /api/risk → limits.liquidationWarnPct / liquidationClosePct). */
export interface LiquidationThresholds {
  warnPct?: unknown;
  closePct?: unknown;
}

/** "SPOT" or "PERP" (with its leverage and margin mode on hover). */
export function MarketTag({ position }: { position: PositionDto }) {
  const perp = isPerp(position);
  const tag = (
    <Tag
      variant="outlined"
      color={perp ? "purple" : "default"}
      style={{ marginInlineEnd: 0 }}
      data-testid={`position-market-${position.id}`}
      data-market={perp ? "perp" : "spot"}
    >
      {marketLabel(position).toUpperCase()}
    </Tag>
  );
  if (!perp) return tag;
  return <Tooltip title={`USDⓈ-M perpetual · ${formatLeverage(position.leverage)} · ${position.marginMode ?? "cross"} margin`}>{tag}</Tooltip>;
}

/** Liquidation price and how far the mark is from it; coloured by the guard's reading of its risk. */
export function LiquidationCell({ position, thresholds }: { position: PositionDto; thresholds?: LiquidationThresholds }) {
  if (!isPerp(position)) return <Num>—</Num>;
  const distance = liquidationDistancePct(position);
  const level = liquidationLevel(position.liquidationRiskPct, thresholds?.warnPct, thresholds?.closePct);
  const risk = isNum(position.liquidationRiskPct) ? formatPlainPct(position.liquidationRiskPct, 1) : "—";
  return (
    <Tooltip title={`Liquidation risk ${risk}. ${LIQUIDATION_RISK_FORMULA}`}>
      <Num testId={`position-liq-${position.id}`} data-level={level} style={{ color: LIQUIDATION_COLOR[level], cursor: "help" }}>
        {position.liquidationPrice === null || position.liquidationPrice === undefined ? "none" : formatPrice(position.liquidationPrice, position.avgEntryPrice)}
        {distance !== null && <span style={{ color: COLORS.muted }}> ({formatPlainPct(distance, 1)})</span>}
      </Num>
    </Tooltip>
  );
}

/** Net funding of a perp: paid in red, received in green. */
export function FundingCell({ position }: { position: PositionDto }) {
  if (!isPerp(position)) return <Num>—</Num>;
  const f = position.fundingPaid;
  const color = isNum(f) && f !== 0 ? (f > 0 ? COLORS.loss : COLORS.profit) : undefined;
  return (
    <Num testId={`position-funding-${position.id}`} style={{ color }}>
      {fundingText(f)}
    </Num>
  );
}

/** The futures columns of a positions table (only added when some position is a perp). */
export function perpColumns(thresholds?: LiquidationThresholds): TableColumnsType<PositionDto> {
  return [
    { title: "Lev.", key: "leverage", align: "right", render: (_, p) => <Num testId={`position-leverage-${p.id}`}>{isPerp(p) ? formatLeverage(p.leverage) : "—"}</Num> },
    {
      title: <Tooltip title="Initial margin at mark: quantity × mark / leverage">Margin</Tooltip>,
      key: "margin",
      align: "right",
      render: (_, p) => <Num testId={`position-margin-${p.id}`}>{isPerp(p) ? formatMoney(p.marginUsed) : "—"}</Num>,
    },
    {
      title: <Tooltip title="Liquidation price of the symbol's net position, and its distance from the mark (% of mark)">Liq. price (dist.)</Tooltip>,
      key: "liquidation",
      align: "right",
      render: (_, p) => <LiquidationCell position={p} thresholds={thresholds} />,
    },
    { title: "Funding", key: "funding", align: "right", render: (_, p) => <FundingCell position={p} /> },
  ];
}
