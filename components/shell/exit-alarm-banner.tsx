"use client";

import { WarningFilled } from "@ant-design/icons";
import { Button, Tooltip } from "antd";
import { useState, type CSSProperties } from "react";
import { useExitAlarms } from "../hooks/use-exit-alarms";
import { useMarketNow } from "../hooks/use-market-now";
import { useNow } from "../hooks/use-now";
import { formatDateTime, formatDuration, formatQty, isNum } from "../lib/format";
import type { ExitAlarmDto } from "../lib/types";
import type { CloseOutcome } from "../positions/close-outcome";
import { useConfirmClose } from "../positions/use-confirm-close";
import { ALARM_COLORS, alarmAgeMs, attemptsLabel, exitAlarmWords } from "./exit-alarm-format";
import { symbolAssets } from "../positions/perp-format";

const pill: CSSProperties = {
  display: "inline-block",
  padding: "0 6px",
  border: `1px solid ${ALARM_COLORS.text}`,
  borderRadius: 4,
  fontWeight: 700,
  whiteSpace: "nowrap",
};

const visuallyHidden: CSSProperties = {
  position: "absolute",
  width: 1,
  height: 1,
  overflow: "hidden",
  clip: "rect(0 0 0 0)",
  whiteSpace: "nowrap",
};

function AlarmRow({
  alarm,
  wallNow,
  marketNow,
  outcome,
  pending,
  onClose,
}: {
  alarm: ExitAlarmDto;
  wallNow: number | null;
  marketNow: number | null;
  outcome: CloseOutcome | undefined;
  pending: boolean;
  onClose: (alarm: ExitAlarmDto) => void;
}) {
  const { base } = symbolAssets(alarm.symbol);
  const age = alarmAgeMs(alarm.since, wallNow, marketNow);
  const closable = isNum(alarm.closableQuantity) ? alarm.closableQuantity : null;
  const nothingClosable = closable !== null && closable <= 0;
  return (
    <li
      data-testid={`exit-alarm-row-${alarm.id}`}
      data-code={alarm.code}
      data-position-id={alarm.positionId ?? ""}
      style={{
        display: "flex",
        flexWrap: "wrap",
        alignItems: "center",
        gap: "4px 12px",
        padding: "6px 0",
        borderTop: `1px solid ${ALARM_COLORS.border}`,
        minWidth: 0,
      }}
    >
      <span style={{ display: "inline-flex", flexWrap: "wrap", alignItems: "center", gap: "4px 8px", minWidth: 0 }}>
        <strong>{alarm.symbol}</strong>
        <span style={{ textTransform: "uppercase", fontWeight: 600 }}>{alarm.side}</span>
        <span className="num" data-testid={`exit-alarm-quantity-${alarm.id}`}>
          {formatQty(alarm.quantity)} {base}
        </span>
        <span style={{ ...pill, whiteSpace: "normal" }} data-testid={`exit-alarm-code-${alarm.id}`}>
          {exitAlarmWords(alarm.code)}
        </span>
        <span style={{ ...pill, fontWeight: 600 }}>{String(alarm.mode).toUpperCase()}</span>
      </span>
      <span
        data-testid={`exit-alarm-reason-${alarm.id}`}
        style={{ flex: "1 1 220px", minWidth: 0, overflowWrap: "anywhere", color: ALARM_COLORS.secondary }}
      >
        {alarm.reason || "No reason given by the venue."}
      </span>
      <span style={{ color: ALARM_COLORS.secondary, whiteSpace: "nowrap" }}>
        {attemptsLabel(alarm.attempts)} ·{" "}
        {/* The age ticks every second: hidden from screen readers, which would re-announce the alert each time. */}
        <span title={formatDateTime(alarm.since)} aria-hidden data-testid={`exit-alarm-age-${alarm.id}`}>
          {age === null ? formatDateTime(alarm.since) : `${formatDuration(age)} ago`}
        </span>
        <span style={visuallyHidden}>raised at {formatDateTime(alarm.since)}</span>
      </span>
      {alarm.positionId ? (
        <Tooltip
          title={
            nothingClosable
              ? "Nothing can be sent now: the venue reports none of it free (or less than one step)."
              : closable !== null && closable < alarm.quantity
                ? `A close at market would send ${formatQty(closable)} of ${formatQty(alarm.quantity)} ${base}.`
                : undefined
          }
        >
          <Button
            size="small"
            onClick={() => onClose(alarm)}
            loading={pending}
            disabled={nothingClosable}
            data-testid={`exit-alarm-close-${alarm.positionId}`}
            style={{
              background: ALARM_COLORS.buttonBackground,
              color: ALARM_COLORS.buttonText,
              borderColor: ALARM_COLORS.buttonBackground,
              fontWeight: 700,
              opacity: nothingClosable ? 0.75 : 1,
            }}
          >
            Close at market
          </Button>
        </Tooltip>
      ) : (
        <span style={{ color: ALARM_COLORS.secondary }}>Position no longer known by id: close it at the venue.</span>
      )}
      {outcome && alarm.positionId && (
        <span
          data-testid={`exit-alarm-outcome-${alarm.positionId}`}
          data-level={outcome.level}
          style={{ flexBasis: "100%", fontWeight: 600, overflowWrap: "anywhere" }}
        >
          {outcome.text}
        </span>
      )}
    </li>
  );
}

/**
 * The red banner on every page while the bot has failed to get out of a position (issue 12): one row per
 * exit alarm with the venue's reason and a one-click close at market. Hidden when there is none.
 */
export function ExitAlarmBanner() {
  const { alarms } = useExitAlarms();
  const wallNow = useNow(1_000);
  const marketNow = useMarketNow(1_000);
  const { confirmClose, pendingId } = useConfirmClose();
  const [outcomes, setOutcomes] = useState<Record<string, CloseOutcome>>({});

  if (alarms.length === 0) return null;

  const onClose = (alarm: ExitAlarmDto) => {
    if (!alarm.positionId) return;
    confirmClose(
      {
        positionId: alarm.positionId,
        symbol: alarm.symbol,
        side: alarm.side,
        quantity: alarm.quantity,
        closableQuantity: isNum(alarm.closableQuantity) ? alarm.closableQuantity : undefined,
      },
      (outcome) => setOutcomes((o) => ({ ...o, [alarm.id]: outcome })),
    );
  };

  return (
    <div
      role="alert"
      data-testid="exit-alarm-banner"
      data-count={alarms.length}
      style={{
        background: ALARM_COLORS.background,
        color: ALARM_COLORS.text,
        padding: "8px 16px 2px",
        borderBottom: `2px solid ${ALARM_COLORS.border}`,
        maxWidth: "100%",
        overflowWrap: "anywhere",
      }}
    >
      <div style={{ fontWeight: 700, fontSize: 14, paddingBottom: 6 }}>
        <WarningFilled aria-hidden style={{ marginInlineEnd: 8 }} />
        {alarms.length === 1
          ? "The bot could not get out of a position: it is still open."
          : `The bot could not get out of ${alarms.length} positions: they are still open.`}
      </div>
      <ul style={{ listStyle: "none", margin: 0, padding: 0 }}>
        {alarms.map((alarm) => (
          <AlarmRow
            key={alarm.id}
            alarm={alarm}
            wallNow={wallNow}
            marketNow={marketNow}
            outcome={outcomes[alarm.id]}
            pending={!!alarm.positionId && pendingId === alarm.positionId}
            onClose={onClose}
          />
        ))}
      </ul>
    </div>
  );
}
