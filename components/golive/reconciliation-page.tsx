"use client";

import { App, Button, Col, Flex, InputNumber, Popconfirm, Row, Table, Tag, Input, Typography } from "antd";
import { useState } from "react";
import { errorMessage } from "../lib/api";
import { formatQty } from "../lib/format";
import type { ReconciliationAction, ReconciliationRow } from "../lib/types";
import { Panel } from "../ui/panel";
import { QueryState } from "../ui/query-state";
import { useReconciliation, useReconciliationAction } from "./use-go-live";

const STATUS_COLOR = { matched: "green", unknown: "orange", missing: "red", ignored: "default" } as const;
const ACTION_LABEL: Record<ReconciliationAction, string> = { adopt: "Adopt", close: "Close", ignore: "Ignore", mark_closed: "Mark closed", cancel: "Cancel order" };

function RowActions({ row }: { row: ReconciliationRow }) {
  const act = useReconciliationAction();
  const { message } = App.useApp();
  const [stop, setStop] = useState<number | null>(null);
  const [reason, setReason] = useState("");
  const run = (action: ReconciliationAction) =>
    act.mutate(
      { key: row.key, action, ...(action === "adopt" && stop !== null ? { stopLoss: stop } : {}), ...(reason ? { reason } : {}) },
      { onSuccess: () => void message.success(`${ACTION_LABEL[action]}: done (audited)`), onError: (e) => void message.error(errorMessage(e)) },
    );
  return (
    <Flex gap={6} wrap>
      {row.actions.map((a) => (
        <Popconfirm
          key={a}
          title={`${ACTION_LABEL[a]} ${row.asset ?? row.symbol}?`}
          description={
            <Flex vertical gap={6} style={{ maxWidth: 300 }}>
              {a === "adopt" && <InputNumber data-testid="reconciliation-stop" placeholder="Stop price" value={stop} onChange={(v) => setStop(v)} style={{ width: "100%" }} />}
              <Input data-testid="reconciliation-reason" placeholder={a === "mark_closed" ? "What happened at the venue (required)" : "Reason (optional)"} value={reason} onChange={(e) => setReason(e.target.value)} />
              <Typography.Text type="secondary">Recorded in the audit log.</Typography.Text>
            </Flex>
          }
          okText={ACTION_LABEL[a]}
          okButtonProps={{ "data-testid": `reconciliation-confirm-${a}`, loading: act.isPending } as never}
          onConfirm={() => run(a)}
        >
          <Button size="small" data-testid={`reconciliation-${a}-${row.key}`}>
            {ACTION_LABEL[a]}
          </Button>
        </Popconfirm>
      ))}
    </Flex>
  );
}

/** The venue against the ledger, per asset and open order, with what a person may do about each difference. */
export function ReconciliationPage() {
  const panel = useReconciliation();
  const p = panel.data;
  return (
    <Row gutter={[12, 12]}>
      <Col span={24}>
        <Panel title="Reconciliation: venue against ledger (live)" testId="reconciliation-panel">
          <QueryState query={panel} what="Reconciliation" rows={3}>
            {p && (
              <>
                <Typography.Paragraph data-testid="reconciliation-counts">
                  {p.counts.matched} matched · {p.counts.unknown} unknown at the venue · {p.counts.missing} missing at the venue · {p.counts.ignored} ignored
                </Typography.Paragraph>
                <Table<ReconciliationRow>
                  size="small"
                  rowKey="key"
                  dataSource={p.rows}
                  pagination={false}
                  onRow={(r) => ({ "data-testid": `reconciliation-row-${r.key}`, "data-status": r.status }) as never}
                  columns={[
                    { title: "What", render: (_, r) => (r.kind === "asset" ? r.asset : `${r.order?.side} ${r.symbol} (${r.order?.id})`) },
                    { title: "Venue", dataIndex: "venue", render: (v: number) => <span className="num">{formatQty(v)}</span> },
                    { title: "Ledger", dataIndex: "ledger", render: (v: number) => <span className="num">{formatQty(v)}</span> },
                    { title: "Status", dataIndex: "status", render: (s: ReconciliationRow["status"]) => <Tag color={STATUS_COLOR[s]}>{s}</Tag> },
                    { title: "Detail", dataIndex: "message" },
                    // Wide enough for the three buttons of an unknown row on one line.
                    { title: "", width: 210, render: (_, r) => <RowActions row={r} /> },
                  ]}
                />
              </>
            )}
          </QueryState>
        </Panel>
      </Col>
    </Row>
  );
}
