import { Tag, Tooltip } from "antd";

/** Says so whenever data comes from the built-in simulator rather than a market. */
export function SimulatedTag({ simulated, what = "data" }: { simulated: boolean | undefined; what?: string }) {
  if (!simulated) return null;
  return (
    <Tooltip title={`This ${what} comes from the built-in market simulator, not from an exchange.`}>
      <Tag color="purple" data-testid="simulated-tag" style={{ marginInlineEnd: 0 }}>
        SIMULATED
      </Tag>
    </Tooltip>
  );
}
