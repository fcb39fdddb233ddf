"use client";

import { Alert, App, Button, Flex, Form, Input, Modal, Select, Table, Tag, Typography, type TableColumnsType } from "antd";
import { useState } from "react";
import { errorMessage } from "../lib/api";
import { formatDateTime } from "../lib/format";
import type { CredentialDto } from "../lib/types";
import { useCredentials, useSaveCredential } from "../hooks/use-settings";
import { Num } from "../ui/num";
import { QueryState } from "../ui/query-state";

interface Target {
  venue: string;
  network: string;
  fixed: boolean;
}

export function CredentialsPanel() {
  const credentials = useCredentials();
  const save = useSaveCredential();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ venue: string; network: string; apiKey: string; secret: string }>();
  const [target, setTarget] = useState<Target | null>(null);

  const openFor = (t: Target) => {
    save.reset();
    setTarget(t);
  };

  const columns: TableColumnsType<CredentialDto> = [
    { title: "Venue", dataIndex: "venue", key: "venue" },
    { title: "Network", dataIndex: "network", key: "network" },
    { title: "Keys", key: "set", render: (_, c) => (c.set ? <Tag color="success">set</Tag> : <Tag>not set</Tag>) },
    { title: "API key", key: "last4", render: (_, c) => <Num>{c.last4 ? `…${c.last4}` : "—"}</Num> },
    { title: "Validated", key: "validated", render: (_, c) => <Num>{c.validatedAt ? formatDateTime(c.validatedAt) : "not yet"}</Num> },
    {
      title: "",
      key: "actions",
      align: "right",
      render: (_, c) => (
        <Button size="small" onClick={() => openFor({ venue: c.venue, network: c.network, fixed: true })} data-testid={`credential-set-${c.venue}-${c.network}`}>
          {c.set ? "Replace keys" : "Set keys"}
        </Button>
      ),
    },
  ];

  const submit = async () => {
    const v = await form.validateFields();
    save.mutate(
      { venue: v.venue.trim(), network: v.network, apiKey: v.apiKey.trim(), secret: v.secret.trim() },
      {
        onSuccess: () => {
          void message.success(`Keys saved for ${v.venue} ${v.network}`);
          setTarget(null);
        },
      },
    );
  };

  return (
    <Flex vertical gap={12}>
      <Flex justify="space-between" align="center">
        <Typography.Text type="secondary">Keys are stored encrypted on this server and never shown again; only the last 4 characters are.</Typography.Text>
        <Button size="small" onClick={() => openFor({ venue: "", network: "testnet", fixed: false })} data-testid="credential-add">
          Other venue…
        </Button>
      </Flex>
      <QueryState query={credentials} what="Exchange credentials" isEmpty={credentials.data?.length === 0}>
        <div data-testid="credentials-table">
          <Table<CredentialDto> size="small" rowKey={(c) => `${c.venue}/${c.network}`} columns={columns} dataSource={credentials.data} pagination={false} />
        </div>
      </QueryState>
      <Modal
        open={target !== null}
        title={target?.fixed ? `API keys for ${target.venue} (${target.network})` : "API keys"}
        onCancel={() => setTarget(null)}
        onOk={() => void submit().catch(() => undefined)}
        okText="Save keys"
        okButtonProps={{ loading: save.isPending, "data-testid": "credential-save" }}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" autoComplete="off" preserve={false} initialValues={target ? { venue: target.venue, network: target.network } : undefined}>
          <Form.Item name="venue" label="Venue (ccxt id)" rules={[{ required: true, whitespace: true }, { pattern: /^[a-z0-9_-]+$/, message: "lower-case ccxt id, e.g. binance" }]}>
            <Input disabled={target?.fixed} data-testid="credential-venue" />
          </Form.Item>
          <Form.Item name="network" label="Network" rules={[{ required: true }]}>
            <Select
              disabled={target?.fixed}
              options={[
                { value: "testnet", label: "testnet" },
                { value: "mainnet", label: "mainnet (real money)" },
              ]}
              data-testid="credential-network"
            />
          </Form.Item>
          <Form.Item name="apiKey" label="API key" rules={[{ required: true, whitespace: true }]}>
            <Input.Password autoComplete="off" data-testid="credential-api-key" />
          </Form.Item>
          <Form.Item name="secret" label="Secret" rules={[{ required: true, whitespace: true }]}>
            <Input.Password autoComplete="off" data-testid="credential-secret" />
          </Form.Item>
        </Form>
        {save.isError && <Alert type="error" showIcon title="Keys not saved" description={errorMessage(save.error)} data-testid="credential-error" />}
      </Modal>
    </Flex>
  );
}
