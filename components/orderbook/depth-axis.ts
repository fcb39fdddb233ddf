/** Axis ticks and hover read-out of the depth chart (pure; depth-axis.test.ts). */

/** About `count` round tick values covering [min, max] (1, 2 or 5 × a power of ten apart). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min || count < 1) return Number.isFinite(min) ? [min] : [];
  const raw = (max - min) / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/**
 * Cumulative quantity resting at or better than `price`: for bids the levels priced at or above it (what a
 * sell down to that price would meet), for asks the levels at or below it.
 */
export function depthAt(curve: readonly { price: number; cumulative: number }[], side: "bids" | "asks", price: number): number {
  let cum = 0;
  for (const p of curve) {
    if (side === "bids" ? p.price >= price : p.price <= price) cum = Math.max(cum, p.cumulative);
  }
  return cum;
}
