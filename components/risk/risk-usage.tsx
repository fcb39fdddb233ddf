"use client";

import { Flex, Progress, Tag, Tooltip, Typography } from "antd";
import { COLORS } from "../shell/colors";
import { formatRatio, isNum } from "../lib/format";
import type { RiskUsageDto } from "../lib/types";
import { LATCH_USAGE_KEY, latchFigures, usageLevel, usageText, type RiskLatchDto } from "./risk-format";

const LEVEL_COLOR = {
  ok: COLORS.profit,
  warn: COLORS.warning,
  danger: COLORS.loss,
  full: "#4096ff",
  tripped: COLORS.loss,
  unknown: COLORS.muted,
} as const;

/**
 * Usage of every limit. A limit whose breaker holds the account shows the breaker's own numbers (what it
 * counted when it tripped), so the counter always agrees with the trading state's reason.
 */
export function RiskUsageBars({ usage, latches = [] }: { usage: RiskUsageDto[]; latches?: RiskLatchDto[] }) {
  const latchByKey = new Map<string, RiskLatchDto>();
  for (const l of latches) {
    const key = LATCH_USAGE_KEY[l.id];
    if (key) latchByKey.set(key, l);
  }
  return (
    <Flex vertical gap={10} data-testid="risk-usage">
      {usage.map((u) => {
        const latch = latchByKey.get(u.key);
        const figures = latch ? latchFigures(latch) : null;
        const shown = figures ? { ...u, used: figures.used, limit: figures.limit ?? u.limit } : u;
        const ratio = figures && isNum(shown.limit) && shown.limit > 0 ? shown.used! / shown.limit : u.ratio;
        const level = usageLevel(ratio, u.key, !!latch);
        const pct = isNum(ratio) ? Math.max(0, Math.min(100, ratio * 100)) : 0;
        return (
          <div key={u.key} data-testid={`risk-usage-${u.key}`} data-level={level} data-used={shown.used ?? ""} data-limit={shown.limit ?? ""}>
            <Flex justify="space-between" gap={8}>
              <Typography.Text>
                {u.label}
                {latch && (
                  <Tooltip title={latch.reason}>
                    <Tag style={{ marginInlineStart: 6, background: "#5c0011", color: "#ffccc7", borderColor: "#a8071a" }} data-testid={`risk-usage-tripped-${u.key}`}>
                      {latch.state} · {latch.code}
                    </Tag>
                  </Tooltip>
                )}
              </Typography.Text>
              <Tooltip
                title={
                  latch
                    ? `When the breaker tripped; now ${usageText(u)}`
                    : level === "full"
                      ? "At the cap: the sizer fills positions up to it. New entries are sized to what is left."
                      : isNum(u.ratio)
                        ? `${formatRatio(u.ratio)} of the limit used`
                        : "usage unknown"
                }
              >
                <span className="num" style={{ color: LEVEL_COLOR[level] }} data-testid={`risk-usage-text-${u.key}`}>
                  {usageText(shown)}
                  {level === "full" ? " (full)" : ""}
                </span>
              </Tooltip>
            </Flex>
            <Progress percent={pct} showInfo={false} strokeColor={LEVEL_COLOR[level]} size="small" status={level === "danger" || level === "tripped" ? "exception" : "normal"} />
          </div>
        );
      })}
    </Flex>
  );
}
