"use client";

import { Segmented, Table, Tag, Typography, type TableColumnsType } from "antd";
import { useState, type HTMLAttributes } from "react";
import { formatDateTime } from "../lib/format";
import type { RiskEventDto, RiskEventKind } from "../lib/types";
import { useRiskEvents } from "../hooks/use-risk";
import { Num } from "../ui/num";
import { Panel } from "../ui/panel";
import { QueryState } from "../ui/query-state";

const KIND_COLOR: Record<RiskEventKind, string> = { denial: "orange", state_change: "blue", warning: "gold", breaker: "red", kill_switch: "magenta" };
const SEVERITY_COLOR: Record<string, string> = { info: "default", warn: "warning", warning: "warning", error: "error", critical: "error" };
const KINDS: ("" | RiskEventKind)[] = ["", "denial", "warning", "breaker", "state_change", "kill_switch"];

export function RiskEvents() {
  const [kind, setKind] = useState<"" | RiskEventKind>("");
  const events = useRiskEvents(200, kind);
  const columns: TableColumnsType<RiskEventDto> = [
    { title: "Time", key: "t", width: 170, render: (_, e) => <Num>{formatDateTime(e.timestamp)}</Num> },
    { title: "Kind", key: "kind", width: 110, render: (_, e) => <Tag color={KIND_COLOR[e.kind] ?? "default"}>{e.kind.replace("_", " ")}</Tag> },
    { title: "Severity", key: "sev", width: 90, render: (_, e) => <Tag color={SEVERITY_COLOR[e.severity] ?? "default"}>{e.severity}</Tag> },
    { title: "Code", key: "code", width: 200, render: (_, e) => <Num>{e.code}</Num> },
    { title: "Reason", dataIndex: "message", key: "message" },
  ];
  return (
    <Panel
      title="Risk events"
      extra={
        <Segmented<"" | RiskEventKind>
          size="small"
          value={kind}
          onChange={setKind}
          options={KINDS.map((k) => ({ value: k, label: k === "" ? "all" : k.replace("_", " ") }))}
        />
      }
    >
      <QueryState query={events} what="Risk events" isEmpty={events.data?.length === 0}>
        <div data-testid="risk-events-table">
          <Table<RiskEventDto>
            size="small"
            rowKey="id"
            columns={columns}
            dataSource={events.data}
            pagination={{ pageSize: 25, size: "small", showSizeChanger: false }}
            expandable={{
              rowExpandable: (e) => !!e.data && Object.keys(e.data).length > 0,
              expandedRowRender: (e) => (
                <Typography.Paragraph className="num" style={{ margin: 0, whiteSpace: "pre-wrap", fontSize: 12 }}>
                  {JSON.stringify(e.data, null, 2)}
                </Typography.Paragraph>
              ),
            }}
            onRow={(e) => ({ "data-testid": `risk-event-${e.id}`, "data-kind": e.kind }) as HTMLAttributes<HTMLElement>}
          />
        </div>
      </QueryState>
    </Panel>
  );
}
