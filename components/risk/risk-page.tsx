"use client";

import { Alert, App, Button, Col, Flex, Popconfirm, Row, Typography } from "antd";
import { useRisk, useResetKillSwitch } from "../hooks/use-risk";
import { useMarketNow } from "../hooks/use-market-now";
import { errorMessage } from "../lib/api";
import { formatAgo, formatDateTime } from "../lib/format";
import { TradingStateBadge } from "../shell/status-badges";
import { Panel } from "../ui/panel";
import { QueryState } from "../ui/query-state";
import { LiveRampPanel } from "../golive/live-ramp-panel";
import { LimitsForm } from "./limits-form";
import { RiskEvents } from "./risk-events";
import { RiskUsageBars } from "./risk-usage";
import type { RiskLatchDto } from "./risk-format";
import { useCurrentMode } from "../hooks/use-status";
import { FuturesGauges, PerpPositionRisk } from "./futures-gauges";
import { futuresRiskView } from "./futures-risk";

/** What holds the account, and the one action that lifts it (a person's reset, confirmed and audited). */
function TradingStatePanel() {
  const risk = useRisk();
  const reset = useResetKillSwitch();
  const { message } = App.useApp();
  const now = useMarketNow(10_000);
  const r = risk.data;
  const latches: RiskLatchDto[] = r?.latches ?? [];
  const personal = latches.filter((l) => l.until === null);
  const calendar = latches.filter((l) => l.until !== null);
  const held = r && r.tradingState !== "ACTIVE";
  return (
    <QueryState query={risk} what="Risk" rows={1}>
      <Flex vertical gap={8} data-testid="risk-trading-state" data-state={r?.tradingState}>
        <Flex align="center" gap={12} wrap>
          <TradingStateBadge state={r?.tradingState} reason={r?.reason} />
          <Typography.Text data-testid="risk-reason">{r?.reason ?? "No restriction in force."}</Typography.Text>
        </Flex>
        {latches.length > 0 && (
          <ul style={{ margin: 0, paddingInlineStart: 18 }} data-testid="risk-latches">
            {latches.map((l) => (
              <li key={l.id} data-testid={`risk-latch-${l.id}`} data-code={l.code}>
                <code>{l.code}</code> {l.reason}
                <Typography.Text type="secondary">
                  {" "}
                  · since {now === null ? formatDateTime(l.since) : formatAgo(l.since, now)}
                  {l.until !== null ? ` · lifts by itself ${formatDateTime(l.until)}` : " · until a person resets"}
                </Typography.Text>
              </li>
            ))}
          </ul>
        )}
        {held && (
          <Flex align="center" gap={8} wrap>
            <Popconfirm
              title="Reset trading to ACTIVE?"
              description={
                <div style={{ maxWidth: 320 }}>
                  The bot resumes opening positions under the current limits. This is recorded in the audit log.
                  {calendar.length > 0 && ` Still in force afterwards: ${calendar.map((l) => l.code).join(", ")} (lifts by itself).`}
                </div>
              }
              okText="Yes, reset to ACTIVE"
              okButtonProps={{ "data-testid": "risk-reset-confirm", loading: reset.isPending } as never}
              onConfirm={() =>
                reset
                  .mutateAsync()
                  .then(() => void message.success("Trading state reset"))
                  .catch((err: unknown) => void message.error(`Reset failed: ${errorMessage(err)}`))
              }
            >
              <Button type="primary" data-testid="risk-reset-active" disabled={personal.length === 0 && calendar.length > 0 && latches.length > 0}>
                Reset to ACTIVE…
              </Button>
            </Popconfirm>
            {personal.length === 0 && calendar.length > 0 && (
              <Typography.Text type="secondary">Only calendar limits hold the account: they lift by themselves.</Typography.Text>
            )}
          </Flex>
        )}
        {reset.isError && <Alert type="error" showIcon title={errorMessage(reset.error)} />}
      </Flex>
    </QueryState>
  );
}

export function RiskPage() {
  const risk = useRisk();
  const r = risk.data;
  const mode = useCurrentMode();
  // Futures accounts only (the server sends these fields for TRADING_MARKET=futures): spot sees no change.
  const futures = futuresRiskView(r);
  return (
    <Flex vertical gap={12}>
      <Typography.Title level={5} style={{ margin: 0 }}>
        Risk
      </Typography.Title>
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={10}>
          <Flex vertical gap={12}>
            <Panel title="Trading state">
              <TradingStatePanel />
            </Panel>
            {futures && (
              <Panel title="Futures margin">
                <FuturesGauges view={futures} />
              </Panel>
            )}
            <Panel title="Limit usage">
              <QueryState query={risk} what="Limit usage" isEmpty={r?.usage.length === 0} rows={6}>
                {r && <RiskUsageBars usage={r.usage} latches={r.latches} />}
              </QueryState>
            </Panel>
          </Flex>
        </Col>
        <Col xs={24} xl={14}>
          <Panel title="Tighten limits">
            <QueryState query={risk} what="Limits" rows={6}>
              {r && <LimitsForm limits={r.limits} tighter={r.tighter} />}
            </QueryState>
          </Panel>
        </Col>
        {futures && (
          <Col span={24}>
            <Panel title="Perp positions: leverage and liquidation">
              <PerpPositionRisk mode={mode} thresholds={{ warnPct: futures.liquidation.warnPct, closePct: futures.liquidation.closePct }} />
            </Panel>
          </Col>
        )}
        <Col span={24}>
          <LiveRampPanel />
        </Col>
        <Col span={24}>
          <RiskEvents />
        </Col>
      </Row>
    </Flex>
  );
}
