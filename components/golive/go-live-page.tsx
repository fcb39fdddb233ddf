"use client";

import { App, Button, Col, Row, Typography } from "antd";
import { errorMessage } from "../lib/api";
import { Panel } from "../ui/panel";
import { GoLiveChecklistView } from "./go-live-checklist";
import { LiveRampPanel } from "./live-ramp-panel";
import { useAcknowledgeRisk } from "./use-go-live";

/** Go-live: the checklist of the plans, the ramp, and the acknowledgement of the limits in force. */
export function GoLivePage() {
  const ack = useAcknowledgeRisk();
  const { message } = App.useApp();
  return (
    <Row gutter={[12, 12]}>
      <Col xs={24} xl={14}>
        <Panel
          title="Go-live checklist"
          testId="go-live-panel"
          extra={
            <Button
              size="small"
              data-testid="go-live-acknowledge"
              loading={ack.isPending}
              onClick={() => ack.mutate(undefined, { onSuccess: () => void message.success("Risk limits acknowledged (audited)"), onError: (e) => void message.error(errorMessage(e)) })}
            >
              Acknowledge the risk limits
            </Button>
          }
        >
          <Typography.Paragraph type="secondary">
            Every item comes from stored history: backtests, paper and ghost runs, and live trades on a testnet. Arming real money is refused while an item fails.
          </Typography.Paragraph>
          <GoLiveChecklistView />
        </Panel>
      </Col>
      <Col xs={24} xl={10}>
        <LiveRampPanel />
      </Col>
    </Row>
  );
}
