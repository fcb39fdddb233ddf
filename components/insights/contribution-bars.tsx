"use client";

import { Flex, Tooltip, Typography } from "antd";
import { COLORS } from "../shell/colors";
import { contributionBars } from "./insights-format";
import type { ContributionDto } from "./types";

/**
 * Why the model leans the way it does: coefficient × standardised value per feature. Bars to the right
 * push the probability towards "higher", to the left towards "lower".
 */
export function ContributionBars({ contributions, limit = 8 }: { contributions: ContributionDto[]; limit?: number }) {
  const bars = contributionBars(contributions, limit);
  return (
    <Flex vertical gap={4} data-testid="contribution-bars">
      {bars.map((b) => (
        <Tooltip key={b.feature} title={`${b.feature} = ${b.value.toPrecision(4)}; contribution to the logit ${b.contribution >= 0 ? "+" : ""}${b.contribution.toFixed(3)}`}>
          <Flex align="center" gap={8}>
            <Typography.Text style={{ width: 130, fontSize: 12 }} ellipsis>
              {b.feature}
            </Typography.Text>
            <div style={{ flex: 1, display: "flex", height: 12 }}>
              <div style={{ flex: 1, display: "flex", justifyContent: "flex-end" }}>
                {b.direction === "down" && <div style={{ width: `${b.width * 100}%`, background: COLORS.loss, borderRadius: 2 }} />}
              </div>
              <div style={{ width: 1, background: COLORS.muted }} />
              <div style={{ flex: 1, display: "flex" }}>
                {b.direction === "up" && <div style={{ width: `${b.width * 100}%`, background: COLORS.profit, borderRadius: 2 }} />}
              </div>
            </div>
            <span className="num" style={{ width: 52, textAlign: "right", fontSize: 12, color: b.direction === "up" ? COLORS.profit : COLORS.loss }}>
              {b.contribution >= 0 ? "+" : ""}
              {b.contribution.toFixed(2)}
            </span>
          </Flex>
        </Tooltip>
      ))}
    </Flex>
  );
}
