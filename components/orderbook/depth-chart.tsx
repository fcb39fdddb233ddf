"use client";

import { useState, type MouseEvent } from "react";
import { COLORS } from "../shell/colors";
import { depthCurve, type Depth } from "../lib/depth";
import { formatNumber, formatPrice } from "../lib/format";
import { depthAt, niceTicks } from "./depth-axis";

const W = 1000;
const H = 400;
const AXIS_X = 22; // px below the plot for price labels
const AXIS_Y = 56; // px left of the plot for quantity labels

const label = { position: "absolute" as const, fontSize: 11, color: COLORS.muted, whiteSpace: "nowrap" as const };

/**
 * Cumulative depth: bids stepping down-left from the mid, asks stepping up-right, with a price axis, a
 * quantity axis and the cumulative quantity under the cursor.
 */
export function DepthChart({ depth, height = 320 }: { depth: Depth; height?: number }) {
  const [hover, setHover] = useState<number | null>(null);
  const bids = depthCurve(depth.bids);
  const asks = depthCurve(depth.asks);
  const all = [...bids, ...asks];
  if (all.length === 0) return null;
  const minPrice = Math.min(...all.map((p) => p.price));
  const maxPrice = Math.max(...all.map((p) => p.price));
  const maxDepth = Math.max(depth.maxCumulative, 1e-12);
  const span = maxPrice - minPrice || 1;
  const x = (price: number) => ((price - minPrice) / span) * W;
  const y = (cum: number) => H - (cum / maxDepth) * (H - 10);
  const path = (points: { price: number; cumulative: number }[], edge: number) => {
    if (points.length === 0) return "";
    const last = points[points.length - 1]!;
    const line = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.price).toFixed(2)},${y(p.cumulative).toFixed(2)}`).join(" ");
    // Carry the deepest level to the edge of the chart, then close the area along the bottom.
    return `${line} L${edge},${y(last.cumulative).toFixed(2)} L${edge},${H} L${x(points[0]!.price).toFixed(2)},${H} Z`;
  };
  const reference = depth.mid ?? undefined;
  const priceTicks = niceTicks(minPrice, maxPrice, 6);
  const qtyTicks = niceTicks(0, maxDepth, 6).filter((q) => q > 0);
  const qtyDp = maxDepth >= 100 ? 0 : maxDepth >= 1 ? 2 : 4;

  const onMove = (e: MouseEvent<HTMLDivElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const frac = (e.clientX - rect.left) / rect.width;
    setHover(frac < 0 || frac > 1 ? null : minPrice + frac * span);
  };
  const side: "bids" | "asks" | null = hover === null ? null : depth.mid !== null ? (hover <= depth.mid ? "bids" : "asks") : null;
  const hoverQty = hover !== null && side ? depthAt(side === "bids" ? bids : asks, side, hover) : null;

  return (
    <div data-testid="depth-chart" style={{ position: "relative", width: "100%", height, paddingLeft: AXIS_Y, paddingBottom: AXIS_X }}>
      <div style={{ position: "relative", width: "100%", height: "100%" }} onMouseMove={onMove} onMouseLeave={() => setHover(null)} data-testid="depth-plot">
        <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" width="100%" height="100%" role="img" aria-label="Order book depth">
          {qtyTicks.map((q) => (
            <line key={`g${q}`} x1={0} x2={W} y1={y(q)} y2={y(q)} stroke="rgba(255,255,255,0.06)" vectorEffect="non-scaling-stroke" />
          ))}
          <path d={path(bids, 0)} fill="rgba(73,170,25,0.25)" stroke={COLORS.profit} strokeWidth={2} vectorEffect="non-scaling-stroke" />
          <path d={path(asks, W)} fill="rgba(220,68,70,0.25)" stroke={COLORS.loss} strokeWidth={2} vectorEffect="non-scaling-stroke" />
          {depth.mid !== null && (
            <line x1={x(depth.mid)} x2={x(depth.mid)} y1={0} y2={H} stroke="rgba(255,255,255,0.25)" strokeDasharray="4 4" vectorEffect="non-scaling-stroke" />
          )}
          {hover !== null && <line x1={x(hover)} x2={x(hover)} y1={0} y2={H} stroke="rgba(255,255,255,0.6)" vectorEffect="non-scaling-stroke" />}
        </svg>
        {depth.mid !== null && (
          <div className="num" style={{ ...label, left: `${(x(depth.mid) / W) * 100}%`, top: 2, transform: "translateX(-50%)" }}>
            mid {formatPrice(depth.mid, reference)}
          </div>
        )}
        {hover !== null && hoverQty !== null && (
          <div
            className="num"
            data-testid="depth-hover"
            style={{
              ...label,
              color: COLORS.text,
              background: "rgba(17,26,46,0.92)",
              border: "1px solid rgba(255,255,255,0.15)",
              padding: "2px 6px",
              borderRadius: 3,
              top: 20,
              left: `${(x(hover) / W) * 100}%`,
              transform: x(hover) > W / 2 ? "translateX(calc(-100% - 6px))" : "translateX(6px)",
            }}
          >
            {formatPrice(hover, reference)} · {side === "bids" ? "bids ≥" : "asks ≤"} this price: {formatNumber(hoverQty, qtyDp)}
          </div>
        )}
        {/* Price axis */}
        {priceTicks.map((p) => (
          <div key={`p${p}`} className="num" data-testid="depth-axis-price" style={{ ...label, bottom: -AXIS_X + 2, left: `${(x(p) / W) * 100}%`, transform: "translateX(-50%)" }}>
            {formatPrice(p, reference)}
          </div>
        ))}
        {/* Quantity axis */}
        {qtyTicks.map((q) => (
          <div key={`q${q}`} className="num" data-testid="depth-axis-qty" style={{ ...label, left: -AXIS_Y, width: AXIS_Y - 6, textAlign: "right", top: `${(y(q) / H) * 100}%`, transform: "translateY(-50%)" }}>
            {formatNumber(q, qtyDp)}
          </div>
        ))}
      </div>
    </div>
  );
}
