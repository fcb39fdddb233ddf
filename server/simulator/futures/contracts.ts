import type { SymbolSpec } from "../instruments";

/**
 * USDⓈ-M perpetual contract specs: Binance's futures filters (they differ from spot: BTCUSDT ticks
 * 0.10 and steps 0.001) and its notional brackets (maintenance margin ratio, the highest leverage
 * allowed in each bracket, and `cum`, the maintenance amount).
 */

export interface Bracket {
  bracket: number;
  initialLeverage: number;
  notionalFloor: number;
  notionalCap: number;
  maintMarginRatio: number;
  /** Maintenance amount: cum_n = cum_(n-1) + floor_n × (mmr_n − mmr_(n-1)) (Binance's definition). */
  cum: number;
}

export interface ContractSpec {
  /** "BTCUSDT" */
  id: string;
  /** The spot market whose price is the index ("BTCUSDT" on the spot simulator). */
  spot: SymbolSpec;
  base: string;
  quote: string;
  tickSize: number;
  pricePrecision: number;
  stepSize: number;
  quantityPrecision: number;
  minQty: number;
  maxQty: number;
  marketMaxQty: number;
  minPrice: number;
  maxPrice: number;
  minNotional: number;
  multiplierUp: number;
  multiplierDown: number;
  brackets: Bracket[];
  onboardDate: number;
}

type RawBracket = [leverage: number, floor: number, cap: number, mmr: number];

/** Brackets as Binance publishes them for BTCUSDT and ETHUSDT (2024-2025), a generic ladder otherwise. */
const BTC_BRACKETS: RawBracket[] = [
  [125, 0, 50_000, 0.004],
  [100, 50_000, 600_000, 0.005],
  [75, 600_000, 3_000_000, 0.0065],
  [50, 3_000_000, 12_000_000, 0.01],
  [25, 12_000_000, 70_000_000, 0.02],
  [20, 70_000_000, 100_000_000, 0.025],
  [10, 100_000_000, 230_000_000, 0.05],
  [5, 230_000_000, 480_000_000, 0.1],
  [4, 480_000_000, 600_000_000, 0.125],
  [3, 600_000_000, 800_000_000, 0.15],
  [2, 800_000_000, 1_200_000_000, 0.25],
  [1, 1_200_000_000, 1_800_000_000, 0.5],
];
const ETH_BRACKETS: RawBracket[] = [
  [125, 0, 50_000, 0.004],
  [100, 50_000, 600_000, 0.005],
  [75, 600_000, 3_000_000, 0.0065],
  [50, 3_000_000, 12_000_000, 0.01],
  [25, 12_000_000, 50_000_000, 0.02],
  [20, 50_000_000, 65_000_000, 0.025],
  [10, 65_000_000, 150_000_000, 0.05],
  [5, 150_000_000, 320_000_000, 0.1],
  [4, 320_000_000, 400_000_000, 0.125],
  [3, 400_000_000, 530_000_000, 0.15],
  [2, 530_000_000, 800_000_000, 0.25],
  [1, 800_000_000, 1_200_000_000, 0.5],
];
const GENERIC_BRACKETS: RawBracket[] = [
  [75, 0, 5_000, 0.005],
  [50, 5_000, 50_000, 0.01],
  [25, 50_000, 600_000, 0.02],
  [20, 600_000, 1_200_000, 0.025],
  [10, 1_200_000, 3_000_000, 0.05],
  [5, 3_000_000, 6_000_000, 0.1],
  [4, 6_000_000, 8_000_000, 0.125],
  [2, 8_000_000, 10_000_000, 0.25],
  [1, 10_000_000, 20_000_000, 0.5],
];

export function buildBrackets(raw: RawBracket[]): Bracket[] {
  const out: Bracket[] = [];
  raw.forEach(([initialLeverage, notionalFloor, notionalCap, maintMarginRatio], i) => {
    const prev = out[i - 1];
    // cum is a money amount: exact in decimal (floors are integers, ratios have ≤ 4 decimals).
    const cum = prev ? Math.round((prev.cum + notionalFloor * (maintMarginRatio - prev.maintMarginRatio)) * 1e8) / 1e8 : 0;
    out.push({ bracket: i + 1, initialLeverage, notionalFloor, notionalCap, maintMarginRatio, cum });
  });
  return out;
}

interface KnownContract {
  tickSize: number;
  stepSize: number;
  minQty: number;
  maxQty: number;
  marketMaxQty: number;
  minNotional: number;
  brackets: RawBracket[];
}

/** Filter values of Binance's USDⓈ-M exchangeInfo for these perpetuals. */
const KNOWN: Record<string, KnownContract> = {
  BTC: { tickSize: 0.1, stepSize: 0.001, minQty: 0.001, maxQty: 1000, marketMaxQty: 120, minNotional: 100, brackets: BTC_BRACKETS },
  ETH: { tickSize: 0.01, stepSize: 0.001, minQty: 0.001, maxQty: 10_000, marketMaxQty: 2000, minNotional: 20, brackets: ETH_BRACKETS },
};

function decimals(step: number): number {
  const text = step.toString();
  if (text.includes("e-")) return Number(text.split("e-")[1]);
  return text.includes(".") ? text.split(".")[1].length : 0;
}

/** A perpetual on a spot simulator market; only USDT-quoted spot markets get one. */
export function buildContract(spot: SymbolSpec): ContractSpec {
  const known = KNOWN[spot.base];
  // Generic contracts: ten times the spot tick (at most 1), the spot step, a 5 USDT minimum notional.
  const tickSize = known?.tickSize ?? Math.min(1, spot.tickSize * 10);
  const stepSize = known?.stepSize ?? spot.stepSize;
  return {
    id: spot.id,
    spot,
    base: spot.base,
    quote: spot.quote,
    tickSize,
    pricePrecision: decimals(tickSize),
    stepSize,
    quantityPrecision: decimals(stepSize),
    minQty: known?.minQty ?? spot.minQty,
    maxQty: known?.maxQty ?? spot.maxQty,
    marketMaxQty: known?.marketMaxQty ?? spot.marketMaxQty,
    // Binance's PRICE_FILTER band for a perpetual is roughly [price/100, price×70].
    minPrice: Number((Math.ceil(spot.startPrice / 100 / tickSize) * tickSize).toFixed(decimals(tickSize))),
    maxPrice: Number((Math.floor((spot.startPrice * 70) / tickSize) * tickSize).toFixed(decimals(tickSize))),
    minNotional: known?.minNotional ?? 5,
    multiplierUp: 1.05,
    multiplierDown: 0.95,
    brackets: buildBrackets(known?.brackets ?? GENERIC_BRACKETS),
    onboardDate: 1569398400000,
  };
}

/** The bracket a position of this notional falls in (the last one beyond every cap). */
export function bracketFor(brackets: Bracket[], notional: number): Bracket {
  const abs = Math.abs(notional);
  for (const b of brackets) if (abs < b.notionalCap) return b;
  return brackets[brackets.length - 1];
}

/** The largest notional a position may reach at this leverage (Binance's maxNotionalValue). */
export function maxNotionalForLeverage(brackets: Bracket[], leverage: number): number {
  let cap = 0;
  for (const b of brackets) if (b.initialLeverage >= leverage) cap = b.notionalCap;
  return cap;
}

export function fmtFixed(value: number, dp: number): string {
  return value.toFixed(dp);
}

export function exchangeInfoSymbol(c: ContractSpec, status = "TRADING"): Record<string, unknown> {
  const p = c.pricePrecision;
  const q = c.quantityPrecision;
  return {
    symbol: c.id,
    pair: c.id,
    contractType: "PERPETUAL",
    deliveryDate: 4133404800000,
    onboardDate: c.onboardDate,
    status,
    maintMarginPercent: "2.5000",
    requiredMarginPercent: "5.0000",
    baseAsset: c.base,
    quoteAsset: c.quote,
    marginAsset: c.quote,
    pricePrecision: p,
    quantityPrecision: q,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: "COIN",
    underlyingSubType: [],
    settlePlan: 0,
    triggerProtect: "0.0500",
    liquidationFee: "0.012500",
    marketTakeBound: "0.05",
    maxMoveOrderLimit: 10000,
    filters: [
      { filterType: "PRICE_FILTER", minPrice: fmtFixed(c.minPrice, p), maxPrice: fmtFixed(c.maxPrice, p), tickSize: fmtFixed(c.tickSize, p) },
      { filterType: "LOT_SIZE", stepSize: fmtFixed(c.stepSize, q), maxQty: fmtFixed(c.maxQty, q), minQty: fmtFixed(c.minQty, q) },
      { filterType: "MARKET_LOT_SIZE", stepSize: fmtFixed(c.stepSize, q), maxQty: fmtFixed(c.marketMaxQty, q), minQty: fmtFixed(c.minQty, q) },
      { filterType: "MAX_NUM_ORDERS", limit: 200 },
      { filterType: "MAX_NUM_ALGO_ORDERS", limit: 10 },
      { filterType: "MIN_NOTIONAL", notional: String(c.minNotional) },
      { filterType: "PERCENT_PRICE", multiplierUp: c.multiplierUp.toFixed(4), multiplierDown: c.multiplierDown.toFixed(4), multiplierDecimal: "4" },
    ],
    orderTypes: ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"],
    timeInForce: ["GTC", "IOC", "FOK", "GTX", "GTD"],
    permissionSets: ["GRID", "COPY"],
  };
}
