/**
 * Dark, dense, calm. Green profit, red loss, blue neutral, yellow warnings.
 * Every text colour here reaches WCAG AA (4.5:1) on both `panel` and `background` (components/shell/contrast.test.ts).
 */
export const COLORS = {
  profit: "#49aa19",
  /** Loss as text: 5.4:1 on the panel (the antd red #dc4446 gives only 4.1:1). */
  loss: "#f0605d",
  /** Solid red behind white text (danger buttons): 5.1:1. */
  lossSolid: "#c93a3c",
  neutral: "#1668dc",
  warning: "#d89614",
  muted: "#9a9a9a",
  background: "#0b1220",
  panel: "#111a2e",
  text: "#e6e6e6",
} as const;

/** Badge palettes (text on fill), each at least 4.5:1. */
export const BADGES = {
  simulated: { background: "#22075e", color: "#d3adf7", border: "#722ed1" },
  testnet: { background: "#3d2c00", color: "#ffd666", border: "#ad8b00" },
  realMoney: { background: "#a8071a", color: "#ffffff", border: "#ff4d4f" },
  paper: { background: "#0958d9", color: "#ffffff", border: "#0958d9" },
  ghost: { background: "#303030", color: "#f0f0f0", border: "#595959" },
  live: { background: "#a8071a", color: "#ffffff", border: "#ff4d4f" },
  /** The start-up warm-up in the header: informational, not a warning. */
  warmup: { background: "#111d2c", color: "#91caff", border: "#15417e" },
  menuSelected: { background: "#1d3f73", color: "#ffffff", border: "#1d3f73" },
} as const;
