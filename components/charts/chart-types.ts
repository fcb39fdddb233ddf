/** Which overlays and panes a candle chart shows. */
export interface IndicatorToggles {
  volume: boolean;
  sma: boolean;
  ema: boolean;
  bollinger: boolean;
  rsi: boolean;
  macd: boolean;
}

export const DEFAULT_INDICATORS: IndicatorToggles = { volume: true, sma: true, ema: false, bollinger: false, rsi: true, macd: true };

export const OVERLAY_SETTINGS = { smaPeriod: 20, emaPeriod: 50, bbPeriod: 20, bbMult: 2, rsiPeriod: 14 } as const;

export interface ChartMarker {
  /** Epoch ms of the event; placed on the bar that contains it. */
  time: number;
  position: "aboveBar" | "belowBar" | "inBar";
  shape: "arrowUp" | "arrowDown" | "circle" | "square";
  color: string;
  text?: string;
}

export interface ChartPriceLine {
  price: number;
  color: string;
  title: string;
  dashed?: boolean;
}
