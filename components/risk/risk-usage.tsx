"use client";

import { Flex, Progress, Tooltip, Typography } from "antd";
import { COLORS } from "../shell/colors";
import { formatRatio, isNum } from "../lib/format";
import type { RiskUsageDto } from "../lib/types";
import { usageLevel, usageText } from "./risk-format";

const LEVEL_COLOR = { ok: COLORS.profit, warn: COLORS.warning, danger: COLORS.loss, unknown: COLORS.muted } as const;

export function RiskUsageBars({ usage }: { usage: RiskUsageDto[] }) {
  return (
    <Flex vertical gap={10} data-testid="risk-usage">
      {usage.map((u) => {
        const level = usageLevel(u.ratio);
        const pct = isNum(u.ratio) ? Math.max(0, Math.min(100, u.ratio * 100)) : 0;
        return (
          <div key={u.key} data-testid={`risk-usage-${u.key}`} data-level={level}>
            <Flex justify="space-between" gap={8}>
              <Typography.Text>{u.label}</Typography.Text>
              <Tooltip title={isNum(u.ratio) ? `${formatRatio(u.ratio)} of the limit used` : "usage unknown"}>
                <span className="num" style={{ color: LEVEL_COLOR[level] }}>
                  {usageText(u)}
                </span>
              </Tooltip>
            </Flex>
            <Progress percent={pct} showInfo={false} strokeColor={LEVEL_COLOR[level]} size="small" status={level === "danger" ? "exception" : "normal"} />
          </div>
        );
      })}
    </Flex>
  );
}
