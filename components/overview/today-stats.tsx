"use client";

import { Descriptions, Skeleton } from "antd";
import { formatInt, formatMoney, formatPlainPct, formatRatio, formatStat } from "../lib/format";
import { useStatus } from "../hooks/use-status";
import { usePerformance, useTradeCount } from "../hooks/use-trading";
import { useMarketNow } from "../hooks/use-market-now";
import { Num, Pnl } from "../ui/num";
import { QueryError } from "../ui/query-state";

const DAY_MS = 86_400_000;

/** Today's figures from /api/status, today's trade counts from /api/trades, and the mode's overall metrics. */
export function TodayStats() {
  const status = useStatus();
  const mode = status.data?.mode;
  const now = useMarketNow(60_000);
  const dayStart = now === null ? 0 : Math.floor(now / DAY_MS) * DAY_MS;
  const tradesToday = useTradeCount(now === null ? undefined : mode, dayStart);
  const winsToday = useTradeCount(now === null ? undefined : mode, dayStart, "win");
  const performance = usePerformance(mode);
  const s = status.data;
  const overall = performance.data?.overall;

  if (status.isPending) return <Skeleton active paragraph={{ rows: 6 }} title={false} />;
  if (!s) return <QueryError error={status.error} what="Status" />;

  const tradeCount = tradesToday.data;
  const winCount = winsToday.data;
  return (
    <div data-testid="today-stats">
      <Descriptions size="small" column={2} colon={false} styles={{ label: { color: "rgba(255,255,255,0.55)" } }}>
        <Descriptions.Item label="Equity">
          <Num>{formatMoney(s.equity)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Cash">
          <Num>{formatMoney(s.cash)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Today P&L">
          <Pnl value={s.todayPnl} testId="today-pnl" />
        </Descriptions.Item>
        <Descriptions.Item label="24 h">
          <Pnl value={s.change24hPct} kind="pct" />
        </Descriptions.Item>
        <Descriptions.Item label="Realized">
          <Pnl value={s.realizedPnl} />
        </Descriptions.Item>
        <Descriptions.Item label="Unrealized">
          <Pnl value={s.unrealizedPnl} />
        </Descriptions.Item>
        <Descriptions.Item label="Trades today (UTC)">
          <Num testId="today-trades">{formatInt(tradeCount)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Won today">
          <Num>
            {formatInt(winCount)}
            {tradeCount ? ` (${formatRatio((winCount ?? 0) / tradeCount, 0)})` : ""}
          </Num>
        </Descriptions.Item>
        <Descriptions.Item label="Win rate (all)">
          <Num>{formatPlainPct(overall?.winRate, 1)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Profit factor">
          <Num>{formatStat(overall?.profitFactor)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Max drawdown">
          <Num>{formatPlainPct(overall?.maxDrawdownPct)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Total P&L">
          <Pnl value={overall?.totalPnl} />
        </Descriptions.Item>
      </Descriptions>
    </div>
  );
}
