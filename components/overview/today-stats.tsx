"use client";

import { Descriptions, Skeleton } from "antd";
import { formatInt, formatMoney, formatPlainPct, formatRatio, formatStat } from "../lib/format";
import { useStatus } from "../hooks/use-status";
import { usePerformance, useTradeCount } from "../hooks/use-trading";
import { useMarketNow } from "../hooks/use-market-now";
import { Num, Pnl } from "../ui/num";
import { QueryError } from "../ui/query-state";
import { SampleWarning } from "../ui/sample-warning";

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
  const label = { label: { color: "rgba(255,255,255,0.65)" } };
  return (
    <div data-testid="today-stats">
      <Descriptions size="small" column={2} colon={false} styles={label} title={<span style={{ fontSize: 12 }}>Today (UTC)</span>}>
        <Descriptions.Item label="P&L today">
          <Pnl value={s.todayPnl} testId="today-pnl" />
        </Descriptions.Item>
        <Descriptions.Item label="Open now">
          <Pnl value={s.unrealizedPnl} testId="today-unrealized" />
        </Descriptions.Item>
        <Descriptions.Item label="Trades">
          <Num testId="today-trades">{formatInt(tradeCount)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Won">
          <Num>
            {formatInt(winCount)}
            {tradeCount ? ` (${formatRatio((winCount ?? 0) / tradeCount, 0)})` : ""}
          </Num>
          {tradeCount ? <SampleWarning n={tradeCount} what="trades" /> : null}
        </Descriptions.Item>
      </Descriptions>
      <Descriptions size="small" column={2} colon={false} styles={label} title={<span style={{ fontSize: 12 }}>Account, all time</span>}>
        <Descriptions.Item label="Equity">
          <Num>{formatMoney(s.equity)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Cash">
          <Num>{formatMoney(s.cash)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Realized">
          <Pnl value={s.realizedPnl} />
        </Descriptions.Item>
        <Descriptions.Item label="Total P&L">
          <Pnl value={overall?.totalPnl} />
        </Descriptions.Item>
        <Descriptions.Item label="Win rate">
          <Num>{formatPlainPct(overall?.winRate, 1)}</Num>
          <SampleWarning n={overall?.trades} what="trades" />
        </Descriptions.Item>
        <Descriptions.Item label="Profit factor">
          <Num>{formatStat(overall?.profitFactor)}</Num>
          <SampleWarning n={overall?.trades} what="trades" />
        </Descriptions.Item>
        <Descriptions.Item label="Max drawdown">
          <Num>{formatPlainPct(overall?.maxDrawdownPct)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="24 h">
          <Pnl value={s.change24hPct} kind="pct" />
        </Descriptions.Item>
      </Descriptions>
    </div>
  );
}
