"use client";

import { Col, Flex, Row, Typography } from "antd";
import { useState } from "react";
import type { Mode } from "../lib/types";
import { useCurrentMode } from "../hooks/use-status";
import { ModePicker } from "../ui/mode-picker";
import { Panel } from "../ui/panel";
import { OrderTicket } from "./order-ticket";
import { OrdersTable } from "./orders-table";
import { PositionsTable } from "./positions-table";

export function PositionsPage() {
  const current = useCurrentMode();
  const [picked, setPicked] = useState<Mode | null>(null);
  const mode = picked ?? current;
  return (
    <Flex vertical gap={12}>
      <Flex align="center" gap={12} wrap>
        <Typography.Title level={5} style={{ margin: 0 }}>
          Positions and orders
        </Typography.Title>
        <ModePicker value={mode} current={current} onChange={setPicked} />
      </Flex>
      <Panel title="Open positions">
        <PositionsTable mode={mode} />
      </Panel>
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={14}>
          <Panel title={`Order ticket${current ? ` (${current} mode)` : ""}`} testId="order-ticket-panel">
            {mode && current && mode !== current ? (
              <Typography.Text type="secondary">
                Manual orders go to the current mode ({current}). Switch the view back to {current} to place one.
              </Typography.Text>
            ) : (
              <OrderTicket />
            )}
          </Panel>
        </Col>
        <Col span={24}>
          <OrdersTable mode={mode} />
        </Col>
      </Row>
    </Flex>
  );
}
