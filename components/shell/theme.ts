import { theme, type ThemeConfig } from "antd";

import { COLORS } from "./colors";

export { COLORS };

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
