import type { CSSProperties } from "react";
import { COLORS } from "../shell/colors";
import type { Depth, DepthLevel } from "../lib/depth";
import { formatNumber, formatPct, formatPrice, quantityDecimals } from "../lib/format";

const cell: CSSProperties = { padding: "1px 8px", textAlign: "right", position: "relative", zIndex: 1 };

function Row({ level, side, max, reference, qtyDp }: { level: DepthLevel; side: "bid" | "ask"; max: number; reference: number | undefined; qtyDp: number }) {
  const width = max > 0 ? (level.cumulative / max) * 100 : 0;
  const color = side === "bid" ? COLORS.profit : COLORS.loss;
  return (
    <tr data-testid={`orderbook-${side}`} style={{ position: "relative" }}>
      <td style={{ ...cell, color }} className="num">
        {formatPrice(level.price, reference)}
      </td>
      <td style={cell} className="num">
        {formatNumber(level.quantity, qtyDp)}
      </td>
      <td
        style={{
          ...cell,
          // Depth bar behind the cumulative figure, growing from the right edge.
          background: `linear-gradient(to left, ${side === "bid" ? "rgba(73,170,25,0.18)" : "rgba(220,68,70,0.18)"} ${width}%, transparent ${width}%)`,
        }}
        className="num"
      >
        {formatNumber(level.cumulative, qtyDp)}
      </td>
    </tr>
  );
}

/** Asks above (best ask nearest the middle), the spread, bids below. */
export function OrderbookLadder({ depth, rows }: { depth: Depth; rows: number }) {
  const asks = depth.asks.slice(0, rows).reverse();
  const bids = depth.bids.slice(0, rows);
  const reference = depth.mid ?? depth.bestBid ?? depth.bestAsk ?? undefined;
  const max = Math.max(asks[0]?.cumulative ?? 0, bids[bids.length - 1]?.cumulative ?? 0);
  // Sizes and totals align on the decimals of the finest size in view (the venue's step size shows through).
  const qtyDp = quantityDecimals([...asks, ...bids].map((l) => l.quantity));
  return (
    <table data-testid="orderbook-ladder" style={{ width: "100%", borderCollapse: "collapse", fontSize: 12 }}>
      <thead>
        <tr style={{ color: COLORS.muted }}>
          <th style={{ ...cell, fontWeight: 400 }}>Price</th>
          <th style={{ ...cell, fontWeight: 400 }}>Size</th>
          <th style={{ ...cell, fontWeight: 400 }}>Total</th>
        </tr>
      </thead>
      <tbody>
        {asks.map((l) => (
          <Row key={`a${l.price}`} level={l} side="ask" max={max} reference={reference} qtyDp={qtyDp} />
        ))}
        <tr data-testid="orderbook-spread">
          <td colSpan={3} style={{ padding: "4px 8px", textAlign: "center", borderTop: "1px solid rgba(255,255,255,0.08)", borderBottom: "1px solid rgba(255,255,255,0.08)" }}>
            <span className="num" style={{ color: COLORS.muted }}>
              spread {formatPrice(depth.spread, reference)} ({formatPct(depth.spreadPct, 3).replace("+", "")}) · mid {formatPrice(depth.mid, reference)}
            </span>
          </td>
        </tr>
        {bids.map((l) => (
          <Row key={`b${l.price}`} level={l} side="bid" max={max} reference={reference} qtyDp={qtyDp} />
        ))}
      </tbody>
    </table>
  );
}
