"use client";

import { Alert, App, Button, Flex, InputNumber, Segmented, Select, Space, Tag, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { FEATURE_MISSING, useFeatures } from "../hooks/use-features";
import { useCandles, useSymbols } from "../hooks/use-market";
import { usePlaceOrder, usePreviewOrder } from "../hooks/use-trading";
import { ApiError, errorMessage } from "../lib/api";
import { formatMoney, formatPrice, formatQty } from "../lib/format";
import type { ManualOrderInput, OrderPreviewDto, OrderSide } from "../lib/types";
import { baseQuantity, type SizeUnit } from "./order-math";
import { symbolAssets } from "./perp-format";

/** The risk engine's decision as the ticket shows it: the preview's (or a refused send's) verdict, and which of the two said it. */
type Decision = Pick<OrderPreviewDto, "allowed" | "code" | "message"> & { source: "preview" | "send" };

function denialOf(err: unknown): Decision | null {
  if (!(err instanceof ApiError) || err.code !== "RISK_DENIED") return null;
  const details = err.details as { code?: unknown } | undefined;
  return { allowed: false, code: typeof details?.code === "string" ? details.code : err.code, message: err.message, source: "send" };
}

/**
 * A manual order: market or limit, sized in the base asset or the quote currency, with the risk engine's
 * decision shown before it is sent (when the server offers `POST /api/orders/preview`).
 */
export function OrderTicket({ defaultSymbol }: { defaultSymbol?: string }) {
  const symbols = useSymbols();
  const features = useFeatures();
  const place = usePlaceOrder();
  const preview = usePreviewOrder();
  const { message } = App.useApp();
  const [symbol, setSymbol] = useState<string | undefined>(defaultSymbol);
  const [side, setSide] = useState<OrderSide>("buy");
  const [type, setType] = useState<"market" | "limit">("market");
  const [unit, setUnit] = useState<SizeUnit>("quote");
  const [amount, setAmount] = useState<number | null>(null);
  const [price, setPrice] = useState<number | null>(null);
  const [decision, setDecision] = useState<Decision | null>(null);
  const [checked, setChecked] = useState<OrderPreviewDto | null>(null);

  useEffect(() => {
    if (!symbol && symbols.data?.[0]) setSymbol(symbols.data[0].symbol);
  }, [symbol, symbols.data]);

  const info = symbols.data?.find((s) => s.symbol === symbol);
  // The market price is the newest 1-minute close, the same figure the charts show (the ticker can lag it).
  const recent = useCandles(symbol, "1m", 2);
  const lastPrice = recent.data?.candles.at(-1)?.close ?? info?.last ?? null;
  const { base, quote } = symbolAssets(symbol);
  const refPrice = type === "limit" ? price : lastPrice;
  const quantity = baseQuantity(amount, unit, refPrice);
  const notional = quantity !== null && refPrice ? quantity * refPrice : null;
  const input: ManualOrderInput | null = useMemo(() => {
    if (!symbol || quantity === null) return null;
    if (type === "limit" && !(price && price > 0)) return null;
    return { symbol, side, type, quantity, ...(type === "limit" ? { price: price! } : {}) };
  }, [symbol, side, type, quantity, price]);

  // Any change the trader makes to the ticket invalidates the decision shown for the previous one (a moving
  // market price does not: the engine re-checks at the price of the moment anyway).
  useEffect(() => {
    setDecision(null);
    setChecked(null);
  }, [symbol, side, type, unit, amount, price]);

  const canPreview = features.has("orders.preview");

  const check = () => {
    if (!input) return;
    preview.mutate(input, {
      onSuccess: (p) => {
        setChecked(p);
        setDecision({ allowed: p.allowed, code: p.code, message: p.message, source: "preview" });
      },
      onError: (err) => setDecision({ allowed: false, code: err instanceof ApiError ? err.code : null, message: errorMessage(err), source: "preview" }),
    });
  };

  const send = () => {
    if (!input) return;
    place.mutate(input, {
      onSuccess: ({ order }) => {
        setDecision({ allowed: true, code: null, message: `Order ${order.status}: ${side} ${formatQty(order.quantity)} ${base}`, source: "send" });
        void message.success(`Order sent: ${side} ${formatQty(order.quantity)} ${symbol}`);
      },
      onError: (err) => {
        const denial = denialOf(err);
        setDecision(denial ?? { allowed: false, code: err instanceof ApiError ? err.code : null, message: errorMessage(err), source: "send" });
      },
    });
  };

  return (
    <Flex vertical gap={8} data-testid="order-ticket">
      <Flex gap={8} wrap align="center">
        <Select
          aria-label="Symbol"
          data-testid="ticket-symbol"
          value={symbol}
          onChange={setSymbol}
          loading={symbols.isPending}
          options={(symbols.data ?? []).map((s) => ({ value: s.symbol, label: s.symbol }))}
          style={{ minWidth: 130 }}
        />
        <Segmented<OrderSide>
          aria-label="Side"
          value={side}
          onChange={setSide}
          options={[
            { value: "buy", label: <span data-testid="ticket-side-buy">Buy</span> },
            { value: "sell", label: <span data-testid="ticket-side-sell">Sell</span> },
          ]}
        />
        <Segmented<"market" | "limit">
          aria-label="Order type"
          value={type}
          onChange={setType}
          options={[
            { value: "market", label: <span data-testid="ticket-type-market">Market</span> },
            { value: "limit", label: <span data-testid="ticket-type-limit">Limit</span> },
          ]}
        />
        <Typography.Text type="secondary" className="num">
          last {formatPrice(lastPrice, lastPrice)}
        </Typography.Text>
      </Flex>
      <Flex gap={8} wrap align="center">
        <Space.Compact>
          <InputNumber<number>
            aria-label="Amount"
            data-testid="ticket-amount"
            placeholder="Amount"
            min={0}
            value={amount}
            onChange={setAmount}
            style={{ width: 140 }}
          />
          <Select<SizeUnit>
            aria-label="Amount unit"
            data-testid="ticket-unit"
            value={unit}
            onChange={(u) => {
              setUnit(u);
              setAmount(null);
            }}
            options={[
              { value: "quote", label: quote || "quote" },
              { value: "base", label: base || "base" },
            ]}
            style={{ width: 90 }}
          />
        </Space.Compact>
        {type === "limit" && (
          <InputNumber<number>
            aria-label="Limit price"
            data-testid="ticket-price"
            placeholder="Limit price"
            min={0}
            value={price}
            onChange={setPrice}
            style={{ width: 150 }}
          />
        )}
        <Typography.Text className="num" data-testid="ticket-size">
          {quantity === null ? "—" : `${formatQty(quantity)} ${base} ≈ ${formatMoney(notional)} ${quote}`}
        </Typography.Text>
      </Flex>
      <Flex gap={8} wrap align="center">
        <Button onClick={check} disabled={!input || !canPreview} loading={preview.isPending} data-testid="ticket-preview">
          Check risk
        </Button>
        <Button
          type="primary"
          danger={side === "sell"}
          onClick={send}
          disabled={!input || (decision?.source === "preview" && !decision.allowed)}
          loading={place.isPending}
          data-testid="ticket-send"
        >
          {side === "buy" ? "Buy" : "Sell"} {type}
        </Button>
        {!canPreview && features.known && (
          <Typography.Text type="secondary" data-testid="ticket-preview-unavailable">
            Risk pre-check: {FEATURE_MISSING} The risk engine still checks the order when it is sent.
          </Typography.Text>
        )}
      </Flex>
      {decision && (
        <Alert
          type={decision.allowed ? "success" : "error"}
          showIcon
          data-testid="ticket-decision"
          data-allowed={decision.allowed}
          data-code={decision.code ?? ""}
          title={
            <span>
              {decision.source === "preview" ? (decision.allowed ? "Risk check: allowed" : "Risk check: would be refused") : decision.allowed ? "Sent" : "Refused"}
              {decision.code && (
                <Tag style={{ marginInlineStart: 8 }} data-testid="ticket-denial-code">
                  {decision.code}
                </Tag>
              )}
            </span>
          }
          description={
            <>
              {decision.message}
              {checked?.checks && checked.checks.length > 0 && (
                <ul style={{ margin: "4px 0 0", paddingInlineStart: 18 }}>
                  {checked.checks.map((c) => (
                    <li key={`${c.check}-${c.code}`}>
                      <code>{c.code}</code> {c.message}
                    </li>
                  ))}
                </ul>
              )}
            </>
          }
        />
      )}
    </Flex>
  );
}
