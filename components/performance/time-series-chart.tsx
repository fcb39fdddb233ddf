"use client";

import { AreaSeries, createChart, LineSeries, LineStyle, type IChartApi, type ISeriesApi, type Time, type UTCTimestamp } from "lightweight-charts";
import { useEffect, useRef } from "react";
import { baseChartOptions } from "../charts/chart-theme";
import { formatNumber } from "../lib/format";
import { toSecondSeries, type TimePoint } from "./series-data";

export interface TimeSeriesSpec {
  key: string;
  title: string;
  kind: "area" | "line";
  color: string;
  /** Fill for areas. */
  fill?: string;
  dashed?: boolean;
  points: readonly TimePoint[];
}

/**
 * A small lightweight-charts time chart for equity, drawdown and similar curves. The series layout is fixed
 * per mount (keys); data updates go through setData, which keeps the visible range when points are appended.
 */
export function TimeSeriesChart({ series, height, testId, precision = 2, suffix = "" }: { series: TimeSeriesSpec[]; height: number; testId: string; precision?: number; suffix?: string }) {
  const containerRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<{ chart: IChartApi; series: Map<string, ISeriesApi<"Area"> | ISeriesApi<"Line">> } | null>(null);
  const layoutKey = series.map((s) => `${s.key}:${s.kind}`).join("|");
  const fitted = useRef(false);

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const chart = createChart(container, {
      ...baseChartOptions(),
      localization: {
        ...baseChartOptions().localization,
        priceFormatter: (p: number) => `${formatNumber(Math.abs(p) < 0.5 * 10 ** -precision ? 0 : p, precision)}${suffix}`,
      },
    });
    const map = new Map<string, ISeriesApi<"Area"> | ISeriesApi<"Line">>();
    for (const spec of series) {
      const common = { title: spec.title, lineWidth: 2 as const, priceLineVisible: false, lineStyle: spec.dashed ? LineStyle.Dashed : LineStyle.Solid };
      map.set(
        spec.key,
        spec.kind === "area"
          ? chart.addSeries(AreaSeries, { ...common, lineColor: spec.color, topColor: spec.fill ?? "transparent", bottomColor: "transparent" })
          : chart.addSeries(LineSeries, { ...common, color: spec.color, lineWidth: 1 }),
      );
    }
    chartRef.current = { chart, series: map };
    fitted.current = false;
    return () => {
      chart.remove();
      chartRef.current = null;
    };
    // The layout key captures everything the series set-up depends on.
  }, [layoutKey, precision, suffix]);

  useEffect(() => {
    const current = chartRef.current;
    if (!current) return;
    let any = false;
    for (const spec of series) {
      const s = current.series.get(spec.key);
      if (!s) continue;
      const data = toSecondSeries(spec.points).map((p) => ({ time: p.time as UTCTimestamp as Time, value: p.value }));
      if (data.length > 0) any = true;
      s.setData(data);
    }
    if (any && !fitted.current) {
      current.chart.timeScale().fitContent();
      fitted.current = true;
    }
  }, [series, layoutKey]);

  return <div ref={containerRef} data-testid={testId} style={{ width: "100%", height }} />;
}
