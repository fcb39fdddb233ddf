"use client";

import { Flex, Tabs, Typography } from "antd";
import { AlertChannelsPanel } from "../alerts/channels-panel";
import { Panel } from "../ui/panel";
import { CredentialsPanel } from "./credentials-panel";
import { ModeSwitch } from "./mode-switch";
import { StrategiesPanel } from "./strategies-panel";
import { TokensPanel } from "./tokens-panel";
import { TotpPanel } from "./totp-panel";

export function SettingsPage() {
  return (
    <Flex vertical gap={12}>
      <Typography.Title level={5} style={{ margin: 0 }}>
        Settings
      </Typography.Title>
      <Panel title="Trading mode">
        <ModeSwitch />
      </Panel>
      <Panel>
        <Tabs
          size="small"
          destroyOnHidden={false}
          items={[
            { key: "strategies", label: "Strategies", children: <StrategiesPanel /> },
            { key: "tokens", label: "API tokens", children: <TokensPanel /> },
            { key: "credentials", label: "Exchange credentials", children: <CredentialsPanel /> },
            { key: "totp", label: "Two-factor", children: <TotpPanel /> },
            { key: "alerts", label: "Alerts", children: <AlertChannelsPanel /> },
          ]}
        />
      </Panel>
    </Flex>
  );
}
