"use client";

import { Alert, Button, Col, Descriptions, Flex, Row, Statistic, Table, Tag, Tooltip, Typography, type TableColumnsType } from "antd";
import { useEffect } from "react";
import { SymbolSelect, TimeframeSelect } from "../charts/chart-toolbar";
import { useLocalStorageState } from "../hooks/use-local-storage";
import { useSymbols } from "../hooks/use-market";
import { useRisk } from "../hooks/use-risk";
import { errorMessage } from "../lib/api";
import { formatDateTime, formatNumber, formatPrice } from "../lib/format";
import { COLORS } from "../shell/colors";
import { Num } from "../ui/num";
import { Panel } from "../ui/panel";
import { QueryState } from "../ui/query-state";
import { CalibrationChart } from "./calibration-chart";
import { ContributionBars } from "./contribution-bars";
import {
  REGIME_TEXT,
  RISK_COLOR,
  edgeVerdict,
  formatProbability,
  formatShare,
  leanColor,
  parseInsightsPrefs,
  regimeColor,
  riskLevel,
  type InsightsPrefs,
} from "./insights-format";
import type { ConsensusItemDto, InsightsDto, ModelSummaryDto, SummaryDto } from "./types";
import { useInsights, useModels, useSummary, useTrainModel } from "./use-insights";

const INITIAL: InsightsPrefs = { symbol: null, timeframe: "5m" };

function Stat({ title, value, color, testId, suffix }: { title: string; value: string; color?: string; testId?: string; suffix?: string }) {
  return <Statistic title={title} value={value} suffix={suffix} styles={{ content: { fontSize: 18, color, fontVariantNumeric: "tabular-nums" } }} data-testid={testId} />;
}

function RegimePanel({ data }: { data: InsightsDto }) {
  const e = data.regime.evidence;
  return (
    <Panel title="Regime" testId="insights-regime">
      <Flex vertical gap={8}>
        <Tag color={regimeColor(data.regime.label)} style={{ alignSelf: "flex-start", fontSize: 14, padding: "2px 10px" }} data-testid="regime-label">
          {REGIME_TEXT[data.regime.label]}
        </Tag>
        <Typography.Text type="secondary">{data.regime.rule}</Typography.Text>
        <Descriptions size="small" column={2} colon={false}>
          <Descriptions.Item label="ADX">
            <Num>{formatNumber(e.adx, 1)}</Num>
          </Descriptions.Item>
          <Descriptions.Item label="+DI / −DI">
            <Num>
              {formatNumber(e.plusDI, 1)} / {formatNumber(e.minusDI, 1)}
            </Num>
          </Descriptions.Item>
          <Descriptions.Item label="EMA50 slope (10)">
            <Num>{e.ema50SlopePct === null ? "—" : `${e.ema50SlopePct >= 0 ? "+" : ""}${e.ema50SlopePct.toFixed(2)}%`}</Num>
          </Descriptions.Item>
          <Descriptions.Item label="ATR">
            <Num>{formatNumber(e.atrPct, 2)}%</Num>
          </Descriptions.Item>
          <Descriptions.Item label="Volatility (20)">
            <Num>{formatNumber(e.volatilityPct, 3)}%</Num>
          </Descriptions.Item>
          <Descriptions.Item label="Vol. percentile">
            <Num>{e.volatilityPercentile === null ? "—" : formatNumber(e.volatilityPercentile, 0)}</Num>
          </Descriptions.Item>
        </Descriptions>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          Trend needs ADX ≥ {e.trendAdxThreshold} with slope and DI agreeing; volatile from the {e.volatilePercentileThreshold}th percentile of the last 200 candles.
        </Typography.Text>
      </Flex>
    </Panel>
  );
}

function ModelPanel({ data, onTrain, training }: { data: InsightsDto; onTrain: () => void; training: boolean }) {
  const m = data.model;
  if (!m) {
    return (
      <Panel title="Model" testId="insights-model">
        <Flex vertical gap={8}>
          <Typography.Text type="secondary" data-testid="model-status">
            {data.modelStatus}
          </Typography.Text>
          <Button type="primary" onClick={onTrain} loading={training} style={{ alignSelf: "flex-start" }} data-testid="train-model">
            Train a model on the stored history
          </Button>
        </Flex>
      </Panel>
    );
  }
  const o = m.outOfSample;
  const verdict = edgeVerdict(o);
  const verdictColor = verdict.level === "edge" ? COLORS.profit : verdict.level === "worse" ? COLORS.loss : COLORS.warning;
  return (
    <Panel
      title={`Model v${m.version}`}
      testId="insights-model"
      extra={
        <Tooltip title="Trains a new version on the stored history and evaluates it walk-forward">
          <Button size="small" onClick={onTrain} loading={training} data-testid="train-model">
            Retrain
          </Button>
        </Tooltip>
      }
    >
      <Flex vertical gap={8}>
        <Row gutter={[12, 8]}>
          <Col span={8}>
            <Stat title={`P(higher in ${m.horizon})`} value={formatProbability(m.probability)} color={m.probability >= 0.5 ? COLORS.profit : COLORS.loss} testId="model-probability" />
          </Col>
          <Col span={8}>
            <Stat title="OOS accuracy" value={formatShare(o.accuracy)} testId="model-accuracy" />
          </Col>
          <Col span={8}>
            <Stat title="Majority guess" value={formatShare(o.majorityAccuracy)} testId="model-majority" />
          </Col>
        </Row>
        <Typography.Text style={{ color: verdictColor }} data-testid="model-verdict">
          Out of sample it {verdict.text}.
        </Typography.Text>
        <Descriptions size="small" column={2} colon={false}>
          <Descriptions.Item label="Base rate">
            <Num>{formatProbability(o.baseRate)}</Num>
          </Descriptions.Item>
          <Descriptions.Item label="Samples">
            <Num>{o.samples}</Num>
          </Descriptions.Item>
          <Descriptions.Item label="Precision / recall">
            <Num>
              {formatShare(o.precision)} / {formatShare(o.recall)}
            </Num>
          </Descriptions.Item>
          <Descriptions.Item label="Log loss (baseline)">
            <Num>
              {o.logLoss.toFixed(4)} ({o.baselineLogLoss.toFixed(4)})
            </Num>
          </Descriptions.Item>
          <Descriptions.Item label="Brier (baseline)">
            <Num>
              {o.brier.toFixed(4)} ({o.baselineBrier.toFixed(4)})
            </Num>
          </Descriptions.Item>
          <Descriptions.Item label="Trained">
            <Num>{formatDateTime(m.trainedAt)}</Num>
          </Descriptions.Item>
        </Descriptions>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {o.method}; evaluated {formatDateTime(o.evaluatedFrom)} – {formatDateTime(o.evaluatedTo)}. The probability is for the close {m.horizon} candles after the candle of{" "}
          {formatDateTime(data.candleTime)}.
        </Typography.Text>
      </Flex>
    </Panel>
  );
}

function RiskPanel() {
  const risk = useRisk();
  const { level, worst } = riskLevel(risk.data?.usage, risk.data?.tradingState);
  return (
    <Panel title="Risk" testId="insights-risk">
      <QueryState query={risk} what="Risk" rows={2}>
        <Flex vertical gap={6}>
          <Tag color={RISK_COLOR[level]} style={{ alignSelf: "flex-start" }} data-testid="risk-level">
            {risk.data && risk.data.tradingState !== "ACTIVE" ? risk.data.tradingState : level.toUpperCase()}
          </Tag>
          <Typography.Text>
            Trading state <strong>{risk.data?.tradingState ?? "—"}</strong>
            {risk.data?.reason ? `: ${risk.data.reason}` : ""}
          </Typography.Text>
          {worst && (
            <Typography.Text type="secondary">
              Closest limit: {worst.label} at {formatShare(worst.ratio)} of its limit.
            </Typography.Text>
          )}
        </Flex>
      </QueryState>
    </Panel>
  );
}

const consensusColumns: TableColumnsType<ConsensusItemDto> = [
  { title: "Indicator", dataIndex: "indicator", key: "indicator", render: (v: string) => <strong>{v}</strong> },
  { title: "Reading", key: "reading", align: "right", render: (_, x) => <Num>{formatNumber(x.reading, Math.abs(x.reading) < 1 ? 4 : 2)}</Num> },
  { title: "Detail", dataIndex: "detail", key: "detail", render: (v: string) => <Typography.Text type="secondary">{v}</Typography.Text> },
  {
    title: "Lean",
    key: "lean",
    render: (_, x) => (
      <Tooltip title={`Rule: ${x.rule}`}>
        <Tag color={leanColor(x.lean)}>{x.lean}</Tag>
      </Tooltip>
    ),
  },
];

function SummaryBlock({ summary }: { summary: SummaryDto }) {
  if (summary.status === "ok") {
    return (
      <Alert
        type="info"
        showIcon
        data-testid="llm-summary"
        title={summary.label}
        description={
          <Flex vertical gap={4}>
            <Typography.Text>{summary.text}</Typography.Text>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {summary.provider} · {summary.model} · {formatDateTime(summary.generatedAt)}
              {summary.fromCache ? " (cached)" : ""}
            </Typography.Text>
          </Flex>
        }
      />
    );
  }
  return (
    <Typography.Text type="secondary" data-testid="llm-summary">
      LLM summary {summary.status.replace("_", " ")}: {summary.message}
    </Typography.Text>
  );
}

const modelColumns: TableColumnsType<ModelSummaryDto> = [
  { title: "Version", key: "v", render: (_, x) => <Num>{`v${x.version}${x.latest ? " (latest)" : ""}`}</Num> },
  { title: "Trained", key: "t", render: (_, x) => <Num>{formatDateTime(x.createdAt)}</Num> },
  { title: "Horizon", dataIndex: "horizon", key: "h", align: "right" },
  { title: "Train samples", dataIndex: "trainSamples", key: "n", align: "right" },
  { title: "OOS accuracy", key: "acc", align: "right", render: (_, x) => <Num>{formatShare(x.outOfSample.accuracy)}</Num> },
  { title: "Majority", key: "maj", align: "right", render: (_, x) => <Num>{formatShare(x.outOfSample.majorityAccuracy)}</Num> },
  { title: "Log loss", key: "ll", align: "right", render: (_, x) => <Num>{x.outOfSample.logLoss.toFixed(4)}</Num> },
  { title: "Edge", key: "edge", render: (_, x) => <Tag color={x.significant ? COLORS.profit : COLORS.muted}>{x.significant ? "significant" : "none"}</Tag> },
];

export function InsightsPage() {
  const [prefs, setPrefs, loaded] = useLocalStorageState<InsightsPrefs>("tradekeel.insights", INITIAL, parseInsightsPrefs);
  const symbols = useSymbols();
  useEffect(() => {
    if (!loaded || !symbols.data || symbols.data.length === 0) return;
    if (!prefs.symbol || !symbols.data.some((s) => s.symbol === prefs.symbol)) setPrefs((p) => ({ ...p, symbol: symbols.data[0]!.symbol }));
  }, [loaded, symbols.data, prefs.symbol, setPrefs]);

  const symbol = prefs.symbol ?? undefined;
  const insights = useInsights(symbol, prefs.timeframe);
  const models = useModels(symbol, prefs.timeframe);
  const train = useTrainModel();
  const summary = useSummary();
  const data = insights.data;
  const onTrain = () => symbol && train.mutate({ symbol, timeframe: prefs.timeframe });

  return (
    <Flex vertical gap={12} data-testid="insights-page">
      <Flex align="center" gap={12} wrap>
        <Typography.Title level={5} style={{ margin: 0 }}>
          Insights
        </Typography.Title>
        <SymbolSelect symbols={symbols.data} value={symbol} onChange={(s) => setPrefs((p) => ({ ...p, symbol: s }))} loading={symbols.isPending} testId="insights-symbol" />
        <TimeframeSelect value={prefs.timeframe} onChange={(timeframe) => setPrefs((p) => ({ ...p, timeframe }))} />
        {data && (
          <Typography.Text type="secondary">
            Last closed candle {formatDateTime(data.candleTime)} · close <Num>{formatPrice(data.close)}</Num> · computed {formatDateTime(data.at)}
          </Typography.Text>
        )}
      </Flex>
      <Typography.Text type="secondary">
        Everything here is computed from candles: indicator readings with their rules, and a logistic-regression model whose accuracy is measured walk-forward out of sample
        and shown next to what always guessing the commoner outcome would score.
      </Typography.Text>
      {train.isError && <Alert type="error" showIcon title="Training failed" description={errorMessage(train.error)} closable onClose={() => train.reset()} />}
      {train.data && (
        <Alert
          type="success"
          showIcon
          closable
          onClose={() => train.reset()}
          title={`Model v${train.data.model.version} trained on ${train.data.candles} candles in ${(train.data.durationMs / 1000).toFixed(1)} s`}
          description={`Out of sample: accuracy ${formatShare(train.data.model.outOfSample.accuracy)} vs ${formatShare(train.data.model.outOfSample.majorityAccuracy)} majority on ${train.data.model.outOfSample.samples} samples; the model ${edgeVerdict(train.data.model.outOfSample).text}.`}
        />
      )}
      <QueryState query={insights} what="Insights" rows={6}>
        {data && (
          <Row gutter={[12, 12]}>
            <Col xs={24} lg={8}>
              <RegimePanel data={data} />
            </Col>
            <Col xs={24} lg={10}>
              <ModelPanel data={data} onTrain={onTrain} training={train.isPending} />
            </Col>
            <Col xs={24} lg={6}>
              <RiskPanel />
            </Col>
            <Col xs={24} xl={14}>
              <Panel
                title="Indicator consensus"
                testId="insights-consensus"
                extra={
                  <Tooltip title={data.consensus.net.rule}>
                    <Tag color={leanColor(data.consensus.net.lean)} data-testid="consensus-net">
                      {data.consensus.net.lean} ({data.consensus.net.bullish} bullish / {data.consensus.net.bearish} bearish)
                    </Tag>
                  </Tooltip>
                }
              >
                <Table size="small" rowKey="indicator" pagination={false} columns={consensusColumns} dataSource={data.consensus.items} />
              </Panel>
            </Col>
            <Col xs={24} xl={10}>
              <Panel title="Why the model leans this way" testId="insights-contributions">
                {data.model ? (
                  <Flex vertical gap={8}>
                    <ContributionBars contributions={data.model.contributions} />
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      Coefficient × standardised feature value; right pushes towards “higher”, left towards “lower”. Intercept {data.model.intercept.toFixed(3)}, logit{" "}
                      {data.model.logit.toFixed(3)}.
                    </Typography.Text>
                  </Flex>
                ) : (
                  <Typography.Text type="secondary">No model yet.</Typography.Text>
                )}
              </Panel>
            </Col>
            <Col xs={24} md={10} xl={8}>
              <Panel title="Calibration (out of sample)" testId="insights-calibration">
                {data.model ? (
                  <Flex vertical align="center" gap={4}>
                    <CalibrationChart bins={data.model.outOfSample.calibration} baseRate={data.model.outOfSample.baseRate} />
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      Dots on the diagonal = the probabilities mean what they say; dot size = samples in the bin.
                    </Typography.Text>
                  </Flex>
                ) : (
                  <Typography.Text type="secondary">No model yet.</Typography.Text>
                )}
              </Panel>
            </Col>
            <Col xs={24} md={14} xl={16}>
              <Panel
                title="Reasons"
                testId="insights-reasons"
                extra={
                  data.summary.status !== "disabled" && (
                    <Button size="small" loading={summary.isPending} onClick={() => symbol && summary.mutate({ symbol, timeframe: prefs.timeframe })} data-testid="llm-summarize">
                      Summarise with LLM
                    </Button>
                  )
                }
              >
                <Flex vertical gap={8}>
                  <ul style={{ margin: 0, paddingLeft: 18 }}>
                    {data.reasons.map((r) => (
                      <li key={r}>
                        <Typography.Text>{r}</Typography.Text>
                      </li>
                    ))}
                  </ul>
                  <SummaryBlock summary={summary.data ?? data.summary} />
                  {summary.isError && <Typography.Text type="danger">{errorMessage(summary.error)}</Typography.Text>}
                </Flex>
              </Panel>
            </Col>
            <Col span={24}>
              <Panel title="Model versions" testId="insights-models">
                <QueryState query={models} what="Models" isEmpty={models.data?.length === 0}>
                  <Table size="small" rowKey="id" pagination={false} columns={modelColumns} dataSource={models.data ?? []} />
                </QueryState>
              </Panel>
            </Col>
          </Row>
        )}
      </QueryState>
    </Flex>
  );
}
