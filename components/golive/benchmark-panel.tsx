"use client";

import { useQuery } from "@tanstack/react-query";
import { Descriptions, Typography } from "antd";
import { apiFetch } from "../lib/api";
import { formatDateTime, formatPct } from "../lib/format";
import type { BenchmarkDto } from "../lib/types";
import { Panel } from "../ui/panel";
import { QueryState } from "../ui/query-state";

/** Buy-and-hold of the same symbols over the same period, beside the mode's return (performance page). */
export function BenchmarkPanel({ mode }: { mode: string | null | undefined }) {
  const q = useQuery({
    queryKey: ["go-live-benchmark", mode],
    enabled: !!mode,
    queryFn: ({ signal }) => apiFetch<BenchmarkDto>("/api/go-live/benchmark", { query: { mode: mode ?? undefined }, signal }),
    refetchInterval: 60_000,
  });
  const d = q.data;
  return (
    <Panel title="Against buy and hold" testId="benchmark-panel">
      <QueryState query={q} what="Benchmark" rows={2} isEmpty={!!d && d.benchmark === null} empty="Not enough stored prices or equity yet to compare with holding the coins.">
        {d?.benchmark && (
          <>
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={`This mode (${d.mode})`}>
                <span className="num" data-testid="benchmark-strategy">{formatPct(d.strategyReturnPct)}</span>
              </Descriptions.Item>
              <Descriptions.Item label="Buy and hold">
                <span className="num" data-testid="benchmark-hold">{formatPct(d.benchmark.returnPct)}</span>
              </Descriptions.Item>
              {d.benchmark.perSymbol.map((s) => (
                <Descriptions.Item key={s.symbol} label={s.symbol}>
                  <span className="num">{formatPct(s.returnPct)}</span>
                </Descriptions.Item>
              ))}
            </Descriptions>
            <Typography.Text type="secondary">
              {formatDateTime(d.from)} → {formatDateTime(d.to)}, equal parts of the starting equity.
            </Typography.Text>
          </>
        )}
      </QueryState>
    </Panel>
  );
}
