import { SIMULATOR_SYMBOLS } from "../config/schema";
import { hashString } from "./prng";

/**
 * What the simulator knows about one spot market: its venue filters (published in exchangeInfo) and
 * the parameters of its price model. Tick and step sizes are powers of ten (as on Binance for these
 * markets), so prices and quantities are exact decimals: `ticks / 10^decimals` is the same double as
 * parsing the decimal string.
 */
export interface SymbolSpec {
  /** Unified symbol, e.g. "BTC/USDT". */
  symbol: string;
  /** Venue id, e.g. "BTCUSDT". */
  id: string;
  base: string;
  quote: string;
  startPrice: number;
  tickSize: number;
  priceDecimals: number;
  stepSize: number;
  qtyDecimals: number;
  minQty: number;
  maxQty: number;
  minNotional: number;
  maxNotional: number;
  minPrice: number;
  maxPrice: number;
  /** MARKET_LOT_SIZE: the largest market order (Binance sizes it from the market's recent volume). */
  marketMaxQty: number;
  /** PERCENT_PRICE_BY_SIDE: a limit price must lie within these multiples of the 5-minute average price. */
  bidMultiplierUp: number;
  bidMultiplierDown: number;
  askMultiplierUp: number;
  askMultiplierDown: number;
  /** MAX_NUM_ORDERS / MAX_NUM_ALGO_ORDERS / MAX_NUM_ICEBERG_ORDERS: open orders per symbol and account. */
  maxNumOrders: number;
  maxNumAlgoOrders: number;
  maxNumIcebergOrders: number;
  /** ICEBERG_PARTS: at most this many visible parts (quantity / icebergQty, rounded up). */
  icebergParts: number;
  /** TRAILING_DELTA bounds, in basis points. */
  minTrailingDelta: number;
  maxTrailingDelta: number;
  /** Standard deviation of a 1-minute log return in the calm regime. */
  minuteVolatility: number;
  /** Typical base-asset volume traded per minute. */
  minuteBaseVolume: number;
}

export type SymbolSpecOverride = Partial<
  Pick<SymbolSpec, "startPrice" | "tickSize" | "stepSize" | "minQty" | "maxQty" | "minNotional" | "minuteVolatility" | "minuteBaseVolume" | "marketMaxQty">
>;

interface KnownMarket {
  startPrice: number;
  tickSize: number;
  stepSize: number;
  minuteVolatility: number;
  minuteBaseVolume: number;
  /** PRICE_FILTER maxPrice and LOT_SIZE maxQty as Binance publishes them for the pair. */
  maxPrice?: number;
  maxQty?: number;
  /** MARKET_LOT_SIZE maxQty as Binance publishes it (it follows the pair's volume). */
  marketMaxQty?: number;
}

/**
 * Starting prices in the range these markets traded at in 2024-2025, and the filter values Binance's
 * spot exchangeInfo publishes for them (tick, step, PRICE_FILTER maxPrice, LOT_SIZE maxQty and
 * MARKET_LOT_SIZE maxQty; the market lot cap moves with volume on Binance, these are typical values).
 */
const KNOWN_MARKETS: Record<string, KnownMarket> = {
  BTC: { startPrice: 65_000, tickSize: 0.01, stepSize: 0.00001, minuteVolatility: 0.0009, minuteBaseVolume: 15, maxPrice: 1_000_000, maxQty: 9_000, marketMaxQty: 105 },
  ETH: { startPrice: 3_200, tickSize: 0.01, stepSize: 0.0001, minuteVolatility: 0.0011, minuteBaseVolume: 220, maxPrice: 1_000_000, maxQty: 9_000, marketMaxQty: 1_960 },
  BNB: { startPrice: 580, tickSize: 0.01, stepSize: 0.001, minuteVolatility: 0.001, minuteBaseVolume: 300, maxPrice: 100_000, maxQty: 9_000, marketMaxQty: 1_800 },
  SOL: { startPrice: 150, tickSize: 0.01, stepSize: 0.001, minuteVolatility: 0.0016, minuteBaseVolume: 3_000, maxPrice: 10_000, maxQty: 9_000, marketMaxQty: 9_000 },
  XRP: { startPrice: 0.55, tickSize: 0.0001, stepSize: 0.1, minuteVolatility: 0.0014, minuteBaseVolume: 500_000, maxPrice: 10_000, maxQty: 9_222_449, marketMaxQty: 2_760_000 },
  ADA: { startPrice: 0.45, tickSize: 0.0001, stepSize: 0.1, minuteVolatility: 0.0015, minuteBaseVolume: 600_000, maxPrice: 1_000, maxQty: 900_000, marketMaxQty: 900_000 },
  DOGE: { startPrice: 0.15, tickSize: 0.00001, stepSize: 1, minuteVolatility: 0.0018, minuteBaseVolume: 3_000_000, maxPrice: 1_000, maxQty: 9_000_000, marketMaxQty: 9_000_000 },
  AVAX: { startPrice: 30, tickSize: 0.01, stepSize: 0.01, minuteVolatility: 0.0017, minuteBaseVolume: 15_000, maxPrice: 1_000, maxQty: 9_000_000, marketMaxQty: 60_000 },
  DOT: { startPrice: 6.5, tickSize: 0.001, stepSize: 0.01, minuteVolatility: 0.0015, minuteBaseVolume: 40_000, maxPrice: 1_000, maxQty: 9_000_000, marketMaxQty: 180_000 },
  POL: { startPrice: 0.45, tickSize: 0.0001, stepSize: 0.1, minuteVolatility: 0.0017, minuteBaseVolume: 400_000, maxPrice: 1_000, maxQty: 9_000_000, marketMaxQty: 2_000_000 },
};

/** Binance's PERCENT_PRICE_BY_SIDE multipliers for the major spot pairs, and its order-count caps. */
const BINANCE_RULES = {
  bidMultiplierUp: 5,
  bidMultiplierDown: 0.2,
  askMultiplierUp: 5,
  askMultiplierDown: 0.2,
  maxNumOrders: 200,
  maxNumAlgoOrders: 5,
  maxNumIcebergOrders: 100,
  icebergParts: 10,
  minTrailingDelta: 10,
  maxTrailingDelta: 2_000,
} as const;

export const DEFAULT_SYMBOLS: readonly string[] = SIMULATOR_SYMBOLS;

const SYMBOL_PATTERN = /^([A-Z0-9]{2,12})\/([A-Z0-9]{2,12})$/;

export function decimalsOfPowerOfTen(value: number, what: string): number {
  for (let d = 0; d <= 8; d++) {
    if (Math.abs(value * 10 ** d - 1) < 1e-9) return d;
  }
  throw new RangeError(`${what} must be a power of ten between 1 and 0.00000001, got ${value}`);
}

/** Round to the decimal grid of `decimals` places: exact for the doubles of decimal strings. */
export function roundToDecimals(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

export function floorToDecimals(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  // The epsilon absorbs binary noise such as 0.29999999999999993 for 0.3.
  return Math.floor(value * scale + 1e-7) / scale;
}

/** Parse "BTC/USDT" (or "BTCUSDT" with a known quote) into its parts. */
export function parseSymbol(symbol: string): { base: string; quote: string } {
  const match = SYMBOL_PATTERN.exec(symbol);
  if (!match) throw new RangeError(`invalid symbol "${symbol}": expected a unified symbol such as "BTC/USDT"`);
  return { base: match[1], quote: match[2] };
}

function genericMarket(base: string, quote: string, seed: string): KnownMarket {
  // An unknown market gets a plausible, seed-stable price between 0.5 and 200.
  const [h] = hashString(`${seed}:${base}/${quote}:price`);
  const startPrice = Number((0.5 * Math.pow(400, h / 4294967296)).toPrecision(4));
  const priceDecimals = Math.min(8, Math.max(0, Math.ceil(-Math.log10(startPrice * 1e-5))));
  const qtyDecimals = Math.min(8, Math.max(0, Math.ceil(-Math.log10(1 / startPrice))));
  return {
    startPrice,
    tickSize: 10 ** -priceDecimals,
    stepSize: 10 ** -qtyDecimals,
    minuteVolatility: 0.0015,
    minuteBaseVolume: Math.round(50_000 / startPrice),
  };
}

export function buildSymbolSpec(symbol: string, override: SymbolSpecOverride = {}, seed = "0"): SymbolSpec {
  const { base, quote } = parseSymbol(symbol);
  const known = KNOWN_MARKETS[base] && quote === "USDT" ? KNOWN_MARKETS[base] : genericMarket(base, quote, seed);
  const { maxPrice: knownMaxPrice, maxQty: knownMaxQty, marketMaxQty: knownMarketMaxQty, ...knownModel } = known;
  const merged = { ...knownModel, ...override };
  const priceDecimals = decimalsOfPowerOfTen(merged.tickSize, `${symbol} tickSize`);
  const qtyDecimals = decimalsOfPowerOfTen(merged.stepSize, `${symbol} stepSize`);
  for (const [key, value] of Object.entries(merged)) {
    if (!(typeof value === "number" && Number.isFinite(value) && value > 0)) {
      throw new RangeError(`${symbol} ${key} must be a positive number, got ${value}`);
    }
  }
  const startPrice = roundToDecimals(merged.startPrice, priceDecimals);
  if (startPrice <= 0) throw new RangeError(`${symbol} startPrice ${merged.startPrice} rounds to zero at tick ${merged.tickSize}`);
  const minQty = override.minQty ?? merged.stepSize;
  return {
    symbol,
    id: `${base}${quote}`,
    base,
    quote,
    startPrice,
    tickSize: merged.tickSize,
    priceDecimals,
    stepSize: merged.stepSize,
    qtyDecimals,
    minQty,
    maxQty: override.maxQty ?? knownMaxQty ?? roundToDecimals(Math.max(9_000, 9_000_000 / startPrice), qtyDecimals),
    minNotional: override.minNotional ?? 5,
    maxNotional: 9_000_000,
    minPrice: merged.tickSize,
    // Binance's maxPrice is a round power of ten a few orders of magnitude above the price.
    maxPrice: knownMaxPrice !== undefined && knownMaxPrice >= startPrice * 10 ? knownMaxPrice : 10 ** Math.ceil(Math.log10(startPrice * 100)),
    // The market lot cap follows volume: about seven minutes of the pair's typical flow.
    marketMaxQty: override.marketMaxQty ?? (
      override.minuteBaseVolume === undefined && knownMarketMaxQty !== undefined
        ? knownMarketMaxQty
        : Math.max(merged.stepSize, floorToDecimals(merged.minuteBaseVolume * 7, qtyDecimals))),
    ...BINANCE_RULES,
    minuteVolatility: merged.minuteVolatility,
    minuteBaseVolume: merged.minuteBaseVolume,
  };
}

/** Binance's 8-decimal string form of a number ("0.10000000"). */
export function fmt8(value: number): string {
  return value.toFixed(8);
}
