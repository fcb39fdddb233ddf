import { theme, type ThemeConfig } from "antd";

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

export const darkTheme: ThemeConfig = {
  algorithm: [theme.darkAlgorithm, theme.compactAlgorithm],
  token: {
    colorPrimary: COLORS.neutral,
    colorSuccess: COLORS.profit,
    colorError: COLORS.loss,
    colorWarning: COLORS.warning,
    colorBgBase: COLORS.background,
    colorBgLayout: COLORS.background,
    colorBgContainer: COLORS.panel,
    fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
    fontFamilyCode: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    borderRadius: 4,
  },
};
