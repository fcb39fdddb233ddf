"use client";

import { Alert } from "antd";
import { useFeed } from "../lib/socket";
import { useNow } from "../hooks/use-now";
import { formatDuration } from "../lib/format";

/** Shown while the live feed is down: what is on screen may be stale until it reconnects and refetches. */
export function FeedBanner() {
  const feed = useFeed();
  const now = useNow(1_000);
  if (feed.connection === "connected") return null;
  // Give the first connection a moment before alarming anyone.
  if (!feed.hasConnected && (feed.disconnectedAt === null || now === null || now - feed.disconnectedAt < 3_000)) return null;
  const since = feed.disconnectedAt !== null && now !== null ? ` for ${formatDuration(now - feed.disconnectedAt)}` : "";
  return (
    <Alert
      type="warning"
      banner
      data-testid="feed-banner"
      title={`Live feed disconnected${since}: reconnecting. Figures on screen may be stale; everything is refetched on reconnect.`}
      description={feed.lastError ? `Last error: ${feed.lastError}` : undefined}
    />
  );
}
