"use client";

import { PlusOutlined } from "@ant-design/icons";
import { Alert, App, Button, Flex, Form, Input, Modal, Popconfirm, Table, Tag, Typography, type TableColumnsType } from "antd";
import { useState } from "react";
import { errorMessage } from "../lib/api";
import { formatDateTime } from "../lib/format";
import type { ApiTokenDto, CreatedApiTokenDto } from "../lib/types";
import { useCreateToken, useRevokeToken, useTokens } from "../hooks/use-settings";
import { Num } from "../ui/num";
import { QueryState } from "../ui/query-state";

export function TokensPanel() {
  const tokens = useTokens();
  const create = useCreateToken();
  const revoke = useRevokeToken();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ name: string }>();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiTokenDto | null>(null);

  const columns: TableColumnsType<ApiTokenDto> = [
    { title: "Name", dataIndex: "name", key: "name" },
    { title: "Token", key: "last4", render: (_, t) => <Num>{t.last4 ? `…${t.last4}` : "—"}</Num> },
    { title: "Created", key: "created", render: (_, t) => <Num>{formatDateTime(t.createdAt)}</Num> },
    { title: "Last used", key: "used", render: (_, t) => <Num>{t.lastUsedAt ? formatDateTime(t.lastUsedAt) : "never"}</Num> },
    {
      title: "",
      key: "actions",
      align: "right",
      render: (_, t) =>
        t.revokedAt ? (
          <Tag>revoked {formatDateTime(t.revokedAt)}</Tag>
        ) : (
          <Popconfirm
            title={`Revoke ${t.name}?`}
            description="Scripts using it are refused from now on."
            okText="Revoke"
            okButtonProps={{ danger: true, "data-testid": "token-revoke-confirm" }}
            onConfirm={() => revoke.mutateAsync(t.id).then(() => void message.success("Token revoked")).catch((err: unknown) => void message.error(`Revoke failed: ${errorMessage(err)}`))}
          >
            <Button size="small" danger data-testid={`token-revoke-${t.id}`}>
              Revoke
            </Button>
          </Popconfirm>
        ),
    },
  ];

  const submit = async () => {
    const { name } = await form.validateFields();
    create.mutate(name.trim(), {
      onSuccess: (token) => {
        setCreating(false);
        setCreated(token);
      },
    });
  };

  return (
    <Flex vertical gap={12}>
      <Flex justify="space-between" align="center">
        <Typography.Text type="secondary">Bearer tokens for scripts and the CLI (header: Authorization: Bearer &lt;token&gt;).</Typography.Text>
        <Button type="primary" size="small" icon={<PlusOutlined />} onClick={() => { create.reset(); setCreating(true); }} data-testid="token-create">
          New token
        </Button>
      </Flex>
      <QueryState query={tokens} what="API tokens" isEmpty={tokens.data?.length === 0}>
        <div data-testid="tokens-table">
          <Table<ApiTokenDto> size="small" rowKey="id" columns={columns} dataSource={tokens.data} pagination={false} />
        </div>
      </QueryState>
      <Modal
        open={creating}
        title="New API token"
        onCancel={() => setCreating(false)}
        onOk={() => void submit().catch(() => undefined)}
        okText="Create"
        okButtonProps={{ loading: create.isPending, "data-testid": "token-create-confirm" }}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" preserve={false}>
          <Form.Item name="name" label="Name" rules={[{ required: true, whitespace: true, message: "name the token after what uses it" }, { max: 80 }]}>
            <Input placeholder="e.g. backup script" data-testid="token-name" />
          </Form.Item>
        </Form>
        {create.isError && <Alert type="error" showIcon title="Not created" description={errorMessage(create.error)} />}
      </Modal>
      <Modal
        open={created !== null}
        title="Token created"
        onCancel={() => setCreated(null)}
        footer={<Button type="primary" onClick={() => setCreated(null)} data-testid="token-created-done">I have stored it</Button>}
      >
        <Alert type="warning" showIcon title="Copy it now: it is shown only once." style={{ marginBottom: 12 }} />
        <Typography.Paragraph copyable={{ text: created?.token ?? "" }} style={{ wordBreak: "break-all" }}>
          <Typography.Text code data-testid="token-created-value">
            {created?.token}
          </Typography.Text>
        </Typography.Paragraph>
      </Modal>
    </Flex>
  );
}
