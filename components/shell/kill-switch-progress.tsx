"use client";

import { Alert, Descriptions, Steps, Tag, Typography } from "antd";
import type { KillSwitchStatusDto } from "../lib/types";
import { formatDateTime, formatDuration, formatInt } from "../lib/format";
import { Num } from "../ui/num";
import { describeItem, itemReason, phaseLabel, stageOf, stepIndex, STEPS } from "./kill-switch-phase";

export { describeItem };

/** One remaining order or position: what it is, then why the kill switch could not clear it. */
function RemainingItem({ kind, item }: { kind: "order" | "position"; item: unknown }) {
  const reason = itemReason(item);
  return (
    <li className="num" data-testid={`kill-switch-remaining-${kind}`}>
      {kind} {describeItem(item, { withReason: false })}
      {reason && (
        <>
          {" — "}
          <strong data-testid="kill-switch-remaining-reason" style={{ overflowWrap: "anywhere" }}>
            {reason}
          </strong>
        </>
      )}
    </li>
  );
}

export function KillSwitchProgress({ status }: { status: KillSwitchStatusDto }) {
  const stage = stageOf(status.phase);
  const accountPhases = Object.values(status.accounts ?? {}).map((a) => a?.phase);
  const current = stepIndex(status.phase, accountPhases);
  const remainingOrders = status.remaining?.orders ?? [];
  const remainingPositions = status.remaining?.positions ?? [];
  const errors = status.errors ?? [];
  const flatten = status.action === "flatten";

  return (
    <div data-testid="kill-switch-progress" data-phase={status.phase} data-stage={stage}>
      <Steps
        size="small"
        current={current}
        status={stage === "failed" ? "error" : stage === "done" ? "finish" : "process"}
        items={STEPS.map((title) => ({ title }))}
        style={{ marginBottom: 12 }}
      />
      <Descriptions size="small" column={2} bordered>
        <Descriptions.Item label="Action">{status.action === "stop-entries" ? "Stop new entries" : flatten ? "Flatten everything" : "—"}</Descriptions.Item>
        <Descriptions.Item label="Phase">
          <span data-testid="kill-switch-phase">{phaseLabel(status.phase)}</span>
        </Descriptions.Item>
        <Descriptions.Item label="Orders cancelled">
          <Num testId="kill-switch-orders-cancelled">{formatInt(status.ordersCancelled)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Positions closed">
          <Num testId="kill-switch-positions-closed">{formatInt(status.positionsClosed)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Venue confirmed flat">
          <span data-testid="kill-switch-flat-confirmed" data-flat={status.flatConfirmed ? "true" : "false"}>
            {status.flatConfirmed ? <Tag color="success">FLAT CONFIRMED</Tag> : <Tag color={flatten ? "warning" : "default"}>{flatten ? "not yet" : "not requested"}</Tag>}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label="Duration">
          <Num>{formatDuration(status.durationMs)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Started">
          <Num>{formatDateTime(status.startedAt)}</Num>
        </Descriptions.Item>
        <Descriptions.Item label="Finished">
          <Num>{formatDateTime(status.finishedAt)}</Num>
        </Descriptions.Item>
      </Descriptions>
      {(remainingOrders.length > 0 || remainingPositions.length > 0) && (
        <Alert
          style={{ marginTop: 12 }}
          type="warning"
          showIcon
          data-testid="kill-switch-remaining"
          title={`Remaining: ${remainingOrders.length} order(s), ${remainingPositions.length} position(s)`}
          description={
            <ul style={{ margin: 0, paddingInlineStart: 18 }}>
              {remainingOrders.map((o, i) => (
                <RemainingItem key={`o${i}`} kind="order" item={o} />
              ))}
              {remainingPositions.map((p, i) => (
                <RemainingItem key={`p${i}`} kind="position" item={p} />
              ))}
            </ul>
          }
        />
      )}
      {errors.length > 0 && (
        <Alert
          style={{ marginTop: 12 }}
          type="error"
          showIcon
          data-testid="kill-switch-errors"
          title={`${errors.length} error(s)`}
          description={
            <ul style={{ margin: 0, paddingInlineStart: 18 }}>
              {errors.map((e, i) => (
                <li key={i}>
                  <Typography.Text type="danger">{describeItem(e)}</Typography.Text>
                </li>
              ))}
            </ul>
          }
        />
      )}
    </div>
  );
}
