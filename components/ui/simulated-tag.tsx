import { Tag, Tooltip } from "antd";
import { BADGES } from "../shell/colors";

/** Says so whenever data comes from the built-in simulator rather than a market (12 px, 8.8:1 contrast). */
export function SimulatedTag({ simulated, what = "data" }: { simulated: boolean | undefined; what?: string }) {
  if (!simulated) return null;
  return (
    <Tooltip title={`This ${what} comes from the built-in market simulator, not from an exchange.`}>
      <Tag
        data-testid="simulated-tag"
        style={{ marginInlineEnd: 0, fontSize: 12, fontWeight: 600, background: BADGES.simulated.background, color: BADGES.simulated.color, borderColor: BADGES.simulated.border }}
      >
        SIMULATED
      </Tag>
    </Tooltip>
  );
}
