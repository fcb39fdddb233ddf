"use client";

import { Col, Descriptions, Flex, Row, Table, Tag, Typography, type TableColumnsType } from "antd";
import { COLORS } from "../shell/colors";
import { formatDateTime, formatDuration, formatInt, formatLatency, formatNumber, formatUptime, isNum } from "../lib/format";
import type { HealthReconciliationDto, StatusDto, StreamDto } from "../lib/types";
import { useHealth, useSystem } from "../hooks/use-system";
import { useFeed } from "../lib/socket";
import { useStatus } from "../hooks/use-status";
import { Num } from "../ui/num";
import { Panel } from "../ui/panel";
import { QueryState } from "../ui/query-state";

const STATE_COLOR: Record<string, string> = { live: "success", connecting: "processing", reconnecting: "warning", down: "error" };

/** A candle older than two of its periods is late; without the timeframe, 2 minutes is the alarm for 1m feeds. */
const STALE_CANDLE_MS = 120_000;

function StateTag({ state }: { state: string | undefined }) {
  if (!state) return <span>—</span>;
  return <Tag color={STATE_COLOR[state] ?? "default"}>{state}</Tag>;
}

/** The reconciliation as the page shows it: /api/health's (with findings) when it answered, else /api/status's summary. */
type ReconciliationView = HealthReconciliationDto | NonNullable<StatusDto["reconciliation"]>;

const RECON_COLOR: Record<string, string> = { ok: "success", degraded: "warning", failed: "error" };

function ReconciliationPanel({ value }: { value: ReconciliationView | null | undefined }) {
  const detailed = value && "findings" in value ? value : null;
  const state = detailed?.status ?? (value ? (value.ok ? "ok" : "failed") : undefined);
  const findings = detailed?.findings ?? [];
  return (
    <Panel title={<span>Reconciliation with the venue {state && <Tag color={RECON_COLOR[state] ?? "default"} data-testid="system-reconciliation-status">{state}</Tag>}</span>}>
      <div data-testid="system-reconciliation">
        <Typography.Text type={state && state !== "ok" ? "warning" : "secondary"}>{value?.message ?? "not run yet"}</Typography.Text>
        {findings.map((f, i) => (
          <div key={i} style={{ padding: "4px 0", borderBottom: "1px solid rgba(255,255,255,0.06)" }}>
            <Tag color={f.severity === "critical" ? "error" : "warning"}>{f.kind}</Tag>
            <Typography.Text type={f.severity === "critical" ? "danger" : undefined}>{f.message}</Typography.Text>
          </div>
        ))}
      </div>
    </Panel>
  );
}

export function SystemPage() {
  const system = useSystem();
  const status = useStatus();
  const health = useHealth();
  const feed = useFeed();
  const s = system.data;
  const feedState = status.data?.feed.state;
  const venueErrors = s?.venue.errors ?? [];

  const streamColumns: TableColumnsType<StreamDto> = [
    { title: "Symbol", dataIndex: "symbol", key: "symbol" },
    { title: "Stream", key: "stream", render: (_, x) => x.stream },
    { title: "State", key: "state", render: (_, x) => <StateTag state={x.state} /> },
    { title: "Last message", key: "age", align: "right", render: (_, x) => <Num>{isNum(x.lastMessageAgeMs) ? `${formatDuration(x.lastMessageAgeMs)} ago` : "—"}</Num> },
    { title: "Latency", key: "lat", align: "right", render: (_, x) => <Num>{formatLatency(x.latencyMs)}</Num> },
    { title: "Failures", key: "fail", align: "right", render: (_, x) => <Num>{formatInt(x.failures)}</Num> },
    { title: "Reconnects", key: "rc", align: "right", render: (_, x) => <Num>{formatInt(x.reconnects)}</Num> },
  ];

  const candleAges = Object.entries(s?.feed.lastCandleAgeMs ?? {}).map(([symbol, age]) => ({ symbol, age }));

  return (
    <Flex vertical gap={12}>
      <Flex align="center" gap={12}>
        <Typography.Title level={5} style={{ margin: 0 }}>
          System
        </Typography.Title>
        <Typography.Text type="secondary">refreshes every 5 s{system.dataUpdatedAt ? ` · last ${formatDateTime(system.dataUpdatedAt)}` : ""}</Typography.Text>
      </Flex>
      <QueryState query={system} what="System" rows={10}>
        {s && (
          <Row gutter={[12, 12]} data-testid="system-page">
            <Col xs={24} lg={12} xl={8}>
              <Panel title="Process">
                <Descriptions size="small" column={1}>
                  <Descriptions.Item label="Uptime">
                    <Num testId="system-uptime">{formatUptime(s.uptimeS)}</Num>
                  </Descriptions.Item>
                  <Descriptions.Item label="Memory (RSS)">
                    <Num>{formatNumber(s.memory.rssMb, 0)} MB</Num>
                  </Descriptions.Item>
                  <Descriptions.Item label="Heap used">
                    <Num>{formatNumber(s.memory.heapUsedMb, 0)} MB</Num>
                  </Descriptions.Item>
                  <Descriptions.Item label="Database">
                    <span data-testid="system-db">
                      {s.db.kind} <Tag color={s.db.ok ? "success" : "error"}>{s.db.ok ? "ok" : "down"}</Tag>
                      <Num>{formatLatency(s.db.latencyMs)}</Num>
                    </span>
                  </Descriptions.Item>
                  <Descriptions.Item label="Dashboard feed">
                    <Tag color={feed.connection === "connected" ? "success" : "error"}>{feed.connection}</Tag>
                    {feed.serverVersion && <Num>server {feed.serverVersion}</Num>}
                  </Descriptions.Item>
                </Descriptions>
              </Panel>
            </Col>
            <Col xs={24} lg={12} xl={8}>
              <Panel title="Venue">
                <Descriptions size="small" column={1}>
                  <Descriptions.Item label="Venue">
                    {s.venue.id} <Tag>{s.venue.label}</Tag>
                  </Descriptions.Item>
                  <Descriptions.Item label="Order latency p50">
                    <Num testId="system-order-latency-p50">{formatLatency(s.venue.orderLatencyMs?.p50)}</Num>
                  </Descriptions.Item>
                  <Descriptions.Item label="Order latency p99">
                    <Num>{formatLatency(s.venue.orderLatencyMs?.p99)}</Num>
                  </Descriptions.Item>
                  <Descriptions.Item label="Orders measured">
                    <Num>{formatInt(s.venue.orderLatencyMs?.count)}</Num>
                  </Descriptions.Item>
                  <Descriptions.Item label="Recent errors">
                    <Num style={{ color: venueErrors.length ? COLORS.loss : undefined }}>{formatInt(venueErrors.length)}</Num>
                  </Descriptions.Item>
                </Descriptions>
              </Panel>
            </Col>
            <Col xs={24} lg={12} xl={8}>
              <Panel title="Engine">
                <Descriptions size="small" column={1}>
                  <Descriptions.Item label="Candles processed">
                    <Num>{formatInt(s.engine.candles)}</Num>
                  </Descriptions.Item>
                  <Descriptions.Item label="Signals">
                    <Num>{formatInt(s.engine.signals)}</Num>
                  </Descriptions.Item>
                  <Descriptions.Item label="Orders">
                    <Num>{formatInt(s.engine.orders)}</Num>
                  </Descriptions.Item>
                  <Descriptions.Item label="Risk denials">
                    <Num>{formatInt(s.engine.denials)}</Num>
                  </Descriptions.Item>
                  <Descriptions.Item label="Candle → order p50">
                    <Num>{formatLatency(s.engine.lastCandleToOrderMs?.p50)}</Num>
                  </Descriptions.Item>
                  <Descriptions.Item label="Candle → order p99">
                    <Num>{formatLatency(s.engine.lastCandleToOrderMs?.p99)}</Num>
                  </Descriptions.Item>
                </Descriptions>
              </Panel>
            </Col>
            <Col xs={24} xl={14}>
              <Panel title={<span>Market feed <StateTag state={feedState} /></span>}>
                <div data-testid="system-streams">
                  <Table<StreamDto>
                    size="small"
                    rowKey={(x) => `${x.symbol}-${x.stream}`}
                    columns={streamColumns}
                    dataSource={s.feed.streams}
                    pagination={false}
                    locale={{ emptyText: "No streams" }}
                  />
                </div>
              </Panel>
            </Col>
            <Col xs={24} xl={10}>
              <Panel title="Last candle age">
                <div data-testid="system-candle-ages">
                  <Table<{ symbol: string; age: number | null }>
                    size="small"
                    rowKey="symbol"
                    pagination={false}
                    dataSource={candleAges}
                    locale={{ emptyText: "No candles yet" }}
                    columns={[
                      { title: "Symbol", dataIndex: "symbol", key: "symbol" },
                      {
                        title: "Age",
                        key: "age",
                        align: "right",
                        render: (_, x) => (
                          <Num style={{ color: isNum(x.age) && x.age > STALE_CANDLE_MS ? COLORS.warning : undefined }}>
                            {isNum(x.age) ? formatDuration(x.age) : "—"}
                          </Num>
                        ),
                      },
                    ]}
                  />
                </div>
              </Panel>
            </Col>
            <Col span={24}>
              <ReconciliationPanel value={health.data?.engine.reconciliation ?? status.data?.reconciliation} />
            </Col>
            <Col span={24}>
              <Panel title="Venue errors">
                {venueErrors.length === 0 ? (
                  <Typography.Text type="secondary">No venue errors.</Typography.Text>
                ) : (
                  <div data-testid="system-venue-errors">
                    {venueErrors.map((e, i) => (
                      <div key={i} style={{ padding: "4px 0", borderBottom: "1px solid rgba(255,255,255,0.06)" }}>
                        <Num style={{ color: COLORS.muted, marginInlineEnd: 8 }}>{formatDateTime(e.at)}</Num>
                        <Typography.Text type="danger">{e.message}</Typography.Text>
                      </div>
                    ))}
                  </div>
                )}
              </Panel>
            </Col>
          </Row>
        )}
      </QueryState>
    </Flex>
  );
}
