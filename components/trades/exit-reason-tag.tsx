import { Tag } from "antd";

const COLOR: Record<string, string> = {
  take_profit: "green",
  stop_loss: "red",
  trailing_stop: "orange",
  atr_stop: "red",
  signal: "blue",
  manual: "default",
  kill_switch: "magenta",
  session_end: "default",
  unlock: "default",
  liquidation_guard: "volcano",
  // The venue (or a futures backtest) liquidated the position: margin lost, not the bot's decision.
  liquidation: "red",
};

export function ExitReasonTag({ reason }: { reason: string | null | undefined }) {
  if (!reason) return <span>—</span>;
  return (
    <Tag color={COLOR[reason] ?? "default"} style={{ marginInlineEnd: 0 }}>
      {reason.replace(/_/g, " ")}
    </Tag>
  );
}
