"use client";

import { Typography } from "antd";
import { COLORS } from "../shell/colors";
import { formatSignedMoney, isNum } from "../lib/format";

export interface Bar {
  key: string;
  label: string;
  value: number | null;
}

const W = 1000;
const H = 220;
const PAD_BOTTOM = 18;

/** Green/red P&L bars around a zero line; absent values leave a gap. Labels thin out when bars are many. */
export function PnlBars({ bars, height = 220, testId }: { bars: Bar[]; height?: number; testId: string }) {
  const values = bars.map((b) => b.value).filter(isNum);
  if (bars.length === 0 || values.length === 0) {
    return (
      <div data-testid={testId} style={{ height, display: "flex", alignItems: "center", justifyContent: "center" }}>
        <Typography.Text type="secondary">No P&L yet</Typography.Text>
      </div>
    );
  }
  const max = Math.max(0, ...values);
  const min = Math.min(0, ...values);
  const range = max - min || 1;
  const plotH = H - PAD_BOTTOM;
  const y = (v: number) => ((max - v) / range) * plotH;
  const slot = W / bars.length;
  // A handful of bars must not turn into slabs: at most a 30th of the width each.
  const barW = Math.max(1, Math.min(slot * 0.7, W / 30));
  const labelEvery = Math.ceil(bars.length / 24);

  return (
    <div data-testid={testId} style={{ position: "relative", width: "100%", height }}>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" width="100%" height="100%" role="img" aria-label="P&L bars">
        <line x1={0} x2={W} y1={y(0)} y2={y(0)} stroke="rgba(255,255,255,0.25)" vectorEffect="non-scaling-stroke" />
        {bars.map((b, i) => {
          if (!isNum(b.value)) return null;
          const top = y(Math.max(b.value, 0));
          const h = Math.max(1, Math.abs(y(b.value) - y(0)));
          return (
            <rect key={b.key} x={i * slot + (slot - barW) / 2} y={top} width={barW} height={h} fill={b.value >= 0 ? COLORS.profit : COLORS.loss}>
              <title>{`${b.label}: ${formatSignedMoney(b.value)}`}</title>
            </rect>
          );
        })}
      </svg>
      <div style={{ position: "absolute", left: 0, right: 0, bottom: 0, height: PAD_BOTTOM, display: "flex" }}>
        {bars.map((b, i) => (
          <div key={b.key} className="num" style={{ flex: 1, fontSize: 10, color: COLORS.muted, textAlign: "center", overflow: "hidden", whiteSpace: "nowrap" }}>
            {i % labelEvery === 0 ? b.label : ""}
          </div>
        ))}
      </div>
      <div className="num" style={{ position: "absolute", top: 0, left: 4, fontSize: 10, color: COLORS.muted }}>
        {formatSignedMoney(max)}
      </div>
      {min < 0 && (
        <div className="num" style={{ position: "absolute", top: `${(plotH / H) * 100 - 6}%`, left: 4, fontSize: 10, color: COLORS.muted }}>
          {formatSignedMoney(min)}
        </div>
      )}
    </div>
  );
}
