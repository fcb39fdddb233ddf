"use client";

import { useQuery } from "@tanstack/react-query";
import { Typography } from "antd";
import { FEATURE_MISSING, useFeatures } from "../hooks/use-features";
import { qk } from "../lib/query-keys";
import { formatNumber, formatPrice, formatTime, quantityDecimals } from "../lib/format";
import type { MarketTradeDto } from "../lib/types";
import { COLORS } from "../shell/colors";

/** The venue's latest public trades of a symbol, newest first, pushed by `market:trade` events. */
export function TradesTape({ symbol }: { symbol: string | undefined }) {
  const features = useFeatures();
  // Written only by the feed (components/lib/feed-apply.ts); there is no REST source to fetch.
  const tape = useQuery({ queryKey: qk.tape(symbol ?? ""), queryFn: () => [] as MarketTradeDto[], enabled: false, initialData: [] as MarketTradeDto[] });
  if (!features.has("feed.trades")) {
    return (
      <Typography.Text type="secondary" data-testid="trades-tape-unavailable">
        Trades tape: {FEATURE_MISSING}
      </Typography.Text>
    );
  }
  const prints = tape.data ?? [];
  if (prints.length === 0) return <Typography.Text type="secondary">Waiting for trades…</Typography.Text>;
  const dp = quantityDecimals(prints.map((p) => p.quantity));
  const ref = prints[0]?.price;
  return (
    <table data-testid="trades-tape" style={{ width: "100%", fontSize: 12, borderCollapse: "collapse" }}>
      <thead>
        <tr style={{ color: COLORS.muted }}>
          <th style={{ textAlign: "left", fontWeight: 400 }}>Time</th>
          <th style={{ textAlign: "right", fontWeight: 400 }}>Price</th>
          <th style={{ textAlign: "right", fontWeight: 400 }}>Size</th>
        </tr>
      </thead>
      <tbody>
        {prints.map((p, i) => (
          <tr key={`${p.timestamp}-${i}`} data-testid="tape-print">
            <td className="num" style={{ color: COLORS.muted }}>{formatTime(p.timestamp)}</td>
            <td className="num" style={{ textAlign: "right", color: p.side === "sell" ? COLORS.loss : p.side === "buy" ? COLORS.profit : undefined }}>
              {formatPrice(p.price, ref)}
            </td>
            <td className="num" style={{ textAlign: "right" }}>{formatNumber(p.quantity, dp)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
