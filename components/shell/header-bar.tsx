"use client";

import { Flex, Tooltip, Typography } from "antd";
import { useStatus } from "../hooks/use-status";
import { usePositions } from "../hooks/use-trading";
import { useFeed } from "../lib/socket";
import { formatMoney, formatInt, formatPlainPct, isNum } from "../lib/format";
import { Num, Pnl } from "../ui/num";
import { COLORS } from "./colors";
import { FeedStatus, ModeBadge, TradingStateBadge, VenueBadge, WarmupBadge } from "./status-badges";
import { KillSwitch } from "./kill-switch";
import { UserMenu } from "./user-menu";
import { exposureOf } from "./exposure";

function Figure({ label, children, className }: { label: React.ReactNode; children: React.ReactNode; className?: string }) {
  return (
    <div className={className} style={{ display: "flex", flexDirection: "column", lineHeight: 1.2, flexShrink: 0 }}>
      <span style={{ fontSize: 11, color: COLORS.muted, whiteSpace: "nowrap" }}>{label}</span>
      <span style={{ fontSize: 14, whiteSpace: "nowrap" }}>{children}</span>
    </div>
  );
}

/**
 * One row at every width: what is traded where (mode, venue, simulated), the trading state, equity,
 * the open positions and their exposure, and the kill switch. On a phone the secondary figures hide.
 */
export function HeaderBar({ username }: { username: string }) {
  const status = useStatus();
  const feed = useFeed();
  const s = status.data;
  const positions = usePositions(s?.mode);
  const quote = s?.quoteCurrency ?? "";
  const exposure = positions.data ? exposureOf(positions.data) : null;
  const exposurePct = isNum(exposure) && isNum(s?.equity) && s.equity > 0 ? (exposure / s.equity) * 100 : null;

  return (
    <Flex align="center" gap={12} wrap={false} className="header-row" style={{ width: "100%", height: 48, overflow: "hidden" }} data-testid="header-bar">
      <Typography.Text strong className="hide-phone" style={{ fontSize: 16, letterSpacing: 0.5, whiteSpace: "nowrap" }}>
        Tradekeel
      </Typography.Text>
      <Flex align="center" gap={4} wrap={false} data-testid="header-where">
        <ModeBadge mode={s?.mode} />
        <VenueBadge venue={s?.venue} />
        <span className="hide-phone">
          <TradingStateBadge state={s?.tradingState} reason={s?.tradingStateReason} />
        </span>
        <WarmupBadge warmup={s?.warmup} />
      </Flex>
      <Figure label={<>Equity{quote && <span className="hide-phone"> {quote}</span>}</>}>
        <Num testId="header-equity">{formatMoney(s?.equity)}</Num>
      </Figure>
      <Figure label="Today" className="hide-phone">
        <Pnl value={s?.todayPnl} testId="header-today-pnl" />
      </Figure>
      <Figure label="24 h" className="hide-narrow">
        <Pnl value={s?.change24hPct} kind="pct" testId="header-change-24h" />
      </Figure>
      <Tooltip title="Open positions in this mode, and their exposure at the mark price (share of equity)">
        <div style={{ display: "flex", flexDirection: "column", lineHeight: 1.2, flexShrink: 0 }}>
          <span style={{ fontSize: 11, color: COLORS.muted, whiteSpace: "nowrap" }}>Positions</span>
          <span style={{ fontSize: 14, whiteSpace: "nowrap" }}>
            <Num testId="header-position-count">{positions.data ? formatInt(positions.data.length) : "—"}</Num>
            <span className="hide-phone">
              {" · "}
              <Num testId="header-exposure">{formatMoney(exposure)}</Num>
              {isNum(exposurePct) && <Num style={{ color: COLORS.muted }}> ({formatPlainPct(exposurePct, 0)})</Num>}
            </span>
          </span>
        </div>
      </Tooltip>
      <span className="hide-narrow">
        <FeedStatus connection={feed.connection} feed={s?.feed?.state} lastMessageAgeMs={s?.feed?.lastMessageAgeMs} />
      </span>
      {status.isError && !s && (
        <Tooltip title={status.error instanceof Error ? status.error.message : undefined}>
          <Typography.Text type="warning" data-testid="status-error">
            status unavailable
          </Typography.Text>
        </Tooltip>
      )}
      <Flex align="center" gap={4} wrap={false} style={{ marginInlineStart: "auto" }}>
        <KillSwitch tradingState={s?.tradingState} />
        <UserMenu username={username} />
      </Flex>
    </Flex>
  );
}
