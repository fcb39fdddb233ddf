import {
  CandlestickSeries,
  createChart,
  createSeriesMarkers,
  HistogramSeries,
  LineSeries,
  LineStyle,
  type CandlestickData,
  type HistogramData,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type LineData,
  type MouseEventParams,
  type SeriesMarker,
  type Time,
  type WhitespaceData,
} from "lightweight-charts";
import { COLORS } from "../shell/colors";
import type { CandleDto, Timeframe } from "../lib/types";
import { bollinger, ema, macd, rsi, sma, type Series } from "@/server/indicators";
import { baseChartOptions, priceFormatFor, toChartTime } from "./chart-theme";
import { OVERLAY_SETTINGS, type ChartMarker, type ChartPriceLine, type IndicatorToggles } from "./chart-types";

const TIMEFRAME_MS: Record<Timeframe, number> = {
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "1h": 3_600_000,
  "4h": 14_400_000,
  "1d": 86_400_000,
};

const COLOR = {
  sma: "#d89614",
  ema: "#13a8a8",
  band: "rgba(22,104,220,0.7)",
  bandMid: "rgba(22,104,220,0.35)",
  rsi: "#9254de",
  macd: "#1668dc",
  macdSignal: "#d89614",
  volumeUp: "rgba(73,170,25,0.35)",
  volumeDown: "rgba(220,68,70,0.35)",
};

type Point = LineData<Time> | WhitespaceData<Time>;

function linePoints(candles: readonly CandleDto[], values: Series): Point[] {
  return candles.map((c, i) => {
    const v = values[i];
    return v === null || v === undefined ? { time: toChartTime(c.time) } : { time: toChartTime(c.time), value: v };
  });
}

function histPoints(candles: readonly CandleDto[], values: Series): (HistogramData<Time> | WhitespaceData<Time>)[] {
  return candles.map((c, i) => {
    const v = values[i];
    if (v === null || v === undefined) return { time: toChartTime(c.time) };
    return { time: toChartTime(c.time), value: v, color: v >= 0 ? COLOR.volumeUp : COLOR.volumeDown };
  });
}

/**
 * Imperative owner of one lightweight-charts instance: candles, volume, overlays, RSI and MACD panes,
 * trade markers and position price lines. Streamed candles update the last bars in place; anything
 * else (a refetch, a new symbol) redraws the series.
 */
export class CandleChartController {
  private readonly chart: IChartApi;
  private readonly candleSeries: ISeriesApi<"Candlestick">;
  private readonly volumeSeries: ISeriesApi<"Histogram">;
  private readonly smaSeries: ISeriesApi<"Line">;
  private readonly emaSeries: ISeriesApi<"Line">;
  private readonly bbUpper: ISeriesApi<"Line">;
  private readonly bbMiddle: ISeriesApi<"Line">;
  private readonly bbLower: ISeriesApi<"Line">;
  private readonly rsiSeries: ISeriesApi<"Line"> | null = null;
  private readonly macdHist: ISeriesApi<"Histogram"> | null = null;
  private readonly macdLine: ISeriesApi<"Line"> | null = null;
  private readonly macdSignal: ISeriesApi<"Line"> | null = null;
  private readonly markers: ISeriesMarkersPluginApi<Time>;
  private priceLines: IPriceLine[] = [];
  private shown: readonly CandleDto[] = [];
  private timeframe: Timeframe;
  private lastMarkers: ChartMarker[] = [];
  private precisionRef: number | undefined;
  /** React may clean up effects that use the chart after the one that removed it: everything is a no-op then. */
  private disposed = false;

  /**
   * `attributionLogo: false` only where the page links TradingView itself (the library's licence asks for the
   * attribution notice and a link; the small charts of the grid would otherwise each carry the logo).
   */
  constructor(container: HTMLElement, panes: { rsi: boolean; macd: boolean }, timeframe: Timeframe, attributionLogo = true) {
    this.timeframe = timeframe;
    const options = baseChartOptions();
    this.chart = createChart(container, { ...options, layout: { ...options.layout, attributionLogo } });
    this.candleSeries = this.chart.addSeries(CandlestickSeries, {
      upColor: COLORS.profit,
      downColor: COLORS.loss,
      borderUpColor: COLORS.profit,
      borderDownColor: COLORS.loss,
      wickUpColor: COLORS.profit,
      wickDownColor: COLORS.loss,
    });
    this.volumeSeries = this.chart.addSeries(HistogramSeries, {
      priceScaleId: "volume",
      priceFormat: { type: "volume" },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    this.chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
    const overlay = { lineWidth: 1 as const, lastValueVisible: false, priceLineVisible: false, crosshairMarkerVisible: false };
    this.smaSeries = this.chart.addSeries(LineSeries, { ...overlay, color: COLOR.sma, title: `SMA ${OVERLAY_SETTINGS.smaPeriod}` });
    this.emaSeries = this.chart.addSeries(LineSeries, { ...overlay, color: COLOR.ema, title: `EMA ${OVERLAY_SETTINGS.emaPeriod}` });
    this.bbUpper = this.chart.addSeries(LineSeries, { ...overlay, color: COLOR.band });
    this.bbMiddle = this.chart.addSeries(LineSeries, { ...overlay, color: COLOR.bandMid, lineStyle: LineStyle.Dashed });
    this.bbLower = this.chart.addSeries(LineSeries, { ...overlay, color: COLOR.band });

    let pane = 1;
    if (panes.rsi) {
      this.rsiSeries = this.chart.addSeries(LineSeries, { color: COLOR.rsi, lineWidth: 1, title: `RSI ${OVERLAY_SETTINGS.rsiPeriod}`, priceLineVisible: false }, pane);
      this.rsiSeries.createPriceLine({ price: 70, color: "rgba(220,68,70,0.5)", lineStyle: LineStyle.Dashed, lineWidth: 1, axisLabelVisible: false, title: "" });
      this.rsiSeries.createPriceLine({ price: 30, color: "rgba(73,170,25,0.5)", lineStyle: LineStyle.Dashed, lineWidth: 1, axisLabelVisible: false, title: "" });
      pane++;
    }
    if (panes.macd) {
      this.macdHist = this.chart.addSeries(HistogramSeries, { priceLineVisible: false, lastValueVisible: false }, pane);
      this.macdLine = this.chart.addSeries(LineSeries, { color: COLOR.macd, lineWidth: 1, title: "MACD", priceLineVisible: false }, pane);
      this.macdSignal = this.chart.addSeries(LineSeries, { color: COLOR.macdSignal, lineWidth: 1, title: "signal", priceLineVisible: false, lastValueVisible: false }, pane);
    }
    const allPanes = this.chart.panes();
    allPanes[0]?.setStretchFactor(allPanes.length > 1 ? 3 : 1);
    for (let i = 1; i < allPanes.length; i++) allPanes[i]!.setStretchFactor(1);
    this.markers = createSeriesMarkers(this.candleSeries, []);
  }

  /** Another symbol or timeframe: forget the bars on screen and the price precision. */
  reset(timeframe: Timeframe): void {
    if (this.disposed) return;
    this.timeframe = timeframe;
    this.shown = [];
    this.precisionRef = undefined;
  }

  applyToggles(toggles: IndicatorToggles): void {
    if (this.disposed) return;
    this.volumeSeries.applyOptions({ visible: toggles.volume });
    this.candleSeries.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: toggles.volume ? 0.2 : 0.08 } });
    this.smaSeries.applyOptions({ visible: toggles.sma });
    this.emaSeries.applyOptions({ visible: toggles.ema });
    for (const s of [this.bbUpper, this.bbMiddle, this.bbLower]) s.applyOptions({ visible: toggles.bollinger });
  }

  /** True when `next` is `shown` with the last bar(s) updated or one bar appended (shared objects before them). */
  private isIncremental(next: readonly CandleDto[]): boolean {
    const prev = this.shown;
    if (prev.length < 2 || next.length < 2) return false;
    const prevLast = prev[prev.length - 1]!;
    const nextLast = next[next.length - 1]!;
    if (nextLast.time === prevLast.time) return next[next.length - 2] === prev[prev.length - 2];
    if (next[next.length - 2]!.time === prevLast.time) {
      return next.length >= 3 && prev.length >= 2 && next[next.length - 3] === prev[prev.length - 2];
    }
    return false;
  }

  setCandles(candles: readonly CandleDto[]): void {
    if (this.disposed) return;
    const closes = candles.map((c) => c.close);
    const smaValues = sma(closes, OVERLAY_SETTINGS.smaPeriod);
    const emaValues = ema(closes, OVERLAY_SETTINGS.emaPeriod);
    const bands = bollinger(closes, OVERLAY_SETTINGS.bbPeriod, OVERLAY_SETTINGS.bbMult);
    const rsiValues = this.rsiSeries ? rsi(closes, OVERLAY_SETTINGS.rsiPeriod) : null;
    const macdValues = this.macdLine ? macd(closes) : null;
    const candleData: CandlestickData<Time>[] = candles.map((c) => ({ time: toChartTime(c.time), open: c.open, high: c.high, low: c.low, close: c.close }));
    const volumeData: HistogramData<Time>[] = candles.map((c) => ({
      time: toChartTime(c.time),
      value: c.volume,
      color: c.close >= c.open ? COLOR.volumeUp : COLOR.volumeDown,
    }));

    const lastClose = candles[candles.length - 1]?.close;
    if (this.precisionRef === undefined && lastClose !== undefined) {
      this.precisionRef = lastClose;
      this.candleSeries.applyOptions({ priceFormat: priceFormatFor(lastClose) });
      for (const s of [this.smaSeries, this.emaSeries, this.bbUpper, this.bbMiddle, this.bbLower]) s.applyOptions({ priceFormat: priceFormatFor(lastClose) });
    }

    const sets: [ISeriesApi<"Line"> | ISeriesApi<"Histogram"> | ISeriesApi<"Candlestick">, (LineData<Time> | WhitespaceData<Time> | HistogramData<Time> | CandlestickData<Time>)[]][] = [
      [this.candleSeries, candleData],
      [this.volumeSeries, volumeData],
      [this.smaSeries, linePoints(candles, smaValues)],
      [this.emaSeries, linePoints(candles, emaValues)],
      [this.bbUpper, linePoints(candles, bands.upper)],
      [this.bbMiddle, linePoints(candles, bands.middle)],
      [this.bbLower, linePoints(candles, bands.lower)],
    ];
    if (this.rsiSeries && rsiValues) sets.push([this.rsiSeries, linePoints(candles, rsiValues)]);
    if (this.macdHist && this.macdLine && this.macdSignal && macdValues) {
      sets.push([this.macdHist, histPoints(candles, macdValues.histogram)]);
      sets.push([this.macdLine, linePoints(candles, macdValues.macd)]);
      sets.push([this.macdSignal, linePoints(candles, macdValues.signal)]);
    }

    if (this.isIncremental(candles)) {
      const prevLastTime = this.shown[this.shown.length - 1]!.time;
      const from = candles[candles.length - 1]!.time === prevLastTime ? candles.length - 1 : candles.length - 2;
      for (const [series, data] of sets) {
        for (let i = from; i < data.length; i++) (series as ISeriesApi<"Line">).update(data[i] as LineData<Time>);
      }
    } else {
      for (const [series, data] of sets) (series as ISeriesApi<"Line">).setData(data as LineData<Time>[]);
    }
    this.shown = candles;
    // Markers snap to bars: re-place them when the bars change.
    this.placeMarkers();
  }

  setMarkers(markers: ChartMarker[]): void {
    if (this.disposed) return;
    this.lastMarkers = markers;
    this.placeMarkers();
  }

  private placeMarkers(): void {
    const bars = this.shown;
    if (bars.length === 0) {
      this.markers.setMarkers([]);
      return;
    }
    const step = TIMEFRAME_MS[this.timeframe];
    const first = bars[0]!.time;
    const last = bars[bars.length - 1]!.time;
    const placed: SeriesMarker<Time>[] = this.lastMarkers
      .map((m) => ({ ...m, barTime: Math.floor(m.time / step) * step }))
      .filter((m) => m.barTime >= first && m.barTime <= last)
      .sort((a, b) => a.barTime - b.barTime)
      .map((m) => ({ time: toChartTime(m.barTime), position: m.position, shape: m.shape, color: m.color, text: m.text }));
    this.markers.setMarkers(placed);
  }

  setPriceLines(lines: ChartPriceLine[]): void {
    if (this.disposed) return;
    for (const line of this.priceLines) this.candleSeries.removePriceLine(line);
    this.priceLines = lines.map((l) =>
      this.candleSeries.createPriceLine({
        price: l.price,
        color: l.color,
        title: l.title,
        lineWidth: 1,
        lineStyle: l.dashed ? LineStyle.Dashed : LineStyle.Solid,
        axisLabelVisible: true,
      }),
    );
  }

  /** Calls back with the bar under the crosshair (null when the pointer leaves the bars). */
  onHover(callback: (bar: CandleDto | null) => void): () => void {
    const handler = (param: MouseEventParams<Time>) => {
      if (typeof param.time !== "number") {
        callback(null);
        return;
      }
      const ms = param.time * 1000;
      const bars = this.shown;
      for (let i = bars.length - 1; i >= 0; i--) {
        if (bars[i]!.time === ms) {
          callback(bars[i]!);
          return;
        }
        if (bars[i]!.time < ms) break;
      }
      callback(null);
    };
    if (this.disposed) return () => {};
    this.chart.subscribeCrosshairMove(handler);
    return () => {
      if (!this.disposed) this.chart.unsubscribeCrosshairMove(handler);
    };
  }

  fit(): void {
    if (this.disposed) return;
    this.chart.timeScale().fitContent();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.markers.detach();
    this.chart.remove();
  }
}
