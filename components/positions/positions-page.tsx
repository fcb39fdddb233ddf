"use client";

import { Flex, Typography } from "antd";
import { useState } from "react";
import type { Mode } from "../lib/types";
import { useCurrentMode } from "../hooks/use-status";
import { ModePicker } from "../ui/mode-picker";
import { Panel } from "../ui/panel";
import { OrdersTable } from "./orders-table";
import { PositionsTable } from "./positions-table";

export function PositionsPage() {
  const current = useCurrentMode();
  const [picked, setPicked] = useState<Mode | null>(null);
  const mode = picked ?? current;
  return (
    <Flex vertical gap={12}>
      <Flex align="center" gap={12}>
        <Typography.Title level={5} style={{ margin: 0 }}>
          Positions and orders
        </Typography.Title>
        <ModePicker value={mode} current={current} onChange={setPicked} />
      </Flex>
      <Panel title="Open positions">
        <PositionsTable mode={mode} />
      </Panel>
      <OrdersTable mode={mode} />
    </Flex>
  );
}
