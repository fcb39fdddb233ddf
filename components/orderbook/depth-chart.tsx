"use client";

import { COLORS } from "../shell/colors";
import { depthCurve, type Depth } from "../lib/depth";
import { formatPrice, formatQty } from "../lib/format";

const W = 1000;
const H = 400;

/** Cumulative depth: bids stepping down-left from the mid, asks stepping up-right, in one SVG. */
export function DepthChart({ depth, height = 320 }: { depth: Depth; height?: number }) {
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

  return (
    <div data-testid="depth-chart" style={{ position: "relative", width: "100%", height }}>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" width="100%" height="100%" role="img" aria-label="Order book depth">
        <path d={path(bids, 0)} fill="rgba(73,170,25,0.25)" stroke={COLORS.profit} strokeWidth={2} vectorEffect="non-scaling-stroke" />
        <path d={path(asks, W)} fill="rgba(220,68,70,0.25)" stroke={COLORS.loss} strokeWidth={2} vectorEffect="non-scaling-stroke" />
        {depth.mid !== null && (
          <line x1={x(depth.mid)} x2={x(depth.mid)} y1={0} y2={H} stroke="rgba(255,255,255,0.25)" strokeDasharray="4 4" vectorEffect="non-scaling-stroke" />
        )}
      </svg>
      <div className="num" style={{ position: "absolute", left: 4, bottom: 2, fontSize: 11, color: COLORS.muted }}>
        {formatPrice(minPrice, reference)}
      </div>
      <div className="num" style={{ position: "absolute", right: 4, bottom: 2, fontSize: 11, color: COLORS.muted }}>
        {formatPrice(maxPrice, reference)}
      </div>
      <div className="num" style={{ position: "absolute", left: 4, top: 2, fontSize: 11, color: COLORS.muted }}>
        depth {formatQty(Number(maxDepth.toPrecision(4)))}
      </div>
      {depth.mid !== null && (
        <div className="num" style={{ position: "absolute", left: `${(x(depth.mid) / W) * 100}%`, top: 2, transform: "translateX(-50%)", fontSize: 11, color: COLORS.muted }}>
          mid {formatPrice(depth.mid, reference)}
        </div>
      )}
    </div>
  );
}
