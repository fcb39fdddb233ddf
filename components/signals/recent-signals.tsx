"use client";

import { Flex, Tooltip, Typography } from "antd";
import { formatDateTime, formatPrice, formatTime, isNum } from "../lib/format";
import type { Mode } from "../lib/types";
import { useSignals } from "../hooks/use-trading";
import { Num, Pnl } from "../ui/num";
import { QueryState } from "../ui/query-state";
import { ExecutionTag, OutcomeTag, SignalActionTag } from "./signal-tags";

/** The latest signals of a mode, newest first, pushed by `signal` events. */
export function RecentSignals({ mode, limit = 10 }: { mode: Mode | undefined; limit?: number }) {
  const signals = useSignals(mode, 50);
  const items = (signals.data ?? []).slice(0, limit);
  return (
    <QueryState query={signals} what="Signals" isEmpty={items.length === 0}>
      <div data-testid="recent-signals">
        {items.map((s) => (
          <div key={s.id} style={{ padding: "6px 0", borderBottom: "1px solid rgba(255,255,255,0.06)" }} data-testid="recent-signal">
            <Flex vertical gap={2} style={{ width: "100%", minWidth: 0 }}>
              <Flex gap={6} align="center" wrap>
                <Tooltip title={formatDateTime(s.timestamp)}>
                  <Num style={{ color: "rgba(255,255,255,0.65)" }}>{formatTime(s.timestamp)}</Num>
                </Tooltip>
                <strong>{s.symbol}</strong>
                <SignalActionTag action={s.action} />
                <Num>{formatPrice(s.price)}</Num>
                {s.execution && <ExecutionTag execution={s.execution} />}
                {s.outcome && (
                  <span style={{ marginInlineStart: "auto" }}>
                    <OutcomeTag outcome={s.outcome} execution={s.execution} />
                  </span>
                )}
                {isNum(s.outcomePct) && <Pnl value={s.outcomePct} kind="pct" />}
              </Flex>
              <Tooltip title={s.reason}>
                <Typography.Text type="secondary" ellipsis style={{ fontSize: 12 }}>
                  {s.reason}
                </Typography.Text>
              </Tooltip>
            </Flex>
          </div>
        ))}
      </div>
    </QueryState>
  );
}
