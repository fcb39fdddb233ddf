"use client";

import { Alert, Col, Divider, Form, Input, InputNumber, Modal, Row, Select, Switch, Tooltip, Typography } from "antd";
import { useEffect, useMemo } from "react";
import { ApiError, errorMessage } from "../lib/api";
import { TIMEFRAMES, type StrategyInput, type StrategyInstanceDto, type StrategyKindDto, type StrategyParamDto, type Timeframe } from "../lib/types";
import { useSymbols } from "../hooks/use-market";
import { useCreateStrategy, useUpdateStrategy } from "../hooks/use-settings";
import { defaultParams, fieldErrorsFromDetails, paramInput, validateParam } from "./strategy-params";

interface FormValues {
  name: string;
  kind: string;
  symbols: string[];
  timeframe: Timeframe;
  capital?: number | null;
  maxLossQuote?: number | null;
  dailyLossQuote?: number | null;
  params: Record<string, unknown>;
}

function ParamField({ param }: { param: StrategyParamDto }) {
  const input = paramInput(param);
  const label = (
    <Tooltip title={`${param.name}${param.required === false ? " (optional)" : ""}`}>
      <span>{param.label ?? param.name}</span>
    </Tooltip>
  );
  const rules = [{ validator: (_: unknown, value: unknown) => { const problem = validateParam(param, value); return problem ? Promise.reject(new Error(problem)) : Promise.resolve(); } }];
  const range = [param.min !== undefined ? `min ${param.min}` : null, param.max !== undefined ? `max ${param.max}` : null, param.step !== undefined ? `step ${param.step}` : null]
    .filter(Boolean)
    .join(" · ");
  if (input === "boolean") {
    return (
      <Form.Item name={["params", param.name]} label={label} valuePropName="checked" rules={rules} extra={param.description}>
        <Switch data-testid={`param-${param.name}`} />
      </Form.Item>
    );
  }
  if (input === "select") {
    return (
      <Form.Item name={["params", param.name]} label={label} rules={rules} extra={param.description}>
        <Select options={(param.options ?? []).map((o) => ({ value: o, label: String(o) }))} data-testid={`param-${param.name}`} />
      </Form.Item>
    );
  }
  if (input === "text") {
    return (
      <Form.Item name={["params", param.name]} label={label} rules={rules} extra={param.description}>
        <Input data-testid={`param-${param.name}`} />
      </Form.Item>
    );
  }
  return (
    <Form.Item name={["params", param.name]} label={label} rules={rules} extra={[param.description, range].filter(Boolean).join(" — ")}>
      <InputNumber
        style={{ width: "100%" }}
        min={param.min}
        max={param.max}
        step={param.step ?? (input === "integer" ? 1 : undefined)}
        precision={input === "integer" ? 0 : undefined}
        data-testid={`param-${param.name}`}
      />
    </Form.Item>
  );
}

/** Create or edit a strategy instance; parameter fields come from the kind's description. */
export function StrategyFormModal({
  open,
  kinds,
  editing,
  onClose,
}: {
  open: boolean;
  kinds: StrategyKindDto[];
  editing: StrategyInstanceDto | null;
  onClose: () => void;
}) {
  const [form] = Form.useForm<FormValues>();
  const symbols = useSymbols();
  const create = useCreateStrategy();
  const update = useUpdateStrategy();
  const mutation = editing ? update : create;
  const kindKey = Form.useWatch("kind", form);
  const kind = useMemo(() => kinds.find((k) => k.kind === kindKey), [kinds, kindKey]);

  const resetCreate = create.reset;
  const resetUpdate = update.reset;
  useEffect(() => {
    if (!open) return;
    resetCreate();
    resetUpdate();
    if (editing) {
      form.setFieldsValue({
        name: editing.name,
        kind: editing.kind,
        symbols: editing.symbols,
        timeframe: editing.timeframe,
        capital: editing.capital,
        maxLossQuote: editing.maxLossQuote ?? null,
        dailyLossQuote: editing.dailyLossQuote ?? null,
        params: { ...defaultParams(kinds.find((k) => k.kind === editing.kind)), ...editing.params },
      });
    } else {
      form.resetFields();
      const first = kinds[0];
      form.setFieldsValue({ kind: first?.kind, timeframe: first?.defaultTimeframe ?? "1m", symbols: [], params: defaultParams(first) });
    }
  }, [open, editing, kinds, form, resetCreate, resetUpdate]);

  const onKindChange = (next: string) => {
    if (editing) return;
    const chosen = kinds.find((k) => k.kind === next);
    form.setFieldsValue({ params: defaultParams(chosen), ...(chosen?.defaultTimeframe ? { timeframe: chosen.defaultTimeframe } : {}) });
  };

  const submit = async () => {
    const values = await form.validateFields();
    const input: StrategyInput = {
      name: values.name.trim(),
      kind: values.kind,
      params: values.params ?? {},
      symbols: values.symbols,
      timeframe: values.timeframe,
      capital: values.capital ?? null,
      maxLossQuote: values.maxLossQuote ?? null,
      dailyLossQuote: values.dailyLossQuote ?? null,
    };
    const onError = (err: unknown) => {
      if (err instanceof ApiError) {
        const fields = fieldErrorsFromDetails(err.details, ["name", "kind", "symbols", "timeframe", "capital", "maxLossQuote", "dailyLossQuote", "params"]);
        if (fields.length > 0) form.setFields(fields);
      }
    };
    if (editing) {
      update.mutate({ id: editing.id, input }, { onSuccess: onClose, onError });
    } else {
      create.mutate(input, { onSuccess: onClose, onError });
    }
  };

  return (
    <Modal
      open={open}
      title={editing ? `Edit ${editing.name}` : "New strategy instance"}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      okText={editing ? "Save" : "Create"}
      okButtonProps={{ loading: mutation.isPending, "data-testid": "strategy-save" }}
      width={760}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" size="small" data-testid="strategy-form">
        {mutation.isError && <Alert type="error" showIcon style={{ marginBottom: 12 }} title="Not saved" description={errorMessage(mutation.error)} data-testid="strategy-error" />}
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="name" label="Name" rules={[{ required: true, whitespace: true, message: "give it a name" }, { max: 80 }]}>
              <Input data-testid="strategy-name" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="kind" label="Kind" rules={[{ required: true }]} extra={kind?.description}>
              <Select
                disabled={!!editing}
                onChange={onKindChange}
                options={kinds.map((k) => ({ value: k.kind, label: k.title }))}
                data-testid="strategy-kind"
              />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="symbols" label="Symbols" rules={[{ required: true, type: "array", min: 1, message: "choose at least one symbol" }]}>
              <Select mode="multiple" options={(symbols.data ?? []).map((s) => ({ value: s.symbol, label: s.symbol }))} data-testid="strategy-symbols" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="timeframe" label="Timeframe" rules={[{ required: true }]}>
              <Select options={TIMEFRAMES.map((t) => ({ value: t, label: t }))} data-testid="strategy-timeframe" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="capital" label="Capital" rules={[{ type: "number", min: 0, message: "must be 0 or more" }]} extra="empty = shared equity">
              <InputNumber style={{ width: "100%" }} min={0} data-testid="strategy-capital" />
            </Form.Item>
          </Col>
        </Row>
        <Row gutter={12}>
          <Col span={6}>
            <Form.Item name="maxLossQuote" label="Max loss" rules={[{ type: "number", min: 0.01, message: "must be more than 0" }]} extra="this instance stops entering once it has lost this much; empty = none">
              <InputNumber style={{ width: "100%" }} min={0} data-testid="strategy-max-loss" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="dailyLossQuote" label="Max daily loss" rules={[{ type: "number", min: 0.01, message: "must be more than 0" }]} extra="the same for today; empty = none">
              <InputNumber style={{ width: "100%" }} min={0} data-testid="strategy-daily-loss" />
            </Form.Item>
          </Col>
        </Row>
        {kind && (
          <>
            <Divider titlePlacement="start" plain style={{ margin: "4px 0 12px" }}>
              Parameters
            </Divider>
            {kind.presets.length > 0 && (
              <Form.Item label="Preset">
                <Select
                  placeholder="Apply a preset…"
                  options={kind.presets.map((p) => ({ value: p.id, label: p.label }))}
                  onChange={(name: string) => {
                    const preset = kind.presets.find((p) => p.id === name);
                    if (preset) form.setFieldsValue({ params: { ...defaultParams(kind), ...preset.params }, ...(preset.timeframe ? { timeframe: preset.timeframe } : {}) });
                  }}
                  data-testid="strategy-preset"
                />
              </Form.Item>
            )}
            <Row gutter={12}>
              {kind.params.map((p) => (
                <Col span={12} key={p.name}>
                  <ParamField param={p} />
                </Col>
              ))}
            </Row>
            {kind.params.length === 0 && <Typography.Text type="secondary">This kind has no parameters.</Typography.Text>}
          </>
        )}
      </Form>
    </Modal>
  );
}
