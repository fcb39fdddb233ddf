"use client";

import { Alert, App, Button, Card, Col, Modal, Row, Space, Tag, Typography } from "antd";
import { useState } from "react";
import { errorMessage } from "../lib/api";
import type { KillSwitchAction, TradingStateName } from "../lib/types";
import { useKillSwitch, useResetKillSwitch, useTriggerKillSwitch } from "../hooks/use-risk";
import { KillSwitchProgress } from "./kill-switch-progress";
import { phaseLabel, stageOf } from "./kill-switch-phase";

const ACTIONS: Record<KillSwitchAction, { title: string; effect: string; confirm: string; testId: string }> = {
  flatten: {
    title: "Flatten everything",
    effect: "Halts trading, cancels every open order and closes every position at market, then checks with the venue that the account is flat.",
    confirm: "Yes, flatten everything now",
    testId: "kill-switch-flatten",
  },
  "stop-entries": {
    title: "Stop new entries",
    effect: "No new positions are opened. Open positions stay managed by their stops and exits.",
    confirm: "Yes, stop new entries",
    testId: "kill-switch-stop-entries",
  },
};

type Step = { kind: "choose" } | { kind: "confirm"; action: KillSwitchAction } | { kind: "confirm-reset" };

/** The red button, always in the header: a two-step dialog, then live progress, and a reset once halted. */
export function KillSwitch({ tradingState }: { tradingState: TradingStateName | undefined }) {
  const [open, setOpen] = useState(false);
  const [step, setStep] = useState<Step>({ kind: "choose" });
  const killSwitch = useKillSwitch();
  const trigger = useTriggerKillSwitch();
  const reset = useResetKillSwitch();
  const { message } = App.useApp();
  const status = killSwitch.data;
  const stage = stageOf(status?.phase);
  const running = stage === "running";
  const canReset = (tradingState === "HALTED" || tradingState === "REDUCING") && !running;

  const close = () => {
    setOpen(false);
    setStep({ kind: "choose" });
    trigger.reset();
    reset.reset();
  };

  const fire = (action: KillSwitchAction) => {
    trigger.mutate(action, {
      onSuccess: () => {
        setStep({ kind: "choose" });
        void message.warning(`Kill switch: ${ACTIONS[action].title.toLowerCase()} started`);
      },
    });
  };

  const doReset = () => {
    reset.mutate(undefined, {
      onSuccess: () => {
        setStep({ kind: "choose" });
        void message.success("Trading state reset to ACTIVE");
      },
    });
  };

  return (
    <>
      {status && stage !== "idle" && (
        <Tag
          color={running ? "processing" : stage === "failed" ? "error" : "default"}
          onClick={() => setOpen(true)}
          style={{ cursor: "pointer", marginInlineEnd: 0 }}
          data-testid="kill-switch-indicator"
        >
          Kill switch: {phaseLabel(status.phase)}
        </Tag>
      )}
      <Button danger type="primary" onClick={() => setOpen(true)} data-testid="kill-switch-button" aria-label="Kill switch" style={{ fontWeight: 700 }}>
        KILL<span className="hide-phone">&nbsp;SWITCH</span>
      </Button>
      <Modal
        open={open}
        onCancel={close}
        title="Kill switch"
        width={760}
        footer={<Button onClick={close}>Close</Button>}
        destroyOnHidden
      >
        <div data-testid="kill-switch-dialog">
        {status && stage !== "idle" && (
          <Card size="small" title="Progress" style={{ marginBottom: 12 }}>
            <KillSwitchProgress status={status} />
          </Card>
        )}
        {killSwitch.isError && !status && (
          <Alert type="info" showIcon style={{ marginBottom: 12 }} title="Kill switch status unavailable" description={errorMessage(killSwitch.error)} />
        )}

        {step.kind === "choose" && (
          <Row gutter={12}>
            {(Object.keys(ACTIONS) as KillSwitchAction[]).map((action) => (
              <Col xs={24} sm={12} key={action}>
                <Card size="small" title={ACTIONS[action].title} style={{ height: "100%" }}>
                  <Typography.Paragraph type="secondary" style={{ minHeight: 66 }}>
                    {ACTIONS[action].effect}
                  </Typography.Paragraph>
                  <Button
                    danger
                    type={action === "flatten" ? "primary" : "default"}
                    block
                    disabled={running}
                    onClick={() => setStep({ kind: "confirm", action })}
                    data-testid={ACTIONS[action].testId}
                  >
                    {ACTIONS[action].title}…
                  </Button>
                </Card>
              </Col>
            ))}
          </Row>
        )}

        {step.kind === "confirm" && (
          <Alert
            type="error"
            showIcon
            title={`Confirm: ${ACTIONS[step.action].title}`}
            description={
              <Space orientation="vertical" style={{ width: "100%" }}>
                <span>{ACTIONS[step.action].effect}</span>
                {trigger.isError && (
                  <Typography.Text type="danger" data-testid="kill-switch-error">
                    {errorMessage(trigger.error)}
                  </Typography.Text>
                )}
                <Space>
                  <Button danger type="primary" loading={trigger.isPending} onClick={() => fire(step.action)} data-testid="kill-switch-confirm">
                    {ACTIONS[step.action].confirm}
                  </Button>
                  <Button onClick={() => setStep({ kind: "choose" })} disabled={trigger.isPending}>
                    Back
                  </Button>
                </Space>
              </Space>
            }
          />
        )}

        {step.kind === "confirm-reset" && (
          <Alert
            type="warning"
            showIcon
            style={{ marginTop: 12 }}
            title="Confirm: reset trading to ACTIVE"
            description={
              <Space orientation="vertical" style={{ width: "100%" }}>
                <span>The bot resumes opening positions under the current risk limits.</span>
                {reset.isError && <Typography.Text type="danger">{errorMessage(reset.error)}</Typography.Text>}
                <Space>
                  <Button type="primary" loading={reset.isPending} onClick={doReset} data-testid="kill-switch-reset-confirm">
                    Yes, resume trading
                  </Button>
                  <Button onClick={() => setStep({ kind: "choose" })} disabled={reset.isPending}>
                    Back
                  </Button>
                </Space>
              </Space>
            }
          />
        )}

        {canReset && step.kind === "choose" && (
          <div style={{ marginTop: 12, display: "flex", justifyContent: "space-between", alignItems: "center" }}>
            <Typography.Text type="secondary">Trading is {tradingState}.</Typography.Text>
            <Button onClick={() => setStep({ kind: "confirm-reset" })} data-testid="kill-switch-reset">
              Reset to ACTIVE…
            </Button>
          </div>
        )}
        </div>
      </Modal>
    </>
  );
}
