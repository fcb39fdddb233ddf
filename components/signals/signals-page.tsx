"use client";

import { Col, Flex, Row, Statistic, Table, Typography, type TableColumnsType } from "antd";
import { useState, type HTMLAttributes } from "react";
import { formatDateTime, formatInt, formatPct, formatPlainPct, formatPrice, formatStat } from "../lib/format";
import type { Mode, SignalDto } from "../lib/types";
import { useCurrentMode } from "../hooks/use-status";
import { useSignals, useSignalStats } from "../hooks/use-trading";
import { ModePicker } from "../ui/mode-picker";
import { Num, Pnl, pnlColor } from "../ui/num";
import { Clipped } from "../ui/clipped";
import { Panel } from "../ui/panel";
import { QueryState } from "../ui/query-state";
import { StrategyName } from "../positions/strategy-name";
import { ExecutionTag, OutcomeTag, SignalActionTag } from "./signal-tags";
import { SampleWarning } from "../ui/sample-warning";

function Stat({ title, value, color, testId, n }: { title: string; value: string; color?: string; testId?: string; n?: number }) {
  return (
    <Statistic
      title={
        <span>
          {title}
          {n !== undefined && <SampleWarning n={n} what="resolved signals" />}
        </span>
      }
      value={value}
      styles={{ content: { fontSize: 18, color, fontVariantNumeric: "tabular-nums" } }}
      data-testid={testId}
    />
  );
}

export function SignalsPage() {
  const current = useCurrentMode();
  const [picked, setPicked] = useState<Mode | null>(null);
  const mode = picked ?? current;
  const signals = useSignals(mode, 200);
  const stats = useSignalStats(mode);
  const s = stats.data;

  const columns: TableColumnsType<SignalDto> = [
    { title: "Time", key: "t", render: (_, x) => <Num>{formatDateTime(x.timestamp)}</Num> },
    { title: "Symbol", dataIndex: "symbol", key: "symbol", render: (v: string) => <strong>{v}</strong> },
    { title: "TF", dataIndex: "timeframe", key: "tf" },
    { title: "Action", key: "action", render: (_, x) => <SignalActionTag action={x.action} /> },
    { title: "Price", key: "price", align: "right", render: (_, x) => <Num>{formatPrice(x.price)}</Num> },
    { title: "Strategy", key: "strategy", render: (_, x) => <StrategyName id={x.strategyInstanceId} /> },
    { title: "Reason", key: "reason", render: (_, x) => <Clipped text={x.reason} maxWidth={300} /> },
    { title: "Executed", key: "execution", render: (_, x) => <ExecutionTag execution={x.execution} /> },
    { title: "Outcome", key: "outcome", render: (_, x) => <OutcomeTag outcome={x.outcome} execution={x.execution} /> },
    { title: "Exit", key: "exit", align: "right", render: (_, x) => <Num>{formatPrice(x.exitPrice, x.price)}</Num> },
    { title: "Result", key: "pct", align: "right", render: (_, x) => <Pnl value={x.outcomePct} kind="pct" /> },
    { title: "Resolved", key: "at", render: (_, x) => <Num>{formatDateTime(x.outcomeAt)}</Num> },
  ];

  return (
    <Flex vertical gap={12}>
      <Flex align="center" gap={12} wrap>
        <Typography.Title level={5} style={{ margin: 0 }}>
          Signals
        </Typography.Title>
        <ModePicker value={mode} current={current} onChange={setPicked} />
        <Typography.Text type="secondary">
          In ghost mode every signal is followed as a hypothetical trade; its outcome is what that trade would have made.
        </Typography.Text>
      </Flex>
      <Panel title="Signal quality">
        <QueryState query={stats} what="Signal statistics" rows={2}>
          {s && (
            <Row gutter={[16, 8]} data-testid="signal-stats">
              <Col xs={12} md={6} xl={3}><Stat title="Signals" value={formatInt(s.total)} /></Col>
              <Col xs={12} md={6} xl={3}><Stat title="Resolved" value={formatInt(s.closed)} /></Col>
              <Col xs={12} md={6} xl={3}><Stat title="Wins / losses" value={`${formatInt(s.wins)} / ${formatInt(s.losses)}`} /></Col>
              <Col xs={12} md={6} xl={3}><Stat n={s.closed} title="Accuracy" value={formatPlainPct(s.accuracy, 1)} testId="signal-accuracy" /></Col>
              <Col xs={12} md={6} xl={3}><Stat n={s.closed} title="Avg win" value={formatPct(s.avgWinPct)} color={pnlColor(s.avgWinPct)} /></Col>
              <Col xs={12} md={6} xl={3}><Stat n={s.closed} title="Avg loss" value={formatPct(s.avgLossPct === null ? null : -Math.abs(s.avgLossPct))} color={pnlColor(s.avgLossPct === null ? null : -Math.abs(s.avgLossPct))} /></Col>
              <Col xs={12} md={6} xl={3}><Stat n={s.closed} title="Expectancy" value={formatPct(s.expectancyPct)} color={pnlColor(s.expectancyPct)} testId="signal-expectancy" /></Col>
              <Col xs={12} md={6} xl={3}><Stat n={s.closed} title="Profit factor" value={formatStat(s.profitFactor)} testId="signal-profit-factor" /></Col>
            </Row>
          )}
        </QueryState>
      </Panel>
      <Panel title="Signals">
        <QueryState query={signals} what="Signals" isEmpty={signals.data?.length === 0}>
          <div data-testid="signals-table">
            <Table<SignalDto>
              size="small"
              rowKey="id"
              columns={columns}
              dataSource={signals.data}
              pagination={{ pageSize: 50, size: "small", showSizeChanger: false }}
              scroll={{ x: "max-content" }}
              onRow={(x) => ({ "data-testid": `signal-row-${x.id}` }) as HTMLAttributes<HTMLElement>}
            />
          </div>
        </QueryState>
      </Panel>
    </Flex>
  );
}
