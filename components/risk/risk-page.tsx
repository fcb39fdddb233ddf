"use client";

import { Col, Flex, Row, Typography } from "antd";
import { useRisk } from "../hooks/use-risk";
import { TradingStateBadge } from "../shell/status-badges";
import { Panel } from "../ui/panel";
import { QueryState } from "../ui/query-state";
import { LimitsForm } from "./limits-form";
import { RiskEvents } from "./risk-events";
import { RiskUsageBars } from "./risk-usage";

export function RiskPage() {
  const risk = useRisk();
  const r = risk.data;
  return (
    <Flex vertical gap={12}>
      <Typography.Title level={5} style={{ margin: 0 }}>
        Risk
      </Typography.Title>
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={10}>
          <Flex vertical gap={12}>
            <Panel title="Trading state">
              <QueryState query={risk} what="Risk" rows={1}>
                <Flex align="center" gap={12} data-testid="risk-trading-state">
                  <TradingStateBadge state={r?.tradingState} reason={r?.reason} />
                  <Typography.Text type="secondary">{r?.reason ?? "No restriction in force."}</Typography.Text>
                </Flex>
              </QueryState>
            </Panel>
            <Panel title="Limit usage">
              <QueryState query={risk} what="Limit usage" isEmpty={r?.usage.length === 0} rows={6}>
                {r && <RiskUsageBars usage={r.usage} />}
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
        <Col span={24}>
          <RiskEvents />
        </Col>
      </Row>
    </Flex>
  );
}
