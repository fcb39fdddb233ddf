import { Tooltip } from "antd";
import { COLORS } from "../shell/colors";
import type { ReactNode } from "react";

/** One line of text cut to a width, in full in a tooltip: for reasons and messages in dense tables. */
export function Clipped({ text, maxWidth = 320, danger, secondary = true, children }: { text: string | null | undefined; maxWidth?: number; danger?: boolean; secondary?: boolean; children?: ReactNode }) {
  if (!text) return <span>—</span>;
  return (
    <Tooltip title={text}>
      <span
        style={{
          display: "inline-block",
          maxWidth,
          overflow: "hidden",
          textOverflow: "ellipsis",
          whiteSpace: "nowrap",
          verticalAlign: "bottom",
          color: danger ? COLORS.loss : secondary ? "rgba(255,255,255,0.55)" : undefined,
        }}
      >
        {children ?? text}
      </span>
    </Tooltip>
  );
}
