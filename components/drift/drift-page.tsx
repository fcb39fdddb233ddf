"use client";

import { Col, Descriptions, Row, Segmented, Table, Tag, Typography } from "antd";
import { useMemo, useState } from "react";
import { useDrift } from "../golive/use-go-live";
import { useMarketNow } from "../hooks/use-market-now";
import { formatDateTime, formatDuration, formatNumber, formatPrice, formatSignedMoney } from "../lib/format";
import type { DriftMode, DriftRow } from "../lib/types";
import { Panel } from "../ui/panel";
import { QueryState } from "../ui/query-state";

const RANGES = { "1 h": 3_600_000, "24 h": 86_400_000, "7 d": 7 * 86_400_000, "30 d": 30 * 86_400_000 } as const;
type RangeKey = keyof typeof RANGES;

function leg(row: DriftRow, mode: DriftMode) {
  const l = row.legs[mode];
  if (!l) return <Typography.Text type="secondary">–</Typography.Text>;
  if (!l.filled) return <Tag color="red">{l.status}</Tag>;
  return (
    <span className="num">
      {formatPrice(l.fillPrice)} · {formatNumber(l.slippageBps, 1)} bps · fee {formatNumber(l.fee, 4)}
      {l.delayMs !== null ? ` · ${formatDuration(l.delayMs)}` : ""}
    </span>
  );
}

/** What paper did not tell you: paper and live (and backtest) side by side for the same signals. */
export function DriftPage() {
  const now = useMarketNow(60_000) ?? 0;
  const [range, setRange] = useState<RangeKey>("24 h");
  // Rounded to the minute so the query key does not change on every render.
  const to = Math.ceil(now / 60_000) * 60_000 || 1;
  const from = Math.max(0, to - RANGES[range]);
  const drift = useDrift(from, to);
  const d = drift.data;
  const modes = useMemo(() => (d ? (Object.keys(d.byMode) as DriftMode[]) : []), [d]);
  return (
    <Row gutter={[12, 12]}>
      <Col span={24}>
        <Panel title="Drift: paper against live" testId="drift-panel" extra={<Segmented size="small" options={Object.keys(RANGES)} value={range} onChange={(v) => setRange(v as RangeKey)} />}>
          <QueryState query={drift} what="Drift" rows={3} isEmpty={!!d && d.rows.length === 0} empty="No signal was traded in two modes in this window. Paper books the live signals in its shadow; run live (on a testnet or the simulator) to compare.">
            {d && (
              <>
                <Descriptions size="small" column={{ xs: 1, lg: 2 }} data-testid="drift-summary">
                  {modes.map((m) => (
                    <Descriptions.Item key={m} label={m}>
                      <span className="num" data-testid={`drift-summary-${m}`}>
                        {d.byMode[m]!.filled}/{d.byMode[m]!.orders} filled · slippage mean {formatNumber(d.byMode[m]!.slippageBps.mean, 1)} bps, p90 {formatNumber(d.byMode[m]!.slippageBps.p90, 1)} · fees {formatNumber(d.byMode[m]!.fees, 4)} · P&L {formatSignedMoney(d.byMode[m]!.pnl)}
                      </span>
                    </Descriptions.Item>
                  ))}
                  <Descriptions.Item label="Cumulative gap (live − paper)">
                    <span className="num" style={{ whiteSpace: "nowrap" }} data-testid="drift-cumulative-gap">{formatSignedMoney(d.cumulativeGap)}</span>
                  </Descriptions.Item>
                  <Descriptions.Item label="Filled in one mode only">
                    <span data-testid="drift-filled-only">{Object.entries(d.filledOnlyIn).map(([m, n]) => `${m} ${n}`).join(", ") || "none"}</span>
                  </Descriptions.Item>
                </Descriptions>
                <Table<DriftRow>
                  size="small"
                  rowKey="signalId"
                  data-testid="drift-rows"
                  dataSource={d.rows}
                  pagination={{ pageSize: 50, hideOnSinglePage: true }}
                  onRow={(r) => ({ "data-testid": `drift-row-${r.signalId}` }) as never}
                  columns={[
                    { title: "Signal", dataIndex: "at", render: (v: number, r) => `${formatDateTime(v)} ${r.side} ${r.symbol} @ ${formatPrice(r.signalPrice)}` },
                    { title: "Paper", render: (_, r) => leg(r, "paper") },
                    { title: "Live", render: (_, r) => leg(r, "live") },
                    { title: "P&L paper / live", render: (_, r) => <span className="num">{formatSignedMoney(r.legs.paper?.pnl)} / {formatSignedMoney(r.legs.live?.pnl)}</span> },
                    { title: "Gap", dataIndex: "pnlGap", render: (v: number | null, r) => (r.filledOnlyIn ? <Tag color="orange">{r.filledOnlyIn} only</Tag> : <span className="num">{formatSignedMoney(v)}</span>) },
                    { title: "Cumulative", dataIndex: "cumulativeGap", render: (v: number) => <span className="num">{formatSignedMoney(v)}</span> },
                  ]}
                />
                <Typography.Text type="secondary">
                  Slippage (bps, positive = worse than the signal price):{" "}
                  {d.slippageHistogram.map((h) => `${h.bucketBps}…${h.bucketBps + 5}: paper ${h.paper}, live ${h.live}`).join(" · ") || "no fill"}
                </Typography.Text>
              </>
            )}
          </QueryState>
        </Panel>
      </Col>
    </Row>
  );
}
