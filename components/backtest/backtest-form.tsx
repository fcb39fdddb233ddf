"use client";

import { Alert, Button, Col, DatePicker, Divider, Form, Input, InputNumber, Row, Segmented, Select, Switch, Tooltip, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useEffect, useMemo } from "react";
import { useCandles, useSymbols } from "../hooks/use-market";
import { useStrategyKinds } from "../hooks/use-settings";
import { ApiError, errorMessage } from "../lib/api";
import { TIMEFRAMES, type StrategyParamDto, type Timeframe } from "../lib/types";
import { defaultParams, fieldErrorsFromDetails, paramInput, validateParam } from "../settings/strategy-params";
import { useStartBacktest } from "./use-backtests";

interface FormValues {
  kind: string;
  symbol: string;
  timeframe: Timeframe;
  range: [Dayjs, Dayjs];
  capital?: number | null;
  startingBalance: number;
  fillMode: "candle" | "1m";
  slippageBps: number;
  feePct: number;
  params: Record<string, unknown>;
}

function ParamField({ param }: { param: StrategyParamDto }) {
  const input = paramInput(param);
  const label = (
    <Tooltip title={param.description}>
      <span>{param.label ?? param.name}</span>
    </Tooltip>
  );
  const rules = [
    {
      validator: (_: unknown, value: unknown) => {
        const problem = validateParam(param, value);
        return problem ? Promise.reject(new Error(problem)) : Promise.resolve();
      },
    },
  ];
  const name = ["params", param.name];
  if (input === "boolean") {
    return (
      <Form.Item name={name} label={label} valuePropName="checked" rules={rules}>
        <Switch size="small" data-testid={`bt-param-${param.name}`} />
      </Form.Item>
    );
  }
  if (input === "select") {
    return (
      <Form.Item name={name} label={label} rules={rules}>
        <Select options={(param.options ?? []).map((o) => ({ value: o, label: String(o) }))} data-testid={`bt-param-${param.name}`} />
      </Form.Item>
    );
  }
  if (input === "text") {
    return (
      <Form.Item name={name} label={label} rules={rules}>
        <Input data-testid={`bt-param-${param.name}`} />
      </Form.Item>
    );
  }
  return (
    <Form.Item name={name} label={label} rules={rules}>
      <InputNumber style={{ width: "100%" }} min={param.min} max={param.max} step={param.step ?? (input === "integer" ? 1 : undefined)} precision={input === "integer" ? 0 : undefined} data-testid={`bt-param-${param.name}`} />
    </Form.Item>
  );
}

/** Configure a backtest (strategy, parameters, symbol, range, money, fills) and queue it. */
export function BacktestForm({ onStarted }: { onStarted: (id: string) => void }) {
  const [form] = Form.useForm<FormValues>();
  const kinds = useStrategyKinds();
  const symbols = useSymbols();
  const start = useStartBacktest();
  const kindKey = Form.useWatch("kind", form);
  const kindList = useMemo(() => kinds.data ?? [], [kinds.data]);
  const kind = useMemo(() => kindList.find((k) => k.kind === kindKey), [kindList, kindKey]);
  // Where the stored candles of the symbol begin: a range that starts earlier gets a hint, and the default
  // range never starts before them.
  const symbolKey = Form.useWatch("symbol", form) as string | undefined;
  const range = Form.useWatch("range", form) as [Dayjs, Dayjs] | undefined;
  const daily = useCandles(symbolKey, "1d", 5000);
  const firstCandle = daily.data?.candles[0]?.time ?? null;
  useEffect(() => {
    if (firstCandle === null || form.isFieldTouched("range")) return;
    const current = form.getFieldValue("range") as [Dayjs, Dayjs] | undefined;
    const first = dayjs(firstCandle).startOf("day");
    if (current && current[0].isBefore(first)) form.setFieldsValue({ range: [first, current[1]] });
  }, [firstCandle, form]);
  const startsBeforeData = firstCandle !== null && range?.[0] && range[0].valueOf() < dayjs(firstCandle).startOf("day").valueOf();

  useEffect(() => {
    if (form.getFieldValue("kind") || kindList.length === 0) return;
    const first = kindList.find((k) => k.kind === "ma_crossover") ?? kindList[0];
    form.setFieldsValue({ kind: first.kind, timeframe: first.defaultTimeframe ?? "5m", params: defaultParams(first) });
  }, [kindList, form]);

  useEffect(() => {
    if (form.getFieldValue("symbol") || !symbols.data?.length) return;
    form.setFieldsValue({ symbol: symbols.data[0].symbol });
  }, [symbols.data, form]);

  const onKindChange = (next: string) => {
    const chosen = kindList.find((k) => k.kind === next);
    form.setFieldsValue({ params: defaultParams(chosen), ...(chosen?.defaultTimeframe ? { timeframe: chosen.defaultTimeframe } : {}) });
  };

  const submit = async () => {
    const v = await form.validateFields();
    const params = Object.fromEntries(Object.entries(v.params ?? {}).filter(([, value]) => value !== undefined && value !== null && value !== ""));
    const config = {
      strategies: [{ kind: v.kind, params, symbols: [v.symbol], timeframe: v.timeframe, ...(v.capital ? { capital: v.capital } : {}) }],
      from: v.range[0].format("YYYY-MM-DD"),
      to: v.range[1].format("YYYY-MM-DD"),
      startingBalance: v.startingBalance,
      fillMode: v.fillMode,
      slippageBps: v.slippageBps,
      fees: { maker: v.feePct / 100, taker: v.feePct / 100 },
      allowShort: params.allowShort === true,
    };
    start.mutate(config, {
      onSuccess: (r) => onStarted(r.id),
      onError: (err) => {
        if (err instanceof ApiError) {
          const fields = fieldErrorsFromDetails(err.details, ["startingBalance", "slippageBps"]);
          if (fields.length) form.setFields(fields);
        }
      },
    });
  };

  const initial: Partial<FormValues> = {
    range: [dayjs().subtract(7, "day").startOf("day"), dayjs().startOf("day")],
    startingBalance: 10_000,
    fillMode: "candle",
    slippageBps: 5,
    feePct: 0.1,
  };

  return (
    <Form form={form} layout="vertical" size="small" initialValues={initial} data-testid="backtest-form" onFinish={() => void submit()}>
      {start.isError && <Alert type="error" showIcon style={{ marginBottom: 12 }} title="The backtest was not started" description={errorMessage(start.error)} data-testid="backtest-start-error" />}
      <Row gutter={12}>
        <Col xs={24} md={8}>
          <Form.Item name="kind" label="Strategy" rules={[{ required: true }]} extra={kind?.description}>
            <Select loading={kinds.isPending} onChange={onKindChange} options={kindList.map((k) => ({ value: k.kind, label: k.title }))} data-testid="backtest-kind" />
          </Form.Item>
        </Col>
        <Col xs={12} md={5}>
          <Form.Item name="symbol" label="Symbol" rules={[{ required: true, message: "choose a symbol" }]}>
            <Select showSearch loading={symbols.isPending} options={(symbols.data ?? []).map((s) => ({ value: s.symbol, label: s.symbol }))} data-testid="backtest-symbol" />
          </Form.Item>
        </Col>
        <Col xs={12} md={3}>
          <Form.Item name="timeframe" label="Timeframe" rules={[{ required: true }]}>
            <Select options={TIMEFRAMES.map((t) => ({ value: t, label: t }))} data-testid="backtest-timeframe" />
          </Form.Item>
        </Col>
        <Col xs={24} md={8}>
          <Form.Item name="range" label="Dates (UTC, stored candles)" rules={[{ required: true, message: "choose a date range" }]}>
            <DatePicker.RangePicker style={{ width: "100%" }} allowClear={false} data-testid="backtest-range" />
          </Form.Item>
          {startsBeforeData && (
            <Typography.Text type="warning" style={{ fontSize: 12 }} data-testid="backtest-range-hint">
              Stored candles of {symbolKey} start on {dayjs(firstCandle!).format("YYYY-MM-DD")}: the run begins there.
            </Typography.Text>
          )}
        </Col>
        <Col xs={12} md={4}>
          <Form.Item name="startingBalance" label="Starting balance" rules={[{ required: true, type: "number", min: 1 }]}>
            <InputNumber style={{ width: "100%" }} min={1} data-testid="backtest-balance" />
          </Form.Item>
        </Col>
        <Col xs={12} md={4}>
          <Form.Item name="capital" label="Strategy capital" extra="empty = the whole balance">
            <InputNumber style={{ width: "100%" }} min={1} data-testid="backtest-capital" />
          </Form.Item>
        </Col>
        <Col xs={12} md={6}>
          <Form.Item name="fillMode" label="Fills and exits on">
            <Segmented
              options={[
                { value: "candle", label: "strategy candles" },
                { value: "1m", label: "1-minute candles" },
              ]}
              data-testid="backtest-fill-mode"
            />
          </Form.Item>
        </Col>
        <Col xs={6} md={3}>
          <Form.Item name="slippageBps" label="Slippage (bps)" rules={[{ required: true, type: "number", min: 0, max: 1000 }]}>
            <InputNumber style={{ width: "100%" }} min={0} max={1000} data-testid="backtest-slippage" />
          </Form.Item>
        </Col>
        <Col xs={6} md={3}>
          <Form.Item name="feePct" label="Fee (%)" rules={[{ required: true, type: "number", min: 0, max: 10 }]}>
            <InputNumber style={{ width: "100%" }} min={0} max={10} step={0.01} data-testid="backtest-fee" />
          </Form.Item>
        </Col>
        <Col xs={24} md={4} style={{ display: "flex", alignItems: "end" }}>
          <Form.Item style={{ width: "100%" }}>
            <Button type="primary" htmlType="submit" block loading={start.isPending} data-testid="backtest-run">
              Run backtest
            </Button>
          </Form.Item>
        </Col>
      </Row>
      {kind && kind.params.length > 0 && (
        <>
          <Divider titlePlacement="start" plain style={{ margin: "0 0 8px" }}>
            Parameters
          </Divider>
          <Row gutter={12}>
            {kind.params.map((p) => (
              <Col xs={12} md={6} lg={4} key={p.name}>
                <ParamField param={p} />
              </Col>
            ))}
          </Row>
        </>
      )}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        Runs the live engine (same strategy, risk limits, fee and fill rules) on the stored candles of the range; risk breakers that wait for a person stay tripped for the rest of the run.
      </Typography.Text>
    </Form>
  );
}
