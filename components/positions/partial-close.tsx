"use client";

import { Alert, App, Button, Flex, InputNumber, Modal, Typography } from "antd";
import { useState } from "react";
import { FEATURE_MISSING, useFeatures } from "../hooks/use-features";
import { useClosePosition } from "../hooks/use-trading";
import { formatQty, quantityDecimals } from "../lib/format";
import type { PositionDto } from "../lib/types";
import { closeErrorOutcome, closeResultOutcome } from "./close-outcome";
import { partialQuantity } from "./order-math";
import { symbolAssets } from "./perp-format";

const SHARES = [25, 50, 75] as const;

/** "Part…": close a share of a position with a reduce-only market order through the risk engine. */
export function PartialCloseButton({ position }: { position: PositionDto }) {
  const [open, setOpen] = useState(false);
  const [qty, setQty] = useState<number | null>(null);
  const features = useFeatures();
  const close = useClosePosition();
  const { message } = App.useApp();
  const supported = features.has("positions.partialClose");
  const { base } = symbolAssets(position.symbol);
  const dp = Math.max(quantityDecimals([position.quantity]), 4);
  const valid = qty !== null && qty > 0 && qty < position.quantity;

  const send = () => {
    if (!valid) return;
    close
      .mutateAsync({ id: position.id, quantity: qty })
      .then((r) => closeResultOutcome(position.symbol, r))
      .catch((err: unknown) => closeErrorOutcome(err))
      .then((outcome) => {
        if (outcome.level === "error") void message.error(outcome.text);
        else void message.success(outcome.text);
        if (outcome.level !== "error") setOpen(false);
      });
  };

  return (
    <>
      <Button size="small" onClick={() => { setQty(partialQuantity(position.quantity, 50, dp)); setOpen(true); }} data-testid={`position-partial-${position.id}`}>
        Part…
      </Button>
      <Modal
        open={open}
        onCancel={() => setOpen(false)}
        title={`Close part of ${position.symbol} ${position.side}`}
        okText="Close this part"
        okButtonProps={{ danger: true, disabled: !supported || !valid, loading: close.isPending, "data-testid": "partial-close-confirm" } as never}
        onOk={send}
        destroyOnHidden
      >
        <Flex vertical gap={8} data-testid="partial-close-dialog">
          <Typography.Text>
            Open: <strong className="num">{formatQty(position.quantity)}</strong> {base}. A reduce-only market order goes through the risk engine.
          </Typography.Text>
          <Flex gap={6} wrap>
            {SHARES.map((share) => (
              <Button key={share} size="small" onClick={() => setQty(partialQuantity(position.quantity, share, dp))} data-testid={`partial-share-${share}`}>
                {share} %
              </Button>
            ))}
          </Flex>
          <InputNumber<number>
            aria-label={`Quantity to close (${base})`}
            data-testid="partial-close-quantity"
            value={qty}
            min={0}
            max={position.quantity}
            step={10 ** -dp}
            precision={dp}
            onChange={(v) => setQty(v)}
            suffix={base}
            style={{ width: "100%" }}
          />
          {qty !== null && !valid && (
            <Typography.Text type="warning">Enter more than 0 and less than the whole position (use Close for all of it).</Typography.Text>
          )}
          {!supported && features.known && <Alert type="info" showIcon title={FEATURE_MISSING} description="Close the whole position with Close instead." data-testid="partial-close-unavailable" />}
        </Flex>
      </Modal>
    </>
  );
}
