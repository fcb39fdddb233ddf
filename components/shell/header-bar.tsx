"use client";

import { Flex, Tooltip, Typography } from "antd";
import { useStatus } from "../hooks/use-status";
import { useFeed } from "../lib/socket";
import { formatMoney } from "../lib/format";
import { Num, Pnl } from "../ui/num";
import { COLORS } from "./colors";
import { FeedStatus, ModeBadge, TradingStateBadge, VenueBadge } from "./status-badges";
import { KillSwitch } from "./kill-switch";
import { UserMenu } from "./user-menu";

function Figure({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div style={{ display: "flex", flexDirection: "column", lineHeight: 1.2, minWidth: 0 }}>
      <span style={{ fontSize: 11, color: COLORS.muted, whiteSpace: "nowrap" }}>{label}</span>
      <span style={{ fontSize: 14, whiteSpace: "nowrap" }}>{children}</span>
    </div>
  );
}

export function HeaderBar({ username }: { username: string }) {
  const status = useStatus();
  const feed = useFeed();
  const s = status.data;
  const quote = s?.quoteCurrency ?? "";

  return (
    <Flex align="center" gap={16} wrap style={{ width: "100%", minHeight: 48, padding: "4px 0" }}>
      <Typography.Text strong style={{ fontSize: 16, letterSpacing: 0.5, whiteSpace: "nowrap" }}>
        Tradekeel
      </Typography.Text>
      <Figure label={`Equity${quote ? ` (${quote})` : ""}`}>
        <Num testId="header-equity">{formatMoney(s?.equity)}</Num>
      </Figure>
      <Figure label="Today P&L">
        <Pnl value={s?.todayPnl} testId="header-today-pnl" />
      </Figure>
      <Figure label="24 h">
        <Pnl value={s?.change24hPct} kind="pct" testId="header-change-24h" />
      </Figure>
      <Flex align="center" gap={6} wrap>
        <ModeBadge mode={s?.mode} />
        <VenueBadge venue={s?.venue} />
        <TradingStateBadge state={s?.tradingState} reason={s?.tradingStateReason} />
      </Flex>
      <FeedStatus connection={feed.connection} feed={s?.feed?.state} lastMessageAgeMs={s?.feed?.lastMessageAgeMs} />
      {status.isError && !s && (
        <Tooltip title={status.error instanceof Error ? status.error.message : undefined}>
          <Typography.Text type="warning" data-testid="status-error">
            status unavailable
          </Typography.Text>
        </Tooltip>
      )}
      <Flex align="center" gap={8} style={{ marginInlineStart: "auto" }}>
        <KillSwitch tradingState={s?.tradingState} />
        <UserMenu username={username} />
      </Flex>
    </Flex>
  );
}
