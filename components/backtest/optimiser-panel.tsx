"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { Alert, Button, Col, DatePicker, Flex, Form, InputNumber, Progress, Row, Segmented, Select, Table, Tag, Typography, message, type TableColumnsType } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useEffect, useMemo, useState } from "react";
import { useSymbols } from "../hooks/use-market";
import { useCreateStrategy, useStrategyKinds } from "../hooks/use-settings";
import { apiFetch, errorMessage } from "../lib/api";
import { TIMEFRAMES, type Evaluation, type OptimisationJob, type Timeframe } from "../lib/types";
import { defaultParams } from "../settings/strategy-params";
import { heatColor, heatMap, shade } from "./optimiser-view";

const PROTECTIVE = new Set(["allowShort", "stopLossPct", "takeProfitPct"]);
const OBJECTIVES = [
  { value: "sharpe", label: "Sharpe" },
  { value: "sortino", label: "Sortino" },
  { value: "profitFactor", label: "Profit factor" },
  { value: "returnOverDrawdown", label: "Return / drawdown" },
];

interface OptimiserValues {
  kind: string;
  symbol: string;
  timeframe: Timeframe;
  range: [Dayjs, Dayjs];
  vary: string[];
  method: "grid" | "random";
  levels: number;
  samples: number;
  objective: string;
  folds: number;
  capital: number;
}

const fmt = (n: number | null | undefined, d = 2) => (n === null || n === undefined || !Number.isFinite(n) ? "—" : n.toFixed(d));

function useOptimisation(id: string | undefined) {
  return useQuery({
    queryKey: ["optimisations", id ?? ""],
    queryFn: ({ signal }) => apiFetch<OptimisationJob>(`/api/optimisations/${encodeURIComponent(id!)}`, { signal }),
    enabled: !!id,
    refetchInterval: (q) => (q.state.data && (q.state.data.status === "completed" || q.state.data.status === "failed") ? false : 1_000),
  });
}

function HeatMapView({ evaluations, x, y }: { evaluations: Evaluation[]; x: string; y: string }) {
  const map = useMemo(() => heatMap(evaluations, x, y), [evaluations, x, y]);
  if (map.min === null || map.max === null) return <Typography.Text type="secondary">No finite objective to map.</Typography.Text>;
  return (
    <div style={{ overflowX: "auto" }} data-testid="optimiser-heatmap">
      <table style={{ borderCollapse: "collapse", fontSize: 12 }}>
        <thead>
          <tr>
            <th style={{ padding: 4, textAlign: "right" }}>
              {y} ↓ / {x} →
            </th>
            {map.xs.map((v) => (
              <th key={String(v)} style={{ padding: 4 }}>
                {String(v)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {map.ys.map((yv, yi) => (
            <tr key={String(yv)}>
              <th style={{ padding: 4, textAlign: "right" }}>{String(yv)}</th>
              {map.xs.map((xv, xi) => {
                const v = map.cells[yi][xi];
                return (
                  <td key={String(xv)} title={v === null ? "not run" : `${x}=${String(xv)}, ${y}=${String(yv)}: ${v.toFixed(3)}`} style={{ padding: "4px 8px", textAlign: "center", minWidth: 48, background: v === null ? "transparent" : heatColor(shade(v, map.min!, map.max!)), color: "#fff", border: "1px solid #303030" }}>
                    {v === null ? "" : v.toFixed(2)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Optimiser: grid or random search (optionally walk-forward) over the declared parameter space; results, heat map, and a row → a strategy instance. */
export function OptimiserPanel() {
  const [form] = Form.useForm<OptimiserValues>();
  const kinds = useStrategyKinds();
  const symbols = useSymbols();
  const createStrategy = useCreateStrategy();
  const [jobId, setJobId] = useState<string | undefined>();
  const [axes, setAxes] = useState<{ x?: string; y?: string }>({});
  const job = useOptimisation(jobId);
  const kindKey = Form.useWatch("kind", form);
  const method = Form.useWatch("method", form);
  const kindList = useMemo(() => kinds.data ?? [], [kinds.data]);
  const kind = useMemo(() => kindList.find((k) => k.kind === kindKey), [kindList, kindKey]);
  const numeric = useMemo(() => (kind?.params ?? []).filter((p) => (p.type === "integer" || p.type === "number" || p.type === "enum" || p.type === "boolean") && !PROTECTIVE.has(p.name)), [kind]);

  useEffect(() => {
    if (form.getFieldValue("kind") || kindList.length === 0) return;
    const first = kindList.find((k) => k.kind === "ma_crossover") ?? kindList[0];
    form.setFieldsValue({ kind: first.kind, timeframe: first.defaultTimeframe ?? "5m" });
  }, [kindList, form]);
  useEffect(() => {
    if (form.getFieldValue("symbol") || !symbols.data?.length) return;
    form.setFieldsValue({ symbol: symbols.data[0].symbol });
  }, [symbols.data, form]);
  useEffect(() => {
    form.setFieldsValue({ vary: numeric.filter((p) => p.type === "integer" || p.type === "number").slice(0, 2).map((p) => p.name) });
  }, [numeric, form]);

  const start = useMutation({
    mutationFn: (body: unknown) => apiFetch<{ id: string }>("/api/optimisations", { method: "POST", body }),
    onSuccess: (r) => {
      setJobId(r.id);
      setAxes({});
    },
  });

  const submit = async () => {
    const v = await form.validateFields();
    const params = Object.fromEntries(Object.entries(defaultParams(kind)).filter(([, value]) => value !== undefined));
    const space = Object.fromEntries(
      v.vary.map((key) => {
        const p = kind?.params.find((x) => x.name === key);
        if (p?.type === "enum") return [key, { values: p.options ?? [] }];
        if (p?.type === "boolean") return [key, { values: [false, true] }];
        return [key, { min: p?.min ?? 0, max: p?.max ?? 1 }];
      }),
    );
    start.mutate({
      base: {
        strategies: [{ kind: v.kind, params, symbols: [v.symbol], timeframe: v.timeframe }],
        from: v.range[0].format("YYYY-MM-DD"),
        to: v.range[1].format("YYYY-MM-DD"),
      },
      method: v.method,
      space,
      levels: v.levels,
      samples: v.samples,
      objective: v.objective,
      top: 1000,
      maxEvaluations: 5000,
      ...(v.folds > 0 ? { walkForward: { folds: v.folds } } : {}),
    });
  };

  const report = job.data?.report ?? null;
  const varied = report?.space.map((p) => p.name) ?? [];
  const x = axes.x ?? varied[0];
  const y = axes.y ?? varied[1] ?? varied[0];
  const values = form.getFieldsValue();

  const toInstance = (e: Evaluation) => {
    const base = job.data;
    if (!base) return;
    createStrategy.mutate(
      {
        name: `${base.kind} ${Object.entries(e.params)
          .filter(([k]) => varied.includes(k))
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(" ")}`.slice(0, 80),
        kind: base.kind,
        params: e.params,
        symbols: [values.symbol],
        timeframe: values.timeframe,
        capital: values.capital,
        status: "paused",
      } as never,
      {
        onSuccess: () => void message.success("Strategy instance created (paused): resume it under Settings → Strategies"),
        onError: (err) => void message.error(errorMessage(err)),
      },
    );
  };

  const columns: TableColumnsType<Evaluation> = [
    { title: "#", key: "rank", width: 40, render: (_, __, i) => i + 1 },
    ...varied.map((name) => ({ title: name, key: name, render: (_: unknown, e: Evaluation) => String(e.params[name]) })),
    { title: report?.objective ?? "objective", key: "objective", align: "right" as const, render: (_: unknown, e: Evaluation) => (e.objectiveInfinite ? "∞" : fmt(e.objective, 3)) },
    { title: "Trades", key: "trades", align: "right" as const, render: (_: unknown, e: Evaluation) => (e.tooFewTrades ? <Tag color="warning">{e.metrics.trades}</Tag> : e.metrics.trades) },
    { title: "Return %", key: "ret", align: "right" as const, render: (_: unknown, e: Evaluation) => fmt(e.metrics.totalReturnPct) },
    { title: "Max DD %", key: "dd", align: "right" as const, render: (_: unknown, e: Evaluation) => fmt(e.metrics.maxDrawdownPct) },
    { title: "Win %", key: "win", align: "right" as const, render: (_: unknown, e: Evaluation) => fmt(e.metrics.winRatePct, 1) },
    {
      title: "",
      key: "use",
      render: (_: unknown, e: Evaluation) => (
        <Button size="small" onClick={() => toInstance(e)} loading={createStrategy.isPending} data-testid="optimiser-use-row">
          Make instance
        </Button>
      ),
    },
  ];

  const progress = job.data?.progress;
  return (
    <Flex vertical gap={12} data-testid="optimiser">
      <Form
        form={form}
        layout="vertical"
        size="small"
        initialValues={{ method: "grid", levels: 4, samples: 40, objective: "sharpe", folds: 0, capital: 1_000, range: [dayjs().subtract(7, "day").startOf("day"), dayjs().startOf("day")] }}
        onFinish={() => void submit()}
      >
        {start.isError && <Alert type="error" showIcon style={{ marginBottom: 12 }} title="The optimisation was not started" description={errorMessage(start.error)} />}
        <Row gutter={12}>
          <Col xs={24} md={6}>
            <Form.Item name="kind" label="Strategy" rules={[{ required: true }]}>
              <Select options={kindList.map((k) => ({ value: k.kind, label: k.title }))} onChange={(next: string) => form.setFieldsValue({ timeframe: kindList.find((k) => k.kind === next)?.defaultTimeframe ?? "5m" })} data-testid="optimiser-kind" />
            </Form.Item>
          </Col>
          <Col xs={12} md={4}>
            <Form.Item name="symbol" label="Symbol" rules={[{ required: true }]}>
              <Select showSearch options={(symbols.data ?? []).map((s) => ({ value: s.symbol, label: s.symbol }))} />
            </Form.Item>
          </Col>
          <Col xs={12} md={3}>
            <Form.Item name="timeframe" label="Timeframe" rules={[{ required: true }]}>
              <Select options={TIMEFRAMES.map((t) => ({ value: t, label: t }))} />
            </Form.Item>
          </Col>
          <Col xs={24} md={7}>
            <Form.Item name="range" label="Dates (UTC, stored candles)" rules={[{ required: true }]}>
              <DatePicker.RangePicker style={{ width: "100%" }} allowClear={false} />
            </Form.Item>
          </Col>
          <Col xs={12} md={4}>
            <Form.Item name="capital" label="Instance capital" rules={[{ required: true, type: "number", min: 1 }]}>
              <InputNumber style={{ width: "100%" }} min={1} />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item name="vary" label="Parameters to vary (their declared ranges)" rules={[{ required: true, type: "array", min: 1, message: "choose at least one" }]}>
              <Select mode="multiple" options={numeric.map((p) => ({ value: p.name, label: `${p.label ?? p.name}${p.min !== undefined ? ` (${p.min}–${p.max})` : ""}` }))} data-testid="optimiser-vary" />
            </Form.Item>
          </Col>
          <Col xs={12} md={4}>
            <Form.Item name="method" label="Search">
              <Segmented options={[{ value: "grid", label: "grid" }, { value: "random", label: "random" }]} />
            </Form.Item>
          </Col>
          <Col xs={12} md={3}>
            {method === "random" ? (
              <Form.Item name="samples" label="Samples" rules={[{ required: true, type: "number", min: 1, max: 5000 }]}>
                <InputNumber style={{ width: "100%" }} min={1} max={5000} />
              </Form.Item>
            ) : (
              <Form.Item name="levels" label="Points per parameter" rules={[{ required: true, type: "number", min: 2, max: 50 }]}>
                <InputNumber style={{ width: "100%" }} min={2} max={50} />
              </Form.Item>
            )}
          </Col>
          <Col xs={12} md={4}>
            <Form.Item name="objective" label="Rank by">
              <Select options={OBJECTIVES} />
            </Form.Item>
          </Col>
          <Col xs={12} md={3}>
            <Form.Item name="folds" label="Walk-forward folds" extra="0 = off">
              <InputNumber style={{ width: "100%" }} min={0} max={20} />
            </Form.Item>
          </Col>
          <Col xs={24} md={2} style={{ display: "flex", alignItems: "end" }}>
            <Form.Item>
              <Button type="primary" htmlType="submit" loading={start.isPending} data-testid="optimiser-run">
                Optimise
              </Button>
            </Form.Item>
          </Col>
        </Row>
      </Form>

      {job.data && (
        <Flex vertical gap={8}>
          <Flex gap={12} align="center">
            <Typography.Text>
              {job.data.kind} · {job.data.status}
              {progress ? ` · ${progress.stage}` : ""}
            </Typography.Text>
            <Progress style={{ flex: 1, margin: 0 }} percent={progress ? Math.round((progress.done / Math.max(1, progress.total)) * 100) : 0} status={job.data.status === "failed" ? "exception" : job.data.status === "completed" ? "success" : "active"} data-testid="optimiser-progress" />
          </Flex>
          {job.data.error && <Alert type="error" showIcon title="The optimisation failed" description={job.data.error} />}
        </Flex>
      )}

      {report && (
        <>
          {report.invalid.count > 0 && <Alert type="info" showIcon title={`${report.invalid.count} parameter sets were refused by the strategy's own rules`} description={report.invalid.example ?? undefined} />}
          {report.walkForward && (
            <Alert
              type="info"
              showIcon
              title={`Walk-forward, ${report.walkForward.folds.length} folds: out-of-sample return ${fmt(report.walkForward.summary.outOfSampleReturnPct)} %, efficiency ${fmt(report.walkForward.summary.efficiency)}`}
              description={report.walkForward.folds.map((f) => `fold ${f.index + 1}: best in-sample ${fmt(f.best?.objective ?? null, 3)}, out of sample ${fmt(f.outOfSampleResult?.objective ?? null, 3)} (${fmt(f.outOfSampleResult?.metrics.totalReturnPct ?? null)} %)`).join(" · ")}
            />
          )}
          {varied.length >= 1 && !report.walkForward && (
            <Flex vertical gap={8}>
              <Flex gap={8} align="center">
                <Typography.Text>Heat map of {report.objective}:</Typography.Text>
                <Select size="small" value={x} onChange={(v: string) => setAxes((a) => ({ ...a, x: v }))} options={varied.map((n) => ({ value: n, label: n }))} style={{ minWidth: 140 }} />
                <Typography.Text>×</Typography.Text>
                <Select size="small" value={y} onChange={(v: string) => setAxes((a) => ({ ...a, y: v }))} options={varied.map((n) => ({ value: n, label: n }))} style={{ minWidth: 140 }} />
              </Flex>
              {x && y && <HeatMapView evaluations={report.ranked} x={x} y={y} />}
            </Flex>
          )}
          <Table size="small" rowKey={(e) => JSON.stringify(e.params)} columns={columns} dataSource={report.ranked} pagination={{ pageSize: 20 }} data-testid="optimiser-results" />
        </>
      )}
    </Flex>
  );
}
