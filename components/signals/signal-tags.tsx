import { Tag, Tooltip } from "antd";
import type { SignalAction, SignalDto } from "../lib/types";

const ACTION: Record<SignalAction, { label: string; color: string }> = {
  enter_long: { label: "ENTER LONG", color: "green" },
  exit_long: { label: "EXIT LONG", color: "blue" },
  enter_short: { label: "ENTER SHORT", color: "red" },
  exit_short: { label: "EXIT SHORT", color: "blue" },
};

export function SignalActionTag({ action }: { action: SignalAction | string }) {
  const a = ACTION[action as SignalAction] ?? { label: action, color: "default" };
  return (
    <Tag color={a.color} variant="outlined" style={{ marginInlineEnd: 0 }}>
      {a.label}
    </Tag>
  );
}

/** Executed (an order went out) or blocked by the risk engine with its denial code. */
export function ExecutionTag({ execution }: { execution: SignalDto["execution"] }) {
  if (execution === undefined) {
    return (
      <Tooltip title="This server does not report what became of each signal yet.">
        <span data-testid="signal-execution" data-status="unknown">—</span>
      </Tooltip>
    );
  }
  if (!execution) return <span data-testid="signal-execution" data-status="none">—</span>;
  if (execution.status === "blocked") {
    return (
      <Tooltip title={execution.message ?? "refused by the risk engine"}>
        <Tag data-testid="signal-execution" data-status="blocked" data-code={execution.code ?? ""} style={{ marginInlineEnd: 0, background: "#5c0011", color: "#ffccc7", borderColor: "#a8071a" }}>
          BLOCKED{execution.code ? ` · ${execution.code}` : ""}
        </Tag>
      </Tooltip>
    );
  }
  if (execution.status === "executed") {
    return (
      <Tag data-testid="signal-execution" data-status="executed" style={{ marginInlineEnd: 0, background: "#092b00", color: "#b7eb8f", borderColor: "#389e0d" }}>
        EXECUTED
      </Tag>
    );
  }
  return (
    <Tooltip title={execution.message ?? "no order followed"}>
      <Tag data-testid="signal-execution" data-status="skipped" style={{ marginInlineEnd: 0 }}>
        NO ORDER
      </Tag>
    </Tooltip>
  );
}

/** A blocked signal never had a trade: its hypothetical "open" outcome is not shown as if it were one. */
export function OutcomeTag({ outcome, execution }: { outcome: SignalDto["outcome"]; execution?: SignalDto["execution"] }) {
  if (execution?.status === "blocked" && outcome === "open") return <span>—</span>;
  if (outcome === "win") return <Tag color="success" style={{ marginInlineEnd: 0 }}>WIN</Tag>;
  if (outcome === "loss") return <Tag color="error" style={{ marginInlineEnd: 0 }}>LOSS</Tag>;
  if (outcome === "open") return <Tag color="processing" style={{ marginInlineEnd: 0 }}>OPEN</Tag>;
  return <span>—</span>;
}
