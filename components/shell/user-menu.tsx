"use client";

import { LogoutOutlined, UserOutlined } from "@ant-design/icons";
import { App, Button, Dropdown } from "antd";
import { errorMessage } from "../lib/api";
import { useLogout } from "../hooks/use-settings";

export function UserMenu({ username }: { username: string }) {
  const logout = useLogout();
  const { message } = App.useApp();

  const signOut = () => {
    logout.mutate(undefined, {
      onSuccess: () => window.location.assign("/login"),
      onError: (err) => void message.error(`Sign-out failed: ${errorMessage(err)}`),
    });
  };

  return (
    <Dropdown
      trigger={["click"]}
      menu={{
        items: [
          { key: "who", label: `Signed in as ${username}`, disabled: true },
          { type: "divider" },
          { key: "logout", icon: <LogoutOutlined />, label: <span data-testid="sign-out">Sign out</span>, onClick: signOut },
        ],
      }}
    >
      <Button type="text" icon={<UserOutlined />} data-testid="user-menu" aria-label="User menu" loading={logout.isPending}>
        <span className="hide-phone">{username}</span>
      </Button>
    </Dropdown>
  );
}
