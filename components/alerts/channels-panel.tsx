"use client";

import { PlusOutlined } from "@ant-design/icons";
import { App, Button, Flex, Form, Input, InputNumber, Modal, Popconfirm, Select, Switch, Table, Tag, Typography, type TableColumnsType } from "antd";
import { useState } from "react";
import type { ChannelInput } from "@/server/alerts/schemas";
import type { ChannelView } from "@/server/alerts";
import type { AlertSeverity, ChannelKind } from "@/server/alerts/types";
import { errorMessage } from "../lib/api";
import { QueryState } from "../ui/query-state";
import { useAlertChannels, useDeleteChannel, useSaveChannel, useTestChannel } from "./use-alerts";

interface FormValues {
  kind: ChannelKind;
  name: string;
  enabled: boolean;
  minSeverity: AlertSeverity;
  chatIds?: string;
  apiRoot?: string;
  botToken?: string;
  host?: string;
  port?: number;
  secure?: boolean;
  user?: string;
  password?: string;
  from?: string;
  to?: string;
  url?: string;
  secret?: string;
}

const list = (text: string | undefined) => (text ?? "").split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

function toInput(v: FormValues): ChannelInput {
  const base = { name: v.name, enabled: v.enabled, routing: { minSeverity: v.minSeverity } };
  const secret = (s: string | undefined) => (s && s.trim() ? s.trim() : undefined);
  if (v.kind === "telegram") return { ...base, kind: "telegram", settings: { chatIds: list(v.chatIds), apiRoot: v.apiRoot || undefined }, secrets: { botToken: secret(v.botToken) } };
  if (v.kind === "email") return { ...base, kind: "email", settings: { host: v.host ?? "", port: v.port ?? 587, secure: v.secure ?? false, user: v.user || undefined, from: v.from ?? "", to: list(v.to) }, secrets: { password: secret(v.password) } };
  return { ...base, kind: "webhook", settings: { url: v.url ?? "" }, secrets: { secret: secret(v.secret) } };
}

function fromView(c: ChannelView): FormValues {
  const s = c.settings as Record<string, unknown>;
  return {
    kind: c.kind,
    name: c.name,
    enabled: c.enabled,
    minSeverity: c.routing.minSeverity,
    chatIds: Array.isArray(s.chatIds) ? s.chatIds.join(", ") : undefined,
    apiRoot: typeof s.apiRoot === "string" ? s.apiRoot : undefined,
    host: typeof s.host === "string" ? s.host : undefined,
    port: typeof s.port === "number" ? s.port : undefined,
    secure: s.secure === true,
    user: typeof s.user === "string" ? s.user : undefined,
    from: typeof s.from === "string" ? s.from : undefined,
    to: Array.isArray(s.to) ? s.to.join(", ") : undefined,
    url: typeof s.url === "string" ? s.url : undefined,
  };
}

function summary(c: ChannelView): string {
  const s = c.settings as Record<string, unknown>;
  if (c.kind === "telegram") return `chats ${(s.chatIds as string[] | undefined)?.join(", ") ?? "—"}`;
  if (c.kind === "email") return `${(s.to as string[] | undefined)?.join(", ") ?? "—"} via ${String(s.host)}:${String(s.port)}`;
  return String(s.url);
}

/** Settings → Alerts: the channels, a "send test" button each, and a form to add or edit one. */
export function AlertChannelsPanel() {
  const channels = useAlertChannels();
  const save = useSaveChannel();
  const remove = useDeleteChannel();
  const test = useTestChannel();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const [editing, setEditing] = useState<{ id?: string; secrets?: Record<string, boolean> } | null>(null);
  const kind = Form.useWatch("kind", form);

  const sendTest = (c: ChannelView) =>
    test
      .mutateAsync(c.id)
      .then((d) => (d.status === "sent" ? void message.success(`Test sent on ${c.name}`) : void message.error(`Test on ${c.name} failed: ${d.error ?? d.status}`)))
      .catch((err: unknown) => void message.error(`Test failed: ${errorMessage(err)}`));

  const columns: TableColumnsType<ChannelView> = [
    { title: "Name", key: "name", render: (_, c) => <Flex gap={6} align="center">{c.name}{c.source === "config" && <Tag>config file / environment</Tag>}{!c.enabled && <Tag>off</Tag>}</Flex> },
    { title: "Kind", dataIndex: "kind", key: "kind" },
    { title: "Where", key: "where", render: (_, c) => <Typography.Text type="secondary">{summary(c)}</Typography.Text> },
    { title: "Sends", key: "routing", render: (_, c) => `${c.routing.minSeverity} and above` },
    {
      title: "",
      key: "actions",
      align: "right",
      render: (_, c) => (
        <Flex gap={6} justify="end">
          <Button size="small" onClick={() => void sendTest(c)} loading={test.isPending && test.variables === c.id} data-testid={`alert-channel-test-${c.kind}`}>
            Send test
          </Button>
          {c.source === "settings" && (
            <>
              <Button size="small" onClick={() => { form.setFieldsValue(fromView(c)); setEditing({ id: c.id, secrets: c.secrets }); }}>
                Edit
              </Button>
              <Popconfirm title={`Delete ${c.name}?`} okText="Delete" okButtonProps={{ danger: true }} onConfirm={() => remove.mutateAsync(c.id).catch((err: unknown) => void message.error(errorMessage(err)))}>
                <Button size="small" danger>
                  Delete
                </Button>
              </Popconfirm>
            </>
          )}
        </Flex>
      ),
    },
  ];

  const submit = async () => {
    const values = await form.validateFields();
    await save.mutateAsync({ id: editing?.id, input: toInput(values) });
    setEditing(null);
    void message.success("Channel saved");
  };
  const keep = (name: string) => (editing?.secrets?.[name] ? "stored (leave empty to keep)" : undefined);

  return (
    <Flex vertical gap={12}>
      <Flex justify="space-between" align="center" gap={8}>
        <Typography.Text type="secondary">
          Where the bot reports kill switches, exit alarms, breakers, trades and its daily summary. Critical alerts are always sent; others follow each channel&apos;s level, the hourly limit and quiet hours (config: alerts). Secrets are stored encrypted.
        </Typography.Text>
        <Button
          type="primary"
          size="small"
          icon={<PlusOutlined />}
          data-testid="alert-channel-add"
          onClick={() => {
            form.resetFields();
            form.setFieldsValue({ kind: "telegram", name: "Telegram", enabled: true, minSeverity: "info", apiRoot: "https://api.telegram.org", port: 587 });
            setEditing({});
          }}
        >
          Add channel
        </Button>
      </Flex>
      <QueryState query={channels} what="Alert channels" isEmpty={channels.data?.length === 0}>
        <Table<ChannelView> size="small" rowKey="id" columns={columns} dataSource={channels.data} pagination={false} data-testid="alert-channels" />
      </QueryState>
      <Modal
        open={editing !== null}
        title={editing?.id ? "Edit alert channel" : "New alert channel"}
        onCancel={() => setEditing(null)}
        onOk={() => void submit().catch((err: unknown) => (err && typeof err === "object" && "errorFields" in err ? undefined : void message.error(errorMessage(err))))}
        okText="Save"
        okButtonProps={{ loading: save.isPending, "data-testid": "alert-channel-save" }}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" size="small" requiredMark={false}>
          <Flex gap={8}>
            <Form.Item name="kind" label="Kind" style={{ flex: 1 }}>
              <Select disabled={Boolean(editing?.id)} options={[{ value: "telegram", label: "Telegram" }, { value: "email", label: "E-mail (SMTP)" }, { value: "webhook", label: "Webhook" }]} />
            </Form.Item>
            <Form.Item name="name" label="Name" rules={[{ required: true, whitespace: true }]} style={{ flex: 2 }}>
              <Input maxLength={64} />
            </Form.Item>
          </Flex>
          <Flex gap={8}>
            <Form.Item name="minSeverity" label="Send alerts from" style={{ flex: 1 }}>
              <Select options={[{ value: "info", label: "info (everything)" }, { value: "warning", label: "warning" }, { value: "critical", label: "critical only" }]} />
            </Form.Item>
            <Form.Item name="enabled" label="On" valuePropName="checked">
              <Switch />
            </Form.Item>
          </Flex>
          {kind === "telegram" && (
            <>
              <Form.Item name="botToken" label="Bot token (from @BotFather)" rules={editing?.secrets?.botToken ? [] : [{ required: true }]}>
                <Input.Password placeholder={keep("botToken") ?? "123456:ABC-DEF…"} autoComplete="off" />
              </Form.Item>
              <Form.Item name="chatIds" label="Chat ids (comma-separated; only these chats may send commands)" rules={[{ required: true }]}>
                <Input placeholder="123456789" />
              </Form.Item>
              <Form.Item name="apiRoot" label="Bot API server">
                <Input />
              </Form.Item>
            </>
          )}
          {kind === "email" && (
            <>
              <Flex gap={8}>
                <Form.Item name="host" label="SMTP host" rules={[{ required: true }]} style={{ flex: 3 }}>
                  <Input placeholder="smtp.example.com" />
                </Form.Item>
                <Form.Item name="port" label="Port" style={{ flex: 1 }}>
                  <InputNumber min={1} max={65535} style={{ width: "100%" }} />
                </Form.Item>
                <Form.Item name="secure" label="TLS (465)" valuePropName="checked">
                  <Switch />
                </Form.Item>
              </Flex>
              <Flex gap={8}>
                <Form.Item name="user" label="User" style={{ flex: 1 }}>
                  <Input autoComplete="off" />
                </Form.Item>
                <Form.Item name="password" label="Password" style={{ flex: 1 }}>
                  <Input.Password placeholder={keep("password")} autoComplete="new-password" />
                </Form.Item>
              </Flex>
              <Form.Item name="from" label="From" rules={[{ required: true }]}>
                <Input placeholder="tradekeel@example.com" />
              </Form.Item>
              <Form.Item name="to" label="To (comma-separated)" rules={[{ required: true }]}>
                <Input placeholder="me@example.com" />
              </Form.Item>
            </>
          )}
          {kind === "webhook" && (
            <>
              <Form.Item name="url" label="URL (JSON POST)" rules={[{ required: true }]}>
                <Input placeholder="https://example.com/tradekeel-hook" />
              </Form.Item>
              <Form.Item name="secret" label="Signing secret (X-Tradekeel-Signature: HMAC-SHA256 of timestamp.body)">
                <Input.Password placeholder={keep("secret") ?? "at least 16 characters"} autoComplete="off" />
              </Form.Item>
            </>
          )}
        </Form>
      </Modal>
    </Flex>
  );
}
