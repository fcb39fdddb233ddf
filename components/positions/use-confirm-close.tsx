"use client";

import { App } from "antd";
import { formatQty } from "../lib/format";
import type { PositionSide } from "../lib/types";
import { useClosePosition } from "../hooks/use-trading";
import { closeErrorOutcome, closeResultOutcome, type CloseOutcome } from "./close-outcome";
import { symbolAssets } from "./perp-format";

export interface CloseTarget {
  positionId: string;
  symbol: string;
  side: PositionSide;
  quantity: number;
  /** What a close at market would send now (exit alarms know it); the position's quantity otherwise. */
  closableQuantity?: number;
}

/**
 * "Close at market" behind a confirmation, shared by the positions table and the exit-alarm banner: sends the
 * reduce-only close and tells the outcome (rejected with the venue's reason, filled, working, or denied).
 */
export function useConfirmClose() {
  const close = useClosePosition();
  const { modal, message } = App.useApp();

  const show = (outcome: CloseOutcome) => {
    if (outcome.level === "error") void message.error(outcome.text);
    else if (outcome.level === "info") void message.info(outcome.text);
    else void message.success(outcome.text);
  };

  const confirmClose = (target: CloseTarget, onOutcome?: (outcome: CloseOutcome) => void) => {
    const { base } = symbolAssets(target.symbol);
    const closable = target.closableQuantity ?? target.quantity;
    const partial = target.closableQuantity !== undefined && closable < target.quantity;
    modal.confirm({
      title: `Close ${target.symbol} ${target.side}?`,
      content: (
        <div data-testid="close-position-summary">
          <p style={{ margin: 0 }}>
            Sends a reduce-only market order for <strong className="num" data-testid="close-position-quantity">{formatQty(closable)}</strong> {base} through the risk
            engine.
          </p>
          {partial && (
            <p style={{ margin: "8px 0 0" }}>
              The position is {formatQty(target.quantity)} {base}: {formatQty(target.quantity - closable)} {base} would stay open (not free at the venue or
              below its step size).
            </p>
          )}
        </div>
      ),
      okText: "Close position",
      okButtonProps: { danger: true, "data-testid": "confirm-close-position" },
      cancelButtonProps: { "data-testid": "cancel-close-position" },
      onOk: () =>
        close
          .mutateAsync(target.positionId)
          .then((result) => closeResultOutcome(target.symbol, result))
          .catch((err: unknown) => closeErrorOutcome(err))
          .then((outcome) => {
            show(outcome);
            onOutcome?.(outcome);
          }),
    });
  };

  const v = close.variables;
  const pendingId = close.isPending ? (typeof v === "string" ? v : v?.id) : undefined;
  return { confirmClose, pendingId };
}
