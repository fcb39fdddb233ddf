"use client";

import { Descriptions, Steps, Typography } from "antd";
import { formatDateTime } from "../lib/format";
import { Panel } from "../ui/panel";
import { QueryState } from "../ui/query-state";
import { useGoLive } from "./use-go-live";

const STAGES = ["first", "second", "full"] as const;

/** Where the live position ramp stands (Risk and Go-live pages). */
export function LiveRampPanel() {
  const goLive = useGoLive();
  const d = goLive.data;
  const ramp = d?.ramp;
  const rules = d?.limits.live;
  return (
    <Panel title="Live position ramp" testId="live-ramp">
      <QueryState query={goLive} what="Ramp" rows={2}>
        {ramp && rules && (
          <>
            <Steps
              size="small"
              current={STAGES.indexOf(ramp.stage)}
              items={[
                { title: `First: ${rules.ramp.firstCapQuote}`, description: `until ${rules.ramp.tradesToSecondStage} winning live trade${rules.ramp.tradesToSecondStage === 1 ? "" : "s"}` },
                { title: `Second: ${rules.ramp.secondCapQuote}`, description: "until one profitable week" },
                { title: "Full size", description: "a losing week steps back" },
              ]}
            />
            <Descriptions size="small" column={1} style={{ marginTop: 8 }}>
              <Descriptions.Item label="Stage">
                <span data-testid="live-ramp-stage">{ramp.stage}</span>
              </Descriptions.Item>
              <Descriptions.Item label="Cap per position">
                <span className="num" data-testid="live-ramp-cap">
                  {ramp.capQuote === null ? "full size (the other limits)" : ramp.capQuote}
                </span>
              </Descriptions.Item>
              <Descriptions.Item label="Why">{ramp.reason}</Descriptions.Item>
              {ramp.since !== null && <Descriptions.Item label="Since">{formatDateTime(ramp.since)}</Descriptions.Item>}
            </Descriptions>
            <Typography.Text type="secondary">
              Live rulebook: max position {rules.maxPositionQuote}, loss per trade {rules.maxTradeLossQuote}, per day {rules.dailyLossQuote}, per week {rules.weeklyLossQuote}, {rules.maxOpenPositions} open,{" "}
              {rules.minEntryIntervalSec} s between entries, {rules.symbolWhitelist.join(", ")},{" "}
              {rules.blackoutHoursUtc.length > 0 ? `no entries at ${rules.blackoutHoursUtc.join(", ")} h UTC` : "no blackout hours"}.
            </Typography.Text>
          </>
        )}
      </QueryState>
    </Panel>
  );
}
