"use client";

import { Badge, Tag, Tooltip } from "antd";
import type { FeedState, Mode, TradingStateName, VenueInfo, WarmupDto } from "../lib/types";
import type { SocketConnection } from "../lib/socket";
import { formatDuration, isNum } from "../lib/format";
import { BADGES } from "./colors";
import { warmupView } from "./warmup";

const MODE_STYLE: Record<Mode, { background: string; color: string; border: string }> = {
  ghost: BADGES.ghost,
  paper: BADGES.paper,
  live: BADGES.live,
};
const MODE_HELP: Record<Mode, string> = {
  ghost: "Ghost: signals only; hypothetical trades, no orders are placed.",
  paper: "Paper: orders are filled by the simulator against live prices; no money moves.",
  live: "Live: orders are sent to the venue.",
};

function solid(style: { background: string; color: string; border: string }) {
  return { background: style.background, color: style.color, borderColor: style.border, fontWeight: 600, marginInlineEnd: 0 };
}

export function ModeBadge({ mode }: { mode: Mode | undefined }) {
  if (!mode) return <Tag data-testid="mode-badge">—</Tag>;
  return (
    <Tooltip title={MODE_HELP[mode]}>
      <Tag data-testid="mode-badge" data-mode={mode} style={solid(MODE_STYLE[mode])} aria-label={`Mode: ${mode}`}>
        {mode.toUpperCase()}
      </Tag>
    </Tooltip>
  );
}

const VENUE_STYLE: Record<VenueInfo["label"], { background: string; color: string; border: string }> = {
  SIMULATED: BADGES.simulated,
  TESTNET: BADGES.testnet,
  "REAL MONEY": BADGES.realMoney,
};

/** The venue by name and what is at stake there: "binance · REAL MONEY", "simulator · SIMULATED". */
export function VenueBadge({ venue, showName = true }: { venue: VenueInfo | undefined; showName?: boolean }) {
  if (!venue) return <Tag data-testid="venue-badge">—</Tag>;
  const help = venue.simulated
    ? `Venue ${venue.id}: prices and fills come from the built-in simulator; no exchange, no money.`
    : venue.testnet
      ? `Exchange testnet (${venue.id}): test funds only.`
      : `${venue.id}: real funds are at stake.`;
  return (
    <Tooltip title={help}>
      <Tag
        data-testid="venue-badge"
        data-venue={venue.label}
        data-venue-id={venue.id}
        aria-label={`Venue ${venue.id}: ${venue.label}`}
        style={solid(VENUE_STYLE[venue.label] ?? BADGES.ghost)}
      >
        {showName && <span className="hide-phone" data-testid="venue-name">{venue.id} · </span>}
        {venue.label}
      </Tag>
    </Tooltip>
  );
}

const STATE_COLOR: Record<TradingStateName, string> = { ACTIVE: "success", REDUCING: "warning", HALTED: "error" };
const STATE_HELP: Record<TradingStateName, string> = {
  ACTIVE: "Trading normally.",
  REDUCING: "Only exits are allowed; no new positions are opened.",
  HALTED: "Nothing is traded.",
};

export function TradingStateBadge({ state, reason }: { state: TradingStateName | undefined; reason: string | null | undefined }) {
  if (!state) return <Tag data-testid="trading-state-badge">—</Tag>;
  return (
    <Tooltip title={reason ? `${STATE_HELP[state]} Reason: ${reason}` : STATE_HELP[state]}>
      <Tag color={STATE_COLOR[state]} variant="filled" data-testid="trading-state-badge" data-state={state} style={{ fontWeight: 600 }}>
        {state}
      </Tag>
    </Tooltip>
  );
}

type Health = "success" | "warning" | "error" | "processing" | "default";

/** Socket connection of this browser plus the server's own market-data feed state, in one indicator. */
export function feedHealth(connection: SocketConnection, feed: FeedState | undefined): { status: Health; label: string } {
  if (connection === "connecting") return { status: "processing", label: "Connecting" };
  if (connection === "disconnected") return { status: "error", label: "Offline" };
  switch (feed) {
    case "live":
      // Neutral, never green: a green "Live" next to PAPER reads as live trading.
      return { status: "default", label: "Prices live" };
    case "connecting":
      return { status: "processing", label: "Feed starting" };
    case "reconnecting":
      return { status: "warning", label: "Feed reconnecting" };
    case "down":
      return { status: "error", label: "Feed down" };
    default:
      return { status: "warning", label: "Feed unknown" };
  }
}

export function FeedStatus({
  connection,
  feed,
  lastMessageAgeMs,
}: {
  connection: SocketConnection;
  feed: FeedState | undefined;
  lastMessageAgeMs: number | null | undefined;
}) {
  const health = feedHealth(connection, feed);
  const tip = [
    `Dashboard connection: ${connection}`,
    `Market feed: ${feed ?? "unknown"}`,
    isNum(lastMessageAgeMs) ? `Last market message ${formatDuration(lastMessageAgeMs)} ago` : null,
  ]
    .filter(Boolean)
    .join(" · ");
  return (
    <Tooltip title={tip}>
      <span data-testid="feed-status" data-connection={connection} data-feed={feed ?? "unknown"} style={{ whiteSpace: "nowrap" }}>
        <Badge status={health.status} text={health.label} />
      </span>
    </Tooltip>
  );
}

/**
 * The start-up phase while the engine loads its market history: "Warming up 3/10 symbols" (on a phone
 * "3/10"), the phase in the tooltip; nothing once every symbol is warm.
 */
export function WarmupBadge({ warmup }: { warmup: WarmupDto | null | undefined }) {
  const view = warmupView(warmup);
  if (!view) return null;
  return (
    <Tooltip title={view.tooltip}>
      <Tag
        data-testid="warmup-badge"
        data-done={view.done}
        data-total={view.total}
        role="status"
        aria-label={`${view.label}. ${view.tooltip}`}
        style={{ ...solid(BADGES.warmup), whiteSpace: "nowrap" }}
      >
        <span className="hide-phone">Warming up </span>
        {view.done}/{view.total}
        <span className="hide-narrow"> symbols</span>
      </Tag>
    </Tooltip>
  );
}
