"use client";

import { Alert, App, Button, Flex, Input, Steps, Tag, Typography } from "antd";
import { useState } from "react";
import { ApiError, errorMessage } from "../lib/api";
import { useMe, useTotpEnable, useTotpSetup } from "../hooks/use-settings";
import { TotpQr } from "./totp-qr";

/** Two-factor sign-in and live-trading arming: set up an authenticator, then prove it with a code. */
export function TotpPanel() {
  const me = useMe();
  const setup = useTotpSetup();
  const enable = useTotpEnable();
  const { message } = App.useApp();
  const [code, setCode] = useState("");
  const enabled = me.data?.user?.totpEnabled === true;
  const statusUnknown = me.isError && me.error instanceof ApiError && me.error.status === 404;

  const confirm = () =>
    enable.mutate(code, {
      onSuccess: () => {
        void message.success("Two-factor authentication is on");
        setup.reset();
        setCode("");
      },
    });

  return (
    <Flex vertical gap={12} data-testid="totp-panel">
      <Flex gap={8} align="center">
        <Typography.Text>Status:</Typography.Text>
        {me.isPending ? (
          <Tag>checking…</Tag>
        ) : enabled ? (
          <Tag color="success" data-testid="totp-status">enabled</Tag>
        ) : statusUnknown ? (
          <Tag data-testid="totp-status">unknown</Tag>
        ) : (
          <Tag color="warning" data-testid="totp-status">not enabled</Tag>
        )}
      </Flex>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        A code from an authenticator app (TOTP) is required to arm live trading on a real-money venue.
      </Typography.Paragraph>
      {!setup.data && (
        <div>
          <Button onClick={() => setup.mutate()} loading={setup.isPending} data-testid="totp-setup">
            {enabled ? "Set up a new authenticator" : "Set up two-factor"}
          </Button>
        </div>
      )}
      {setup.isError && <Alert type="error" showIcon title="Setup failed" description={errorMessage(setup.error)} />}
      {setup.data && (
        <>
          <Steps
            orientation="vertical"
            size="small"
            current={1}
            items={[
              {
                title: "Add this account to your authenticator app",
                content: (
                  <Flex vertical gap={4}>
                    <Typography.Text type="secondary">Scan the code with the app, enter the secret by hand, or open the otpauth link on the device with the app.</Typography.Text>
                    <TotpQr uri={setup.data.otpauthUri} />
                    <Typography.Text>
                      Secret:{" "}
                      <Typography.Text code copyable data-testid="totp-secret">
                        {setup.data.secret}
                      </Typography.Text>
                    </Typography.Text>
                    <Typography.Text copyable={{ text: setup.data.otpauthUri }} style={{ wordBreak: "break-all", fontSize: 12 }} className="num">
                      <a href={setup.data.otpauthUri}>{setup.data.otpauthUri}</a>
                    </Typography.Text>
                  </Flex>
                ),
              },
              {
                title: "Enter the 6-digit code it shows",
                content: (
                  <Flex gap={8} align="center">
                    <Input
                      value={code}
                      onChange={(e) => setCode(e.target.value.replace(/\D/g, "").slice(0, 6))}
                      inputMode="numeric"
                      autoComplete="one-time-code"
                      maxLength={6}
                      style={{ width: 120 }}
                      className="num"
                      data-testid="totp-code"
                    />
                    <Button type="primary" disabled={code.length !== 6} loading={enable.isPending} onClick={confirm} data-testid="totp-enable">
                      Turn on
                    </Button>
                  </Flex>
                ),
              },
            ]}
          />
          {enable.isError && <Alert type="error" showIcon title="Code not accepted" description={errorMessage(enable.error)} data-testid="totp-error" />}
        </>
      )}
    </Flex>
  );
}
