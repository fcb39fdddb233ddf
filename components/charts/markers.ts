import { COLORS } from "../shell/colors";
import { formatPrice, formatSignedMoney, isNum } from "../lib/format";
import type { PositionDto, TradeDto } from "../lib/types";
import type { ChartMarker, ChartPriceLine } from "./chart-types";

/**
 * Entry and exit markers of the bot's own trades on a symbol's chart: entries are arrows in the trade's
 * direction, exits are dots coloured by the trade's result and labelled with its P&L.
 */
export function tradeMarkers(trades: readonly TradeDto[], positions: readonly PositionDto[], barMs?: number): ChartMarker[] {
  if (barMs && barMs > 0) return groupedTradeMarkers(trades, positions, barMs);
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

/**
 * The same markers, one per bar and kind on long timeframes: on a daily chart ten trades of one day are one
 * "L×10" arrow and one exit dot with their summed P&L ("+3.20 ×10"), instead of a pile of labels.
 */
function groupedTradeMarkers(trades: readonly TradeDto[], positions: readonly PositionDto[], barMs: number): ChartMarker[] {
  type Group = { time: number; position: ChartMarker["position"]; shape: ChartMarker["shape"]; kind: string; count: number; pnlCents: number; color: string; label: string };
  const groups = new Map<string, Group>();
  const add = (time: number, position: ChartMarker["position"], shape: ChartMarker["shape"], kind: string, color: string, label: string, pnl = 0) => {
    const bar = Math.floor(time / barMs) * barMs;
    const key = `${bar}|${kind}`;
    const g = groups.get(key) ?? { time: bar, position, shape, kind, count: 0, pnlCents: 0, color, label };
    g.count++;
    g.pnlCents += Math.round(pnl * 100);
    groups.set(key, g);
  };
  for (const t of trades) {
    if (!isNum(t.openedAt) || !isNum(t.closedAt)) continue;
    const long = t.side === "long";
    add(t.openedAt, long ? "belowBar" : "aboveBar", long ? "arrowUp" : "arrowDown", long ? "entry-long" : "entry-short", COLORS.neutral, long ? "L" : "S");
    add(t.closedAt, long ? "aboveBar" : "belowBar", "circle", long ? "exit-long" : "exit-short", COLORS.profit, "", t.pnl);
  }
  for (const p of positions) {
    if (!isNum(p.openedAt)) continue;
    const long = p.side === "long";
    add(p.openedAt, long ? "belowBar" : "aboveBar", long ? "arrowUp" : "arrowDown", long ? "open-long" : "open-short", COLORS.warning, long ? "L open" : "S open");
  }
  const out: ChartMarker[] = [];
  for (const g of groups.values()) {
    const times = g.count > 1 ? ` ×${g.count}` : "";
    if (g.kind.startsWith("exit")) {
      const pnl = g.pnlCents / 100;
      out.push({ time: g.time, position: g.position, shape: g.shape, color: pnl >= 0 ? COLORS.profit : COLORS.loss, text: `${formatSignedMoney(pnl)}${times}` });
    } else {
      out.push({ time: g.time, position: g.position, shape: g.shape, color: g.color, text: `${g.label}${times}` });
    }
  }
  return out.sort((a, b) => a.time - b.time);
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
