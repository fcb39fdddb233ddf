"use client";

import { Badge, Tag, Tooltip } from "antd";
import type { FeedState, Mode, TradingStateName, VenueInfo } from "../lib/types";
import type { SocketConnection } from "../lib/socket";
import { formatDuration, isNum } from "../lib/format";

const MODE_COLOR: Record<Mode, string> = { ghost: "default", paper: "blue", live: "volcano" };
const MODE_HELP: Record<Mode, string> = {
  ghost: "Ghost: signals only; hypothetical trades, no orders are placed.",
  paper: "Paper: orders are filled by the simulator against live prices; no money moves.",
  live: "Live: orders are sent to the venue.",
};

export function ModeBadge({ mode }: { mode: Mode | undefined }) {
  if (!mode) return <Tag data-testid="mode-badge">—</Tag>;
  return (
    <Tooltip title={MODE_HELP[mode]}>
      <Tag color={MODE_COLOR[mode]} variant="solid" data-testid="mode-badge" data-mode={mode} style={{ fontWeight: 600 }}>
        {mode.toUpperCase()}
      </Tag>
    </Tooltip>
  );
}

const VENUE_COLOR: Record<VenueInfo["label"], string> = { SIMULATED: "purple", TESTNET: "gold", "REAL MONEY": "red" };

export function VenueBadge({ venue }: { venue: VenueInfo | undefined }) {
  if (!venue) return <Tag data-testid="venue-badge">—</Tag>;
  const help = venue.simulated
    ? "Prices and fills come from the built-in simulator."
    : venue.testnet
      ? `Exchange testnet (${venue.id}): test funds only.`
      : `${venue.id}: real funds are at stake.`;
  return (
    <Tooltip title={help}>
      <Tag
        color={VENUE_COLOR[venue.label] ?? "default"}
        variant={venue.label === "REAL MONEY" ? "solid" : "filled"}
        data-testid="venue-badge"
        data-venue={venue.label}
        style={{ fontWeight: 600 }}
      >
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

type Health = "success" | "warning" | "error" | "processing";

/** Socket connection of this browser plus the server's own market-data feed state, in one indicator. */
export function feedHealth(connection: SocketConnection, feed: FeedState | undefined): { status: Health; label: string } {
  if (connection === "connecting") return { status: "processing", label: "Connecting" };
  if (connection === "disconnected") return { status: "error", label: "Offline" };
  switch (feed) {
    case "live":
      return { status: "success", label: "Live" };
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
