"use client";

import { Alert, Button, Flex, Table, Tag, Tooltip, Typography, type TableColumnsType } from "antd";
import type { RankedPairDto as RankedPair, StrategyFileProblemDto as StrategyFileProblem, StrategyKindDto as StrategyKindInfo, StrategyRuntimeFaultDto as StrategyRuntimeFault } from "../lib/types";
import { formatDateTime } from "../lib/format";
import { Num } from "../ui/num";
import { Panel } from "../ui/panel";
import { QueryError } from "../ui/query-state";
import { usePairList, useRefreshPairs, useStrategyKindsReport } from "./use-strategies-page";

const where = (p: { name: string; line?: number; column?: number }) => `${p.name}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ""}` : ""}`;

const kindColumns: TableColumnsType<StrategyKindInfo> = [
  { title: "Kind", dataIndex: "kind", key: "kind", render: (k: string) => <Typography.Text code>{k}</Typography.Text> },
  { title: "Name", dataIndex: "title", key: "title" },
  { title: "Source", key: "source", render: (_, k) => (k.source === "user" ? <Tooltip title={k.file}><Tag color="blue">your file</Tag></Tooltip> : <Tag>built-in</Tag>) },
  { title: "Timeframe", dataIndex: "defaultTimeframe", key: "tf" },
  { title: "Parameters", key: "params", render: (_, k) => k.params.map((p) => p.name).join(", ") || "—" },
  { title: "Rules", dataIndex: "description", key: "description", ellipsis: { showTitle: true } },
];

const errorColumns: TableColumnsType<StrategyFileProblem> = [
  { title: "File", key: "file", render: (_, e) => <Typography.Text code data-testid="strategy-error-where">{where(e)}</Typography.Text> },
  { title: "Step", dataIndex: "phase", key: "phase", render: (p: string) => <Tag color="error">{p}</Tag> },
  { title: "Problem", dataIndex: "message", key: "message" },
];

const faultColumns: TableColumnsType<StrategyRuntimeFault> = [
  { title: "When", key: "at", render: (_, f) => formatDateTime(f.at) },
  { title: "Instance", dataIndex: "instanceId", key: "instance" },
  { title: "File", key: "file", render: (_, f) => <Typography.Text code>{where(f)}</Typography.Text> },
  { title: "Problem", key: "message", render: (_, f) => (f.stopped ? <>{f.message} <Tag color="error">stopped</Tag></> : f.message) },
];

const fixed = (n: number | null | undefined, d = 2) => (n === null || n === undefined || !Number.isFinite(n) ? "—" : n.toLocaleString("en-US", { maximumFractionDigits: d }));

const pairColumns: TableColumnsType<RankedPair> = [
  { title: "#", dataIndex: "rank", key: "rank", width: 48, render: (r: number | null) => <Num>{r ?? "—"}</Num> },
  { title: "Pair", dataIndex: "symbol", key: "symbol", render: (s: string, p) => (p.selected ? <Tag color="success">{s}</Tag> : s) },
  { title: "Score", dataIndex: "score", key: "score", align: "right", render: (v: number | null) => <Num>{fixed(v, 1)}</Num> },
  { title: "24 h volume", dataIndex: "quoteVolume", key: "vol", align: "right", render: (v: number) => <Num>{fixed(v, 0)}</Num> },
  { title: "Spread (bps)", dataIndex: "spreadBps", key: "spread", align: "right", render: (v: number) => <Num>{fixed(v)}</Num> },
  { title: "Depth ±1 %", dataIndex: "depthQuote", key: "depth", align: "right", render: (v: number) => <Num>{fixed(v, 0)}</Num> },
  { title: "ATR %", dataIndex: "atrPct", key: "atr", align: "right", render: (v: number) => <Num>{fixed(v)}</Num> },
  { title: "Why", dataIndex: "reason", key: "reason" },
];

export function StrategiesPage() {
  const report = useStrategyKindsReport();
  const pairs = usePairList();
  const refresh = useRefreshPairs();
  const data = report.data;
  return (
    <Flex vertical gap={12} data-testid="strategies-page">
      <Typography.Title level={5} style={{ margin: 0 }}>
        Strategies
      </Typography.Title>
      {report.isError && <QueryError error={report.error} what="Strategy kinds" />}
      {data && data.errors.length > 0 && (
        <Alert type="error" showIcon title={`${data.errors.length} strategy file${data.errors.length > 1 ? "s" : ""} did not load`} description="The server keeps running without them. Fix the file and restart (npm run dev reloads on save)." />
      )}
      <Panel
        title="Loaded strategies"
        extra={data ? <Typography.Text type="secondary">your files: {data.dir}{data.present ? "" : " (folder not found)"}</Typography.Text> : null}
        testId="strategy-kinds"
      >
        <Table size="small" rowKey="kind" loading={report.isPending} columns={kindColumns} dataSource={data?.kinds ?? []} pagination={false} />
        <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
          New strategy: <Typography.Text code>npm run strategy:new -- my-breakout</Typography.Text>, then <Typography.Text code>npm run strategy:check -- my-breakout</Typography.Text>. See strategies/README.md.
        </Typography.Paragraph>
      </Panel>
      {data && data.errors.length > 0 && (
        <Panel title="Files that did not load" testId="strategy-errors">
          <Table size="small" rowKey={(e) => e.file} columns={errorColumns} dataSource={data.errors} pagination={false} />
        </Panel>
      )}
      {data && data.faults.length > 0 && (
        <Panel title="Recent failures while running" testId="strategy-faults">
          <Table size="small" rowKey={(f) => `${f.instanceId}-${f.at}-${f.message}`} columns={faultColumns} dataSource={data.faults} pagination={{ pageSize: 10 }} />
        </Panel>
      )}
      <Panel
        title="Pair list"
        extra={
          <Flex gap={8} align="center">
            {pairs.data && <Typography.Text type="secondary">ranked {formatDateTime(pairs.data.at)} · top {pairs.data.thresholds.top} selected</Typography.Text>}
            <Button size="small" loading={refresh.isPending} onClick={() => refresh.mutate()} data-testid="pairs-refresh">
              Refresh
            </Button>
          </Flex>
        }
        testId="pair-list"
      >
        {pairs.isError ? (
          <QueryError error={pairs.error} what="Pair list" />
        ) : (
          <Table size="small" rowKey="symbol" loading={pairs.isPending} columns={pairColumns} dataSource={pairs.data?.pairs ?? []} pagination={false} />
        )}
        <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
          Liquidity (volume, spread, depth) and volatility (ATR % near the target) make the score; pairs that fail a threshold are listed with the reason; the whitelist always wins.
        </Typography.Paragraph>
      </Panel>
    </Flex>
  );
}
