import { Tag } from "antd";
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

export function OutcomeTag({ outcome }: { outcome: SignalDto["outcome"] }) {
  if (outcome === "win") return <Tag color="success" style={{ marginInlineEnd: 0 }}>WIN</Tag>;
  if (outcome === "loss") return <Tag color="error" style={{ marginInlineEnd: 0 }}>LOSS</Tag>;
  if (outcome === "open") return <Tag color="processing" style={{ marginInlineEnd: 0 }}>OPEN</Tag>;
  return <span>—</span>;
}
