import { TIMEFRAME_MS, type Candle, type Signal, type Timeframe } from "../../model/types";
import type { CandleContext, Strategy, StrategyPosition } from "../types";

export const T0 = Date.UTC(2024, 0, 1);

/** A closed candle; open = previous close when given, high/low just around open and close. */
export function makeCandle(close: number, index: number, options: { symbol?: string; timeframe?: Timeframe; open?: number; start?: number } = {}): Candle {
  const { symbol = "BTC/USDT", timeframe = "5m", open = close, start = T0 } = options;
  return {
    symbol,
    timeframe,
    openTime: start + index * TIMEFRAME_MS[timeframe],
    open,
    high: Math.max(open, close) * 1.0005,
    low: Math.min(open, close) * 0.9995,
    close,
    volume: 10,
    closed: true,
  };
}

export function candlesFromCloses(closes: number[], options: { symbol?: string; timeframe?: Timeframe; start?: number } = {}): Candle[] {
  return closes.map((close, i) => makeCandle(close, i, { ...options, open: i > 0 ? closes[i - 1] : close }));
}

export const closeTimeOf = (c: Candle) => c.openTime + TIMEFRAME_MS[c.timeframe];

export interface EmittedSignal {
  index: number;
  signal: Signal;
}

type CandleStrategy = Pick<Strategy, "onCandle">;

/**
 * Feeds candles through onCandle at their close time, like the engine, and (by default) acts on the
 * signals at once so the next candle sees the resulting position: a minimal fill model for tests.
 */
export function runLive(
  strategy: CandleStrategy,
  candles: Candle[],
  options: { position?: StrategyPosition; entryPrice?: number; follow?: boolean; positionAt?: (index: number) => StrategyPosition | undefined } = {},
) {
  const follow = options.follow ?? true;
  const positions = new Map<string, { side: StrategyPosition; entryPrice: number | undefined }>();
  const emitted: EmittedSignal[] = [];
  candles.forEach((candle, index) => {
    let pos = positions.get(candle.symbol) ?? { side: options.position ?? "none", entryPrice: options.entryPrice };
    const forced = options.positionAt?.(index);
    if (forced !== undefined) pos = { side: forced, entryPrice: forced === "none" ? undefined : candle.open };
    const ctx: CandleContext = { now: closeTimeOf(candle), position: pos.side, entryPrice: pos.entryPrice };
    const signals = strategy.onCandle(candle, ctx);
    for (const signal of signals) {
      emitted.push({ index, signal });
      if (!follow) continue;
      if (signal.action === "enter_long") pos = { side: "long", entryPrice: signal.price };
      else if (signal.action === "enter_short") pos = { side: "short", entryPrice: signal.price };
      else pos = { side: "none", entryPrice: undefined };
    }
    positions.set(candle.symbol, pos);
  });
  return emitted;
}

export const actionsAt = (emitted: EmittedSignal[]) => emitted.map((e) => `${e.index}:${e.signal.action}`);

/** `count` candles at one price: lets the indicators settle without creating any cross or crossing. */
export const flat = (count: number, price: number) => new Array<number>(count).fill(price);
