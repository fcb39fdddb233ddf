"use client";

import { Flex, Select, Table, Tag, Tooltip, Typography, type TableColumnsType } from "antd";
import Link from "next/link";
import { useState } from "react";
import { ALERT_KINDS, type AlertKind, type AlertLogEntry, type AlertSeverity, type Delivery } from "@/server/alerts/types";
import { formatDateTime } from "../lib/format";
import { Num } from "../ui/num";
import { Panel } from "../ui/panel";
import { QueryState } from "../ui/query-state";
import { useAlertLog } from "./use-alerts";

const SEVERITY_COLOR: Record<AlertSeverity, string> = { critical: "red", warning: "orange", info: "blue" };
const DELIVERY_COLOR: Record<Delivery["status"], string> = {
  sent: "green",
  failed: "red",
  pending: "processing",
  deduplicated: "default",
  rate_limited: "gold",
  quiet_hours: "purple",
  not_routed: "default",
};
const DELIVERY_LABEL: Record<Delivery["status"], string> = {
  sent: "sent",
  failed: "failed",
  pending: "sending",
  deduplicated: "deduplicated",
  rate_limited: "held back (hourly limit)",
  quiet_hours: "held back (quiet hours)",
  not_routed: "not routed",
};

/** The alert log: everything the bot told (or would have told) its owner, and on which channel. */
export function AlertsPage() {
  const [kind, setKind] = useState<AlertKind | undefined>();
  const [severity, setSeverity] = useState<AlertSeverity | undefined>();
  const log = useAlertLog({ kind, severity });

  const columns: TableColumnsType<AlertLogEntry> = [
    { title: "Time", key: "at", width: 170, render: (_, e) => <Num>{formatDateTime(e.at)}</Num> },
    { title: "Severity", key: "severity", width: 90, render: (_, e) => <Tag color={SEVERITY_COLOR[e.severity]}>{e.severity}</Tag> },
    { title: "Kind", dataIndex: "kind", key: "kind", width: 150, render: (k: string) => <Typography.Text code>{k}</Typography.Text> },
    {
      title: "Alert",
      key: "title",
      render: (_, e) => (
        <Flex vertical gap={2}>
          <Typography.Text strong>{e.title}</Typography.Text>
          <Typography.Text type="secondary" style={{ whiteSpace: "pre-line", fontSize: 12 }}>
            {e.text}
          </Typography.Text>
          {e.repeats > 0 && <Typography.Text type="secondary" style={{ fontSize: 12 }}>+{e.repeats} identical alert(s) folded into this one</Typography.Text>}
        </Flex>
      ),
    },
    {
      title: "Delivered",
      key: "deliveries",
      width: 260,
      render: (_, e) =>
        e.deliveries.length === 0 ? (
          <Typography.Text type="secondary">{e.kind === "command" ? "command (logged only)" : "no channel"}</Typography.Text>
        ) : (
          <Flex wrap gap={4}>
            {e.deliveries.map((d) => (
              <Tooltip key={d.channelId} title={d.error ?? `${d.attempts} attempt(s)`}>
                <Tag color={DELIVERY_COLOR[d.status]} data-testid={`delivery-${d.kind}-${d.status}`}>
                  {d.channelName}: {DELIVERY_LABEL[d.status]}
                  {d.attempts > 1 ? ` ×${d.attempts}` : ""}
                </Tag>
              </Tooltip>
            ))}
          </Flex>
        ),
    },
  ];

  return (
    <Flex vertical gap={12}>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={5} style={{ margin: 0 }}>
          Alerts
        </Typography.Title>
        <Flex gap={8} wrap>
          <Select<AlertKind>
            allowClear
            size="small"
            placeholder="Any kind"
            style={{ width: 180 }}
            value={kind}
            onChange={setKind}
            options={ALERT_KINDS.map((k) => ({ value: k, label: k }))}
            data-testid="alerts-kind-filter"
          />
          <Select<AlertSeverity>
            allowClear
            size="small"
            placeholder="Any severity"
            style={{ width: 140 }}
            value={severity}
            onChange={setSeverity}
            options={(["critical", "warning", "info"] as const).map((s) => ({ value: s, label: s }))}
          />
        </Flex>
      </Flex>
      <Panel testId="alerts-log">
        <QueryState
          query={log}
          what="Alerts"
          isEmpty={log.data?.length === 0}
          empty={
            <Typography.Text type="secondary">
              No alerts yet. Add a Telegram, e-mail or webhook channel in <Link href="/settings">Settings → Alerts</Link> and press &quot;Send test&quot;.
            </Typography.Text>
          }
        >
          <Table<AlertLogEntry> size="small" rowKey="id" columns={columns} dataSource={log.data} pagination={{ pageSize: 50, hideOnSinglePage: true }} scroll={{ x: 900 }} />
        </QueryState>
      </Panel>
    </Flex>
  );
}
