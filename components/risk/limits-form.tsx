"use client";

import { Alert, App, Button, Col, Descriptions, Form, InputNumber, Row, Tooltip, Typography } from "antd";
import { useEffect, useMemo } from "react";
import { ApiError, errorMessage } from "../lib/api";
import type { RiskLimitsDto } from "../lib/types";
import { useUpdateLimits } from "../hooks/use-risk";
import { changedLimits, humanizeKey } from "./risk-format";

type Values = Record<string, number | null | undefined>;

/** Tighten limits at run time. The server refuses loosening (LIMIT_LOOSENING) and its message is shown. */
export function LimitsForm({ limits, tighter }: { limits: RiskLimitsDto; tighter?: Record<string, "lower" | "higher"> }) {
  const [form] = Form.useForm<Values>();
  const update = useUpdateLimits();
  const { message } = App.useApp();

  const numericKeys = useMemo(
    () => Object.keys(limits).filter((k) => typeof limits[k] === "number" || limits[k] === null),
    [limits],
  );
  // The live rulebook (an object) is shown by the live ramp panel beside this form (issue 16).
  const otherKeys = Object.keys(limits).filter((k) => !numericKeys.includes(k) && k !== "live");
  const initial = useMemo(() => Object.fromEntries(numericKeys.map((k) => [k, limits[k] as number | null])), [numericKeys, limits]);

  // Follow the server's values while the trader is not editing.
  useEffect(() => {
    if (!form.isFieldsTouched()) form.setFieldsValue(initial);
  }, [form, initial]);

  const submit = (values: Values) => {
    const patch = changedLimits(limits, values);
    if (Object.keys(patch).length === 0) {
      void message.info("Nothing changed");
      return;
    }
    update.mutate(patch, {
      onSuccess: () => {
        void message.success(`Limits updated: ${Object.keys(patch).map(humanizeKey).join(", ")}`);
        form.resetFields();
      },
    });
  };

  const err = update.error;
  // The contract says LIMIT_LOOSENING; the server answers RISK_LIMIT_LOOSENING (409). Either is a refusal to loosen.
  const loosening = err instanceof ApiError && /LOOSENING/.test(err.code);
  return (
    <Form form={form} layout="vertical" size="small" initialValues={initial} onFinish={submit} data-testid="risk-limits-form">
      {update.isError && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="risk-limits-error"
          title={loosening ? "Loosening refused" : "Limits not updated"}
          description={errorMessage(err)}
        />
      )}
      <Row gutter={12}>
        {numericKeys.map((key) => {
          const direction = tighter?.[key];
          return (
            <Col xs={24} sm={12} lg={8} xxl={6} key={key}>
              <Form.Item
                name={key}
                label={
                  <Tooltip title={direction ? `Tighter = ${direction}` : undefined}>
                    <span>
                      {humanizeKey(key)}
                      {direction ? ` ${direction === "lower" ? "↓" : "↑"}` : ""}
                    </span>
                  </Tooltip>
                }
                rules={[{ type: "number", min: 0, message: "must be 0 or more" }]}
              >
                <InputNumber style={{ width: "100%" }} placeholder="no limit" data-testid={`risk-limit-${key}`} />
              </Form.Item>
            </Col>
          );
        })}
      </Row>
      {otherKeys.length > 0 && (
        <Descriptions size="small" column={2} style={{ marginBottom: 12 }} title={<Typography.Text type="secondary">Set in the config file</Typography.Text>}>
          {otherKeys.map((k) => (
            <Descriptions.Item key={k} label={humanizeKey(k)}>
              <span className="num">{Array.isArray(limits[k]) ? ((limits[k] as unknown[]).length ? (limits[k] as unknown[]).join(", ") : "none") : String(limits[k])}</span>
            </Descriptions.Item>
          ))}
        </Descriptions>
      )}
      <Button type="primary" htmlType="submit" loading={update.isPending} data-testid="risk-limits-submit">
        Tighten limits
      </Button>
      <Button style={{ marginInlineStart: 8 }} onClick={() => { form.resetFields(); update.reset(); }}>
        Undo changes
      </Button>
    </Form>
  );
}
