"use client";

import { Alert, Descriptions, Steps, Tag, Typography } from "antd";
import type { KillSwitchStatusDto } from "../lib/types";
import { formatDateTime, formatDuration, formatInt } from "../lib/format";
import { Num } from "../ui/num";
import { phaseLabel, stageOf, stepIndex, STEPS } from "./kill-switch-phase";

/** A readable line for an order, position or error the kill switch reports, whatever its exact shape. */
export function describeItem(item: unknown): string {
  if (item === null || item === undefined) return "—";
  if (typeof item === "string" || typeof item === "number") return String(item);
  if (typeof item === "object") {
    const o = item as Record<string, unknown>;
    const parts = [o.mode, o.step, o.symbol, o.side, o.quantity, o.clientOrderId ?? o.id, o.message ?? o.error, o.reason]
      .filter((v) => typeof v === "string" || typeof v === "number")
      .map(String);
    if (parts.length > 0) return parts.join(" · ");
    return JSON.stringify(item);
  }
  return String(item);
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
                <li key={`o${i}`} className="num">order {describeItem(o)}</li>
              ))}
              {remainingPositions.map((p, i) => (
                <li key={`p${i}`} className="num">position {describeItem(p)}</li>
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
