"use client";

import { Flex, Tag, Tooltip, Typography } from "antd";
import Link from "next/link";
import { useSymbolNames } from "../hooks/use-market";
import type { Timeframe } from "../lib/types";
import { Num } from "../ui/num";
import { QueryState } from "../ui/query-state";
import { REGIME_TEXT, edgeVerdict, formatProbability, formatShare, leanColor, regimeColor } from "./insights-format";
import { useInsights } from "./use-insights";

/**
 * Compact insights for the overview: regime, indicator lean, the model's probability with its
 * out-of-sample accuracy next to the majority guess, and the first reasons. Links to /insights.
 * Without a `symbol` it shows the venue's first symbol.
 */
export function InsightsPanel({ symbol, timeframe = "5m", reasons = 2 }: { symbol?: string; timeframe?: Timeframe; reasons?: number }) {
  const symbols = useSymbolNames();
  const market = symbol ?? symbols.data?.[0];
  const insights = useInsights(market, timeframe);
  const d = insights.data;
  return (
    <QueryState query={insights} what="Insights" rows={3}>
      {d && (
        <Flex vertical gap={6} data-testid="insights-panel">
          <Flex gap={6} wrap align="center">
            <Typography.Text strong>
              {d.symbol} {d.timeframe}
            </Typography.Text>
            <Tooltip title={d.regime.rule}>
              <Tag color={regimeColor(d.regime.label)}>{REGIME_TEXT[d.regime.label]}</Tag>
            </Tooltip>
            <Tooltip title={d.consensus.net.rule}>
              <Tag color={leanColor(d.consensus.net.lean)}>
                indicators {d.consensus.net.lean} ({d.consensus.net.bullish}/{d.consensus.net.bearish})
              </Tag>
            </Tooltip>
          </Flex>
          {d.model ? (
            <Tooltip title={`Out of sample it ${edgeVerdict(d.model.outOfSample).text}.`}>
              <Typography.Text>
                P(higher in {d.model.horizon}) <Num>{formatProbability(d.model.probability)}</Num> · OOS accuracy <Num>{formatShare(d.model.outOfSample.accuracy)}</Num> vs{" "}
                <Num>{formatShare(d.model.outOfSample.majorityAccuracy)}</Num> majority
                {d.model.significant ? "" : " (no significant edge)"}
              </Typography.Text>
            </Tooltip>
          ) : (
            <Typography.Text type="secondary">No model trained for this market yet.</Typography.Text>
          )}
          {d.reasons.slice(0, reasons).map((r) => (
            <Typography.Text key={r} type="secondary" style={{ fontSize: 12 }}>
              {r}
            </Typography.Text>
          ))}
          <Link href="/insights">All insights →</Link>
        </Flex>
      )}
    </QueryState>
  );
}
