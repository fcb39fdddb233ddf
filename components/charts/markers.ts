import { COLORS } from "../shell/colors";
import { formatPrice, formatSignedMoney, isNum } from "../lib/format";
import type { PositionDto, TradeDto } from "../lib/types";
import type { ChartMarker, ChartPriceLine } from "./chart-types";

/**
 * Entry and exit markers of the bot's own trades on a symbol's chart: entries are arrows in the trade's
 * direction, exits are dots coloured by the trade's result and labelled with its P&L.
 */
export function tradeMarkers(trades: readonly TradeDto[], positions: readonly PositionDto[]): ChartMarker[] {
  const markers: ChartMarker[] = [];
  for (const t of trades) {
    if (!isNum(t.openedAt) || !isNum(t.closedAt)) continue;
    const long = t.side === "long";
    markers.push({
      time: t.openedAt,
      position: long ? "belowBar" : "aboveBar",
      shape: long ? "arrowUp" : "arrowDown",
      color: COLORS.neutral,
      text: long ? "L" : "S",
    });
    markers.push({
      time: t.closedAt,
      position: long ? "aboveBar" : "belowBar",
      shape: "circle",
      color: t.pnl >= 0 ? COLORS.profit : COLORS.loss,
      text: formatSignedMoney(t.pnl),
    });
  }
  for (const p of positions) {
    if (!isNum(p.openedAt)) continue;
    const long = p.side === "long";
    markers.push({
      time: p.openedAt,
      position: long ? "belowBar" : "aboveBar",
      shape: long ? "arrowUp" : "arrowDown",
      color: COLORS.warning,
      text: long ? "L open" : "S open",
    });
  }
  return markers.sort((a, b) => a.time - b.time);
}

/** Entry, stop and target of each open position as horizontal lines on the price scale. */
export function positionPriceLines(positions: readonly PositionDto[]): ChartPriceLine[] {
  const lines: ChartPriceLine[] = [];
  for (const p of positions) {
    const ref = p.avgEntryPrice;
    if (isNum(p.avgEntryPrice)) lines.push({ price: p.avgEntryPrice, color: COLORS.neutral, title: `entry ${formatPrice(p.avgEntryPrice, ref)}` });
    if (isNum(p.stopLoss)) lines.push({ price: p.stopLoss, color: COLORS.loss, title: "stop", dashed: true });
    if (isNum(p.takeProfit)) lines.push({ price: p.takeProfit, color: COLORS.profit, title: "target", dashed: true });
    if (isNum(p.trailingStop)) lines.push({ price: p.trailingStop, color: COLORS.warning, title: "trail", dashed: true });
  }
  return lines;
}
