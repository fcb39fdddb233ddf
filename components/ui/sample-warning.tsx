import { Tooltip } from "antd";
import { COLORS } from "../shell/colors";
import { sampleWarning } from "./sample-size";

/** "n=15" in warning colour beside a ratio computed from too few trades or signals. */
export function SampleWarning({ n, what }: { n: number | null | undefined; what: string }) {
  const text = sampleWarning(n, what);
  if (!text) return null;
  return (
    <Tooltip title={text}>
      <span data-testid="sample-warning" aria-label={text} style={{ color: COLORS.warning, fontSize: 11, marginInlineStart: 4, whiteSpace: "nowrap", cursor: "help" }}>
        ⚠ n={n}
      </span>
    </Tooltip>
  );
}
