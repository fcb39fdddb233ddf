"use client";

import { Alert, App, Checkbox, Descriptions, Flex, Input, Modal, Segmented, Space, Typography } from "antd";
import { useState } from "react";
import { errorMessage } from "../lib/api";
import { formatMoney, formatPlainPct, isNum } from "../lib/format";
import { MODES, type Mode } from "../lib/types";
import { useRisk } from "../hooks/use-risk";
import { useMe, useSetMode } from "../hooks/use-settings";
import { useStatus } from "../hooks/use-status";
import { ModeBadge, VenueBadge } from "../shell/status-badges";
import { QueryState } from "../ui/query-state";
import { GoLiveChecklistView } from "../golive/go-live-checklist";
import { ARMING_PHRASE, EMPTY_ARMING, missingArmingSteps, toArmingInput, type ArmingDraft, type ShownLimits } from "./arming";

const EFFECT: Record<Mode, string> = {
  ghost: "Strategies keep producing signals, but no orders are placed; each signal is tracked as a hypothetical trade.",
  paper: "Orders are filled by the simulator against live prices. No money moves.",
  live: "Orders are sent to the venue.",
};

function ArmingSteps({ draft, onChange, totpEnabled }: { draft: ArmingDraft; onChange: (d: ArmingDraft) => void; totpEnabled: boolean }) {
  const risk = useRisk();
  const limits = risk.data?.limits ?? {};
  // The usage row of the daily loss limit carries the limit in money (its key is named by the server).
  const daily = risk.data?.usage.find((u) => /daily.?loss/i.test(u.key));
  const dailyPct = limits.dailyLossPct;
  const maxPosPct = limits.maxPositionPctEquity;
  const maxPosQuote = limits.maxPositionQuote;
  return (
    <Space orientation="vertical" style={{ width: "100%" }} data-testid="arming-steps">
      <Alert type="error" showIcon title="This venue trades real money." description="Every order the bot places from now on moves your funds." />
      <QueryState query={risk} what="Risk limits" rows={2}>
        <Descriptions size="small" column={1} bordered>
          <Descriptions.Item label="Daily loss limit">
            <span className="num" data-testid="arming-daily-loss">
              {isNum(dailyPct) ? formatPlainPct(dailyPct) : "—"} of equity
              {daily && isNum(daily.limit) ? ` (${formatMoney(daily.limit)} ${daily.unit ?? ""})` : ""}
            </span>
          </Descriptions.Item>
          <Descriptions.Item label="Maximum position">
            <span className="num" data-testid="arming-max-position">
              {isNum(maxPosPct) ? formatPlainPct(maxPosPct) : "—"} of equity
              {isNum(maxPosQuote) ? `, at most ${formatMoney(maxPosQuote)}` : ""}
            </span>
          </Descriptions.Item>
        </Descriptions>
      </QueryState>
      <Checkbox
        checked={draft.acknowledgedDailyLossLimit}
        onChange={(e) => onChange({ ...draft, acknowledgedDailyLossLimit: e.target.checked })}
        data-testid="arming-ack-daily-loss"
      >
        I accept that trading halts for the day once the daily loss limit above is reached, and that I can lose up to it.
      </Checkbox>
      <Checkbox
        checked={draft.acknowledgedMaxPosition}
        onChange={(e) => onChange({ ...draft, acknowledgedMaxPosition: e.target.checked })}
        data-testid="arming-ack-max-position"
      >
        I accept positions up to the maximum position size above.
      </Checkbox>
      <div>
        <Typography.Text>
          Type <Typography.Text code>{ARMING_PHRASE}</Typography.Text> to confirm:
        </Typography.Text>
        <Input
          value={draft.typedConfirmation}
          onChange={(e) => onChange({ ...draft, typedConfirmation: e.target.value })}
          autoComplete="off"
          data-testid="arming-typed-confirmation"
        />
      </div>
      {!totpEnabled && (
        <Alert
          type="warning"
          showIcon
          data-testid="arming-no-totp"
          title="Two-factor authentication is off"
          description="Turn it on under Settings → Two-factor before trading real money: then nobody with only your password can arm live trading."
        />
      )}
      <div style={{ display: totpEnabled ? undefined : "none" }}>
        <Typography.Text>Two-factor code from your authenticator app: </Typography.Text>
        <Input
          value={draft.totpCode}
          onChange={(e) => onChange({ ...draft, totpCode: e.target.value.replace(/\D/g, "").slice(0, 6) })}
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={6}
          style={{ width: 120 }}
          className="num"
          data-testid="arming-totp"
        />
      </div>
    </Space>
  );
}

/** Ghost / paper / live. Going live on a real-money venue takes the arming steps; every switch is confirmed. */
export function ModeSwitch() {
  const status = useStatus();
  const setMode = useSetMode();
  const risk = useRisk();
  const limits = risk.data?.limits;
  const shown: ShownLimits = {
    dailyLossLimit: isNum(limits?.dailyLossPct) ? limits.dailyLossPct : null,
    maxPosition: isNum(limits?.maxPositionPctEquity) ? limits.maxPositionPctEquity : null,
  };
  const me = useMe();
  // Two-factor status unknown (e.g. an older server): ask for the code; the server ignores it when 2FA is off.
  const totpRequired = me.data?.user ? me.data.user.totpEnabled : true;
  const { message } = App.useApp();
  const [target, setTarget] = useState<Mode | null>(null);
  const [draft, setDraft] = useState<ArmingDraft>(EMPTY_ARMING);
  const s = status.data;
  const realMoney = s?.venue.label === "REAL MONEY";
  const needsArming = target === "live" && realMoney;
  const missing = needsArming ? missingArmingSteps(draft, shown, totpRequired) : [];

  const close = () => {
    setTarget(null);
    setDraft(EMPTY_ARMING);
    setMode.reset();
  };

  const confirm = () => {
    if (!target || missing.length > 0) return;
    setMode.mutate(
      { mode: target, arming: needsArming ? (toArmingInput(draft, shown, totpRequired) ?? undefined) : undefined },
      {
        onSuccess: (res) => {
          void message.success(`Mode is now ${(res?.mode ?? target).toUpperCase()}`);
          close();
        },
      },
    );
  };

  return (
    <QueryState query={status} what="Status" rows={2}>
      {s && (
        <Flex vertical gap={12}>
          <Flex gap={8} align="center" wrap>
            <Typography.Text>Current:</Typography.Text>
            <ModeBadge mode={s.mode} />
            <Typography.Text>on</Typography.Text>
            <VenueBadge venue={s.venue} />
            {s.mode === "live" && <Typography.Text type={s.liveArmed ? "success" : "warning"}>{s.liveArmed ? "armed" : "not armed"}</Typography.Text>}
          </Flex>
          <Segmented<Mode>
            value={s.mode}
            onChange={(m) => m !== s.mode && setTarget(m)}
            options={MODES.map((m) => ({ value: m, label: <span data-testid={`mode-option-${m}`}>{m.toUpperCase()}</span> }))}
            data-testid="mode-switch"
          />
          <Typography.Text type="secondary">{EFFECT[s.mode]} Each mode keeps its own ledger and P&L.</Typography.Text>
        </Flex>
      )}
      <Modal
        open={target !== null}
        title={target ? `Switch to ${target.toUpperCase()}?` : ""}
        onCancel={close}
        onOk={confirm}
        okText={target ? `Switch to ${target.toUpperCase()}` : "Switch"}
        okButtonProps={{ danger: target === "live", disabled: missing.length > 0, loading: setMode.isPending, "data-testid": "mode-confirm" }}
        cancelButtonProps={{ "data-testid": "mode-cancel" }}
        width={needsArming ? 640 : 480}
        destroyOnHidden
      >
        {target && (
          <Space orientation="vertical" style={{ width: "100%" }}>
            <Typography.Paragraph style={{ marginBottom: 0 }}>{EFFECT[target]}</Typography.Paragraph>
            <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
              Open positions stay in the ledger of the mode that opened them.
            </Typography.Paragraph>
            {needsArming && <GoLiveChecklistView compact />}
            {needsArming && <ArmingSteps draft={draft} onChange={setDraft} totpEnabled={totpRequired} />}
            {needsArming && missing.length > 0 && (
              <Typography.Text type="secondary" data-testid="arming-missing">
                Still to do: {missing.join("; ")}.
              </Typography.Text>
            )}
            {setMode.isError && <Alert type="error" showIcon title="Mode not changed" description={errorMessage(setMode.error)} data-testid="mode-error" />}
          </Space>
        )}
      </Modal>
    </QueryState>
  );
}
