import { theme, type ThemeConfig } from "antd";

import { BADGES, COLORS } from "./colors";

export { COLORS };

export const darkTheme: ThemeConfig = {
  algorithm: [theme.darkAlgorithm, theme.compactAlgorithm],
  token: {
    colorPrimary: COLORS.neutral,
    colorSuccess: COLORS.profit,
    // Solid red carries white text (5.1:1); red text uses the lighter loss colour (5.4:1 on the panel).
    colorError: COLORS.lossSolid,
    colorErrorText: COLORS.loss,
    colorWarning: COLORS.warning,
    colorBgBase: COLORS.background,
    colorBgLayout: COLORS.background,
    colorBgContainer: COLORS.panel,
    colorTextSecondary: "rgba(255,255,255,0.65)",
    colorTextDescription: "rgba(255,255,255,0.65)",
    fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
    fontFamilyCode: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    borderRadius: 4,
  },
  components: {
    // The active page in the menu: white on deep blue (10:1) instead of blue on near-black (2.2:1).
    Menu: {
      itemSelectedColor: BADGES.menuSelected.color,
      itemSelectedBg: BADGES.menuSelected.background,
      itemColor: "rgba(255,255,255,0.78)",
    },
  },
};
