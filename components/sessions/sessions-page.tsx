"use client";

import { Alert, App, Button, Col, Descriptions, Flex, Form, Input, InputNumber, Progress, Row, Select, Table, Tag, Typography, type TableColumnsType } from "antd";
import { useMemo } from "react";
import { useSymbols } from "../hooks/use-market";
import { useMarketNow } from "../hooks/use-market-now";
import { useStrategyKinds } from "../hooks/use-settings";
import { errorMessage } from "../lib/api";
import { formatDateTime, formatMoney, formatPlainPct, toEpochMs } from "../lib/format";
import { TIMEFRAMES, type SessionConfigDto, type SessionDto, type SessionReportDto, type SessionReportSummaryDto } from "../lib/types";
import { COLORS } from "../shell/colors";
import { Num, Pnl } from "../ui/num";
import { Panel } from "../ui/panel";
import { QueryState } from "../ui/query-state";
import { SampleWarning } from "../ui/sample-warning";
import { countdownText, SESSION_DEFAULTS, sessionProgress } from "./session-defaults";
import { reportUrl, useSessions, useStartSession, useStopSession } from "./use-sessions";

const END_REASON: Record<string, string> = {
  profit_target: "profit target reached",
  max_loss: "loss limit reached",
  time: "time is up",
  manual: "stopped by hand",
};

interface FormValues {
  name: string;
  capital: number;
  durationMin: number;
  symbols: string[];
  kind: string;
  timeframe: string;
  stopLossPct: number;
  takeProfitPct: number;
  maxPositionQuote: number;
  maxOpenPositions: number;
  profitTarget: number;
  maxLoss: number;
}

function StartForm({ running }: { running: boolean }) {
  const [form] = Form.useForm<FormValues>();
  const symbols = useSymbols();
  const kinds = useStrategyKinds();
  const start = useStartSession();
  const { message } = App.useApp();
  const d = SESSION_DEFAULTS;
  const initial: FormValues = {
    name: d.name,
    capital: d.capital,
    durationMin: d.durationMin,
    symbols: d.symbols,
    kind: d.strategy.kind,
    timeframe: d.strategy.timeframe,
    stopLossPct: d.stopLossPct,
    takeProfitPct: d.takeProfitPct,
    maxPositionQuote: d.maxPositionQuote,
    maxOpenPositions: d.maxOpenPositions,
    profitTarget: d.profitTarget,
    maxLoss: d.maxLoss,
  };

  const submit = (v: FormValues) => {
    // The plan's parameters for its own strategy; another kind starts from that kind's defaults.
    const kind = kinds.data?.find((k) => k.kind === v.kind);
    const params =
      v.kind === d.strategy.kind ? d.strategy.params : Object.fromEntries((kind?.params ?? []).filter((p) => p.default !== undefined).map((p) => [p.name, p.default]));
    const config: SessionConfigDto = {
      name: v.name,
      capital: v.capital,
      durationMin: v.durationMin,
      symbols: v.symbols,
      strategy: { kind: v.kind, params, timeframe: v.timeframe },
      stopLossPct: v.stopLossPct,
      takeProfitPct: v.takeProfitPct,
      maxPositionQuote: v.maxPositionQuote,
      maxOpenPositions: v.maxOpenPositions,
      profitTarget: v.profitTarget,
      maxLoss: v.maxLoss,
    };
    start.mutate(config, { onSuccess: (s) => void message.success(`Session started: ${s.config?.name ?? v.name}`) });
  };

  const num = (name: keyof FormValues, label: string, extra?: { min?: number; step?: number; suffix?: string; int?: boolean }) => (
    <Col xs={12} md={8}>
      <Form.Item name={name} label={label} rules={[{ required: true, message: `${label} is needed` }]}>
        <InputNumber<number> min={extra?.min ?? 0} step={extra?.step} precision={extra?.int ? 0 : undefined} suffix={extra?.suffix} style={{ width: "100%" }} data-testid={`session-${name}`} />
      </Form.Item>
    </Col>
  );

  return (
    <Form<FormValues> form={form} layout="vertical" size="small" initialValues={initial} onFinish={submit} data-testid="session-form" requiredMark={false}>
      <Row gutter={8}>
        <Col xs={24} md={12}>
          <Form.Item name="name" label="Name" rules={[{ required: true }]}>
            <Input data-testid="session-name" />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="symbols" label="Symbols" rules={[{ required: true, type: "array", min: 1 }]}>
            <Select mode="multiple" options={(symbols.data ?? []).map((s) => ({ value: s.symbol, label: s.symbol }))} data-testid="session-symbols" />
          </Form.Item>
        </Col>
        <Col xs={12} md={8}>
          <Form.Item name="kind" label="Strategy">
            <Select options={(kinds.data ?? [{ kind: d.strategy.kind, title: d.strategy.kind }]).map((k) => ({ value: k.kind, label: k.title || k.kind }))} data-testid="session-kind" />
          </Form.Item>
        </Col>
        <Col xs={12} md={8}>
          <Form.Item name="timeframe" label="Timeframe">
            <Select options={TIMEFRAMES.map((t) => ({ value: t, label: t }))} data-testid="session-timeframe" />
          </Form.Item>
        </Col>
        {num("durationMin", "Duration (market minutes)", { min: 1, int: true, suffix: "min" })}
        {num("capital", "Capital", { suffix: "USDT" })}
        {num("profitTarget", "Profit target", { suffix: "USDT" })}
        {num("maxLoss", "Loss limit", { suffix: "USDT" })}
        {num("stopLossPct", "Stop loss", { step: 0.1, suffix: "%" })}
        {num("takeProfitPct", "Take profit", { step: 0.1, suffix: "%" })}
        {num("maxPositionQuote", "Max position", { suffix: "USDT" })}
        {num("maxOpenPositions", "Max open positions", { min: 1, int: true })}
      </Row>
      {start.isError && <Alert type="error" showIcon title={`Could not start: ${errorMessage(start.error)}`} style={{ marginBottom: 8 }} data-testid="session-start-error" />}
      <Flex gap={8} align="center" wrap>
        <Button type="primary" htmlType="submit" loading={start.isPending} data-testid="session-start">
          Start session
        </Button>
        <Button onClick={() => form.resetFields()}>Plan&apos;s defaults</Button>
        {running && <Typography.Text type="secondary">A session is running; another one runs beside it under the same account limits.</Typography.Text>}
      </Flex>
    </Form>
  );
}

function RunningSession({ session }: { session: SessionDto }) {
  const now = useMarketNow(1_000);
  const stop = useStopSession();
  const { modal } = App.useApp();
  const endsAt = toEpochMs(session.endsAt);
  const left = endsAt !== null && now !== null ? endsAt - now : null;
  const total = session.pnl?.total ?? null;
  const { toTarget, toLoss } = sessionProgress(total, session.config.profitTarget, session.config.maxLoss);
  return (
    <div data-testid={`session-running-${session.id}`} data-session-id={session.id} className="session-running">
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Text strong>{session.config.name ?? "Session"}</Typography.Text>
        <Tag color="processing" style={{ marginInlineEnd: 0 }}>
          running · {session.mode}
        </Tag>
      </Flex>
      <Descriptions size="small" column={{ xs: 2, sm: 4 }} colon={false} style={{ marginTop: 8 }}>
        <Descriptions.Item label="Time left (market clock)">
          <Num testId="session-countdown">{left === null ? "—" : countdownText(left)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="P&L">
          <Pnl value={total} testId="session-pnl" />
        </Descriptions.Item>
        <Descriptions.Item label="Realized / open">
          <Pnl value={session.pnl?.realized} /> / <Pnl value={session.pnl?.unrealized} />
        </Descriptions.Item>
        <Descriptions.Item label="Positions">
          <Num testId="session-open-positions">{session.pnl?.openPositions ?? "—"}</Num>
        </Descriptions.Item>
      </Descriptions>
      <div>
        <Typography.Text type="secondary">
          To the profit target of {formatMoney(session.config.profitTarget)}: {formatPlainPct(toTarget * 100, 0)}
        </Typography.Text>
        <Progress percent={toTarget * 100} showInfo={false} strokeColor={COLORS.profit} size="small" data-testid="session-progress-target" aria-label="progress to the profit target" />
        <Typography.Text type="secondary">
          To the loss limit of {formatMoney(session.config.maxLoss)}: {formatPlainPct(toLoss * 100, 0)}
        </Typography.Text>
        <Progress percent={toLoss * 100} showInfo={false} strokeColor={COLORS.loss} size="small" data-testid="session-progress-loss" aria-label="progress to the loss limit" />
      </div>
      <Button
        danger
        size="small"
        loading={stop.isPending}
        data-testid="session-stop"
        onClick={() =>
          modal.confirm({
            title: "End this session now?",
            content: "It stops entering, closes its positions at market and writes its report.",
            okText: "End session",
            okButtonProps: { danger: true, "data-testid": "session-stop-confirm" } as never,
            onOk: () => stop.mutateAsync(session.id),
          })
        }
      >
        End now
      </Button>
      {stop.isError && <Typography.Text type="danger"> {errorMessage(stop.error)}</Typography.Text>}
    </div>
  );
}

/** The report's summary (the contract's SessionReportDto; a report of an older version may lack fields). */
function summaryOf(s: SessionDto): Partial<SessionReportSummaryDto> | null {
  const r = s.report as Partial<Pick<SessionReportDto, "summary">> | null | undefined;
  return r && typeof r === "object" && r.summary ? r.summary : null;
}

function EndedSessions({ sessions }: { sessions: SessionDto[] }) {
  const columns: TableColumnsType<SessionDto> = [
    { title: "Session", key: "name", render: (_, s) => <strong>{s.config.name ?? s.id}</strong> },
    { title: "Ended", key: "ended", render: (_, s) => <Num>{formatDateTime(s.endedAt)}</Num> },
    { title: "Why", key: "why", render: (_, s) => <span data-testid="session-end-reason">{END_REASON[s.endReason ?? ""] ?? s.endReason ?? "—"}</span> },
    { title: "P&L", key: "pnl", align: "right", render: (_, s) => <Pnl value={summaryOf(s)?.totalPnl} testId="session-report-pnl" /> },
    { title: "Return", key: "ret", align: "right", render: (_, s) => <Pnl value={summaryOf(s)?.returnPct} kind="pct" /> },
    {
      title: "Trades (won)",
      key: "trades",
      align: "right",
      render: (_, s) => {
        const r = summaryOf(s);
        return (
          <Num>
            {r?.trades ?? "—"} ({r?.winRate == null ? "—" : formatPlainPct(r.winRate, 0)})
            <SampleWarning n={r?.trades} what="trades" />
          </Num>
        );
      },
    },
    {
      title: "Report",
      key: "report",
      render: (_, s) =>
        s.report ? (
          <Flex gap={6} wrap>
            <a href={reportUrl(s.id, "csv")} download data-testid={`session-report-csv-${s.id}`}>
              trades CSV
            </a>
            <a href={reportUrl(s.id, "hourly")} download>
              hourly CSV
            </a>
            <a href={reportUrl(s.id, "json")} download>
              JSON
            </a>
          </Flex>
        ) : (
          "—"
        ),
    },
  ];
  return (
    <div data-testid="sessions-ended">
      <Table<SessionDto>
        size="small"
        rowKey="id"
        columns={columns}
        dataSource={sessions}
        pagination={{ pageSize: 10, size: "small", hideOnSinglePage: true }}
        scroll={{ x: "max-content" }}
        onRow={(s) => ({ "data-testid": `session-row-${s.id}` }) as React.HTMLAttributes<HTMLElement>}
      />
    </div>
  );
}

/** Trading sessions: start one with the plan's defaults, follow it (countdown, P&L, progress), download its report. */
export function SessionsPage() {
  const sessions = useSessions();
  const running = useMemo(() => (sessions.data ?? []).filter((s) => s.status === "running"), [sessions.data]);
  const ended = useMemo(() => (sessions.data ?? []).filter((s) => s.status !== "running"), [sessions.data]);
  return (
    <Flex vertical gap={12}>
      <Typography.Title level={5} style={{ margin: 0 }}>
        Trading sessions
      </Typography.Title>
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={12}>
          <Panel title="Running" testId="sessions-running">
            <QueryState query={sessions} what="Sessions" isEmpty={running.length === 0} empty={<Typography.Text type="secondary">No session is running.</Typography.Text>}>
              <Flex vertical gap={16}>
                {running.map((s) => (
                  <RunningSession key={s.id} session={s} />
                ))}
              </Flex>
            </QueryState>
          </Panel>
        </Col>
        <Col xs={24} xl={12}>
          <Panel title="Start a session">
            <StartForm running={running.length > 0} />
          </Panel>
        </Col>
        <Col span={24}>
          <Panel title="Ended sessions">
            <QueryState query={sessions} what="Sessions" isEmpty={ended.length === 0} empty={<Typography.Text type="secondary">No session has ended yet.</Typography.Text>}>
              <EndedSessions sessions={ended} />
            </QueryState>
          </Panel>
        </Col>
      </Row>
    </Flex>
  );
}
