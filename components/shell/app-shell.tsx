"use client";

import {
  AppstoreOutlined,
  AreaChartOutlined,
  BulbOutlined,
  DashboardOutlined,
  DesktopOutlined,
  ExperimentOutlined,
  LineChartOutlined,
  OrderedListOutlined,
  SafetyOutlined,
  ScheduleOutlined,
  SettingOutlined,
  SwapOutlined,
  ThunderboltOutlined,
  WalletOutlined,
} from "@ant-design/icons";
import { Grid, Layout, Menu } from "antd";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { qk } from "../lib/query-keys";
import type { StatusDto } from "../lib/types";
import { FeedProvider } from "../lib/socket";
import { ExitAlarmBanner } from "./exit-alarm-banner";
import { FeedBanner } from "./feed-banner";
import { HeaderBar } from "./header-bar";
import { activeNavKey, NAV_ITEMS } from "./nav-config";
import { COLORS } from "./colors";

const NAV_ICONS: Record<string, ReactNode> = {
  overview: <DashboardOutlined />,
  charts: <AreaChartOutlined />,
  orderbook: <OrderedListOutlined />,
  positions: <WalletOutlined />,
  trades: <SwapOutlined />,
  performance: <LineChartOutlined />,
  signals: <ThunderboltOutlined />,
  sessions: <ScheduleOutlined />,
  backtest: <ExperimentOutlined />,
  insights: <BulbOutlined />,
  risk: <SafetyOutlined />,
  system: <DesktopOutlined />,
  settings: <SettingOutlined />,
};

/** Header, navigation and the live feed around every dashboard page. */
export function AppShell({ children, username, initialStatus = null }: { children: ReactNode; username: string; initialStatus?: StatusDto | null }) {
  const pathname = usePathname() ?? "/";
  const queryClient = useQueryClient();
  // The server's status from the first HTML, before any child asks for it (the feed and polling take over).
  useState(() => {
    if (initialStatus && !queryClient.getQueryData(qk.status)) queryClient.setQueryData(qk.status, initialStatus);
    return null;
  });
  const [collapsed, setCollapsed] = useState(false);
  // Phones: the menu folds away completely (its tab opens it) so the page gets the full width.
  const screens = Grid.useBreakpoint();
  const phone = screens.sm === false;
  return (
    <FeedProvider>
      <Layout style={{ minHeight: "100vh" }}>
        <Layout.Header
          style={{
            position: "sticky",
            top: 0,
            zIndex: 20,
            height: "auto",
            lineHeight: "normal",
            padding: phone ? "0 6px" : "0 16px",
            background: COLORS.panel,
            borderBottom: "1px solid rgba(255,255,255,0.08)",
          }}
        >
          <HeaderBar username={username} />
        </Layout.Header>
        <ExitAlarmBanner />
        <FeedBanner />
        <Layout>
          <Layout.Sider
            collapsible
            collapsed={collapsed}
            onCollapse={setCollapsed}
            breakpoint="xl"
            width={176}
            collapsedWidth={phone ? 0 : 56}
            // On a phone the menu's tab sits at the bottom left, clear of the positions at the top.
            zeroWidthTriggerStyle={phone ? { position: "fixed", top: "auto", bottom: 16, left: 0, zIndex: 30 } : undefined}
            style={{ background: COLORS.panel }}
          >
            <nav data-testid="main-nav">
              <Menu
                mode="inline"
                selectedKeys={[activeNavKey(pathname)]}
                style={{ borderInlineEnd: 0, background: "transparent" }}
                items={NAV_ITEMS.map((item) => ({
                  key: item.key,
                  icon: NAV_ICONS[item.key] ?? <AppstoreOutlined />,
                  label: (
                    <Link href={item.href} data-testid={`nav-${item.key}`}>
                      {item.label}
                    </Link>
                  ),
                  title: item.label,
                }))}
              />
            </nav>
          </Layout.Sider>
          <Layout.Content style={{ padding: phone ? 6 : 12, minWidth: 0 }}>{children}</Layout.Content>
        </Layout>
      </Layout>
    </FeedProvider>
  );
}
