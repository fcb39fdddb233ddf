/** Dark, dense, calm. Green profit, red loss, blue neutral, yellow warnings. */
export const COLORS = {
  profit: "#49aa19",
  loss: "#dc4446",
  neutral: "#1668dc",
  warning: "#d89614",
  muted: "#8c8c8c",
  background: "#0b1220",
  panel: "#111a2e",
} as const;
