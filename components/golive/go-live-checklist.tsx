"use client";

import { Alert, Flex, Tag, Typography } from "antd";
import { QueryState } from "../ui/query-state";
import { useGoLive } from "./use-go-live";

const STAGE_LABEL: Record<string, string> = { backtest: "Backtest", paper: "Paper", ghost: "Ghost", testnet: "Testnet", risk: "Risk" };

/** The plans' go-live checklist with the figure behind each item (the Go-live page and the arming dialog). */
export function GoLiveChecklistView({ compact = false }: { compact?: boolean }) {
  const goLive = useGoLive();
  const d = goLive.data;
  return (
    <QueryState query={goLive} what="Go-live checklist" rows={4}>
      <Flex vertical gap={6} data-testid="go-live-checklist" data-ready={d?.ready ? "true" : "false"}>
        {d && !d.ready && (
          <Alert
            type={compact ? "error" : "warning"}
            showIcon
            data-testid="go-live-not-ready"
            title={`${d.failing.length} of ${d.items.length} go-live items fail`}
            description={compact ? "Arming real money is refused while an item fails, unless you override with the typed phrase and a two-factor code (audited)." : undefined}
          />
        )}
        {d?.ready && <Alert type="success" showIcon title="Every go-live item passes" data-testid="go-live-ready" />}
        <ul style={{ margin: 0, paddingInlineStart: 0, listStyle: "none" }}>
          {(compact ? (d?.failing ?? []) : (d?.items ?? [])).map((item) => (
            <li key={item.id} data-testid={`go-live-item-${item.id}`} data-passed={item.passed ? "true" : "false"} style={{ padding: "2px 0" }}>
              <Flex gap={8} align="baseline" wrap>
                <Tag color={item.passed ? "green" : "red"} style={{ minWidth: 44, textAlign: "center" }}>
                  {item.passed ? "PASS" : "FAIL"}
                </Tag>
                <Typography.Text type="secondary" style={{ minWidth: 60 }}>
                  {STAGE_LABEL[item.stage]}
                </Typography.Text>
                <Typography.Text>{item.label}</Typography.Text>
                <Typography.Text className="num" type={item.passed ? "secondary" : "danger"} data-testid={`go-live-figure-${item.id}`}>
                  {item.figure}
                </Typography.Text>
              </Flex>
            </li>
          ))}
        </ul>
      </Flex>
    </QueryState>
  );
}
