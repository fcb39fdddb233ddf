"use client";

import { COLORS } from "../shell/colors";
import { calibrationPoints, formatShare } from "./insights-format";
import type { CalibrationBinDto } from "./types";

const SIZE = 240;
const PAD = 28;

/**
 * Reliability diagram of the out-of-sample predictions: a well-calibrated model's dots sit on the
 * diagonal (of the times it said 0.6, price was higher 60 % of the time). The dashed line is the base rate.
 */
export function CalibrationChart({ bins, baseRate }: { bins: CalibrationBinDto[]; baseRate: number }) {
  const inner = SIZE - 2 * PAD;
  const points = calibrationPoints(bins, SIZE, PAD);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const baseY = PAD + (1 - baseRate) * inner;
  return (
    <svg width={SIZE} height={SIZE} viewBox={`0 0 ${SIZE} ${SIZE}`} role="img" aria-label="Calibration of the model's out-of-sample predictions" data-testid="calibration-chart">
      <rect x={PAD} y={PAD} width={inner} height={inner} fill="none" stroke={COLORS.muted} strokeOpacity={0.4} />
      {ticks.map((t) => (
        <g key={t}>
          <text x={PAD + t * inner} y={SIZE - PAD + 12} fontSize={9} fill={COLORS.muted} textAnchor="middle">
            {t}
          </text>
          <text x={PAD - 4} y={PAD + (1 - t) * inner + 3} fontSize={9} fill={COLORS.muted} textAnchor="end">
            {t}
          </text>
        </g>
      ))}
      <line x1={PAD} y1={PAD + inner} x2={PAD + inner} y2={PAD} stroke={COLORS.muted} strokeOpacity={0.6} />
      <line x1={PAD} y1={baseY} x2={PAD + inner} y2={baseY} stroke={COLORS.warning} strokeDasharray="4 3" strokeOpacity={0.8} />
      <text x={PAD + inner - 2} y={baseY - 3} fontSize={9} fill={COLORS.warning} textAnchor="end">
        base rate {baseRate.toFixed(2)}
      </text>
      {points.map((p) => (
        <circle key={p.bin.bin} cx={p.x} cy={p.y} r={p.r} fill={COLORS.neutral} fillOpacity={0.75}>
          <title>
            {`predicted ${p.bin.bin.toFixed(1)}–${p.bin.upper.toFixed(1)}: mean ${p.bin.predicted.toFixed(2)}, observed ${formatShare(p.bin.observed)} higher, ${p.bin.count} samples`}
          </title>
        </circle>
      ))}
      <text x={SIZE / 2} y={SIZE - 2} fontSize={10} fill={COLORS.muted} textAnchor="middle">
        predicted probability
      </text>
      <text x={10} y={SIZE / 2} fontSize={10} fill={COLORS.muted} textAnchor="middle" transform={`rotate(-90 10 ${SIZE / 2})`}>
        observed share higher
      </text>
    </svg>
  );
}
