import { z } from "zod";
import { DEFAULT_RISK_LIMITS, riskLimitsSchema, type RiskLimits } from "../config/risk-limits";
import { DEFAULT_FUNDING_RATE } from "../futures";
import { DEFAULT_FEES } from "../execution";
import { EXAMPLE_BTC_BRACKETS, type MarginBracket } from "../futures";
import { TIMEFRAMES, TIMEFRAME_MS, type Instrument, type Timeframe } from "../model/types";
import { exitRulesSchema } from "../portfolio";
import { getStrategyDefinition } from "../strategy";

/**
 * What a backtest runs: validated once here (API, CLI, optimiser and workers share this schema), so
 * every entry point refuses the same bad input with the same message.
 */

/** The issue text and older docs call the MA crossover "ma-cross"; the registry id is ma_crossover. */
const KIND_ALIASES: Readonly<Record<string, string>> = { "ma-cross": "ma_crossover", "ma-crossover": "ma_crossover", ma_cross: "ma_crossover" };

export function resolveStrategyKind(kind: string): string {
  const trimmed = kind.trim();
  return KIND_ALIASES[trimmed] ?? trimmed;
}

/** BASE/QUOTE, or ccxt's BASE/QUOTE:SETTLE of a linear perpetual (futures runs only). */
const SYMBOL = /^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$/;
const symbolSchema = z.string().trim().toUpperCase().regex(SYMBOL, "must look like BASE/QUOTE, e.g. BTC/USDT (BTC/USDT:USDT for a perpetual)");
const timeframeSchema = z.enum(TIMEFRAMES as unknown as [Timeframe, ...Timeframe[]]);
/** Epoch ms or an ISO date ("2023-03-01", "2023-03-01T12:00:00Z"); dates without a zone are UTC. */
export const timeSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === "number" ? value : parseTime(value);
  if (ms === undefined || !Number.isFinite(ms)) {
    ctx.addIssue({ code: "custom", message: `"${String(value)}" is not a date (use 2023-03-01, an ISO time or epoch ms)` });
    return z.NEVER;
  }
  return ms;
});

/** Like timeSchema, but a date alone ("2023-03-21") means the end of that day: the range includes it. */
export const endTimeSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const dateOnly = typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value.trim());
  const ms = typeof value === "number" ? value : parseTime(value);
  if (ms === undefined || !Number.isFinite(ms)) {
    ctx.addIssue({ code: "custom", message: `"${String(value)}" is not a date (use 2023-03-21, an ISO time or epoch ms)` });
    return z.NEVER;
  }
  return dateOnly ? ms + 86_400_000 : ms;
});

export function parseTime(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? `${trimmed}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(trimmed) ? trimmed : `${trimmed}Z`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

export const backtestStrategySchema = z.object({
  kind: z.string().min(1).transform(resolveStrategyKind),
  /** Strategy parameters; the kind's defaults fill the rest (validated by the strategy registry). */
  params: z.record(z.string(), z.unknown()).default({}),
  symbols: z.array(symbolSchema).min(1).max(20),
  timeframe: timeframeSchema.optional(),
  /** Capital budget of the instance in quote currency (caps its position size); default: the whole balance. */
  capital: z.number().positive().finite().optional(),
  /** Instance id in trades and per-strategy metrics; default "<kind>-<n>". */
  id: z.string().trim().min(1).max(60).regex(/^[A-Za-z0-9._:-]+$/, "letters, digits and . _ : - only").optional(),
  name: z.string().trim().min(1).max(120).optional(),
});

/** Candles stored by the app for the configured venue (the caller hands over the candle store). */
const storedSourceSchema = z.object({ type: z.literal("stored") });

const csvSourceSchema = z.object({
  type: z.literal("csv"),
  path: z.string().min(1),
  /** Symbol of the file's candles; default: from the file name (BTCUSDT-1m-... → BTC/USDT), else the strategy's. */
  symbol: symbolSchema.optional(),
  timeframe: timeframeSchema.optional(),
});

/** Candles handed over by the caller (tests, benchmarks, the optimiser's workers). */
const inlineSourceSchema = z.object({ type: z.literal("inline") });

const instrumentOverrideSchema = z.object({
  tickSize: z.number().positive().finite().optional(),
  stepSize: z.number().positive().finite().optional(),
  minQty: z.number().min(0).finite().optional(),
  minNotional: z.number().min(0).finite().optional(),
});

/**
 * A funding rate of a perpetual at a funding time (Binance GET /fapi/v1/fundingRate: fundingTime,
 * fundingRate). Binance stamps them a few milliseconds after the hour: an entry counts for the funding
 * time it lies within FUNDING_MATCH_MS of.
 */
const fundingPointSchema = z.object({ time: timeSchema, rate: z.number().finite().min(-0.05).max(0.05) });

/**
 * market "futures" (issue 15, TRADING_MARKET=futures): every symbol of the run trades as a USDⓈ-M
 * perpetual, one-way mode, with this leverage and margin mode and Binance's BTCUSDT maintenance
 * brackets (EXAMPLE_BTC_BRACKETS, what live uses when the venue states none). Funding: at 00:00,
 * 08:00 and 16:00 UTC every open position pays (long, positive rate) or receives side × size × mark ×
 * rate, the mark being the close of the base-timeframe candle that closes at or first after the
 * funding time; the rate is the series entry of that funding time in fundingRates[symbol] (Tradekeel
 * stores no funding history: the series comes with the config), else the constant fundingRate
 * (default 0.01 % per 8 h, Binance's baseline). Liquidation: see runner.ts.
 */
const futuresSchema = z.object({
  /** The contracts' leverage (Binance POST /fapi/v1/leverage); the run's maxLeverage is raised to it when lower. */
  leverage: z.number().min(1).max(125).default(1),
  /** Cross (Binance's default, the account's wallet backs every position) or isolated (each position its own margin: entry notional / leverage). */
  marginMode: z.enum(["cross", "isolated"]).default("cross"),
  /** The funding rate per 8 h when the series has no entry for a funding time (fraction: 0.0001 = 0.01 %). */
  fundingRate: z.number().finite().min(-0.05).max(0.05).default(DEFAULT_FUNDING_RATE),
  /** Funding rate history per symbol (e.g. downloaded from Binance). */
  fundingRates: z.record(z.string(), z.array(fundingPointSchema).max(100_000)).default({}),
});
export type BacktestFuturesConfig = z.output<typeof futuresSchema>;

/** Every key optional, nested objects included (arrays and null stay whole values). */
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type RiskLimitsOverride = DeepPartial<RiskLimits>;

/** The schema with its defaults (and prefaults) removed and every key optional, nested objects too. */
function withoutDefaults(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) return withoutDefaults(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodObject) {
    return z.object(Object.fromEntries(Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, field]) => [key, withoutDefaults(field).optional()])));
  }
  return schema;
}

/**
 * A request's risk limits: the same rules as riskLimitsSchema, but no defaults, so the parsed value
 * holds only the keys the request states (under zod 4 `.partial()` still fills every default, which
 * overwrote the app's configured limits with the schema's defaults). Unknown keys are dropped, as
 * riskLimitsSchema does.
 */
export const riskLimitsOverrideSchema = withoutDefaults(riskLimitsSchema) as unknown as z.ZodType<RiskLimitsOverride, RiskLimitsOverride>;

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** base with the stated keys of overrides on top; nested objects (the live rules, their ramp) merge key by key. */
export function limitsOver(base: RiskLimits, overrides: unknown): Record<string, unknown> {
  const merge = (into: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...into };
    for (const [key, value] of Object.entries(over)) {
      if (value === undefined) continue;
      out[key] = isPlainObject(value) && isPlainObject(into[key]) ? merge(into[key], value) : value;
    }
    return out;
  };
  return isPlainObject(overrides) ? merge(base as unknown as Record<string, unknown>, overrides) : { ...base };
}

const feesSchema = z.object({ maker: z.number().min(0).max(0.1), taker: z.number().min(0).max(0.1) });

export const backtestConfigSchema = z
  .object({
    strategies: z.array(backtestStrategySchema).min(1).max(10),
    source: z.discriminatedUnion("type", [storedSourceSchema, csvSourceSchema, inlineSourceSchema]).default({ type: "stored" }),
    /** Start of the traded range (inclusive); candles before it only warm the strategies up. */
    from: timeSchema.optional(),
    /** End of the traded range (exclusive); a date alone includes that whole day. */
    to: endTimeSchema.optional(),
    startingBalance: z.number().positive().finite().default(10_000),
    quoteCurrency: z.string().trim().toUpperCase().min(1).default("USDT"),
    /** Maker/taker rates as fractions (0.001 = 0.1 %). */
    fees: feesSchema.default({ ...DEFAULT_FEES }),
    /** Slippage of market orders against the last price, basis points. */
    slippageBps: z.number().min(0).max(1000).default(5),
    /** Risk limits over the configured (or default) ones: only the keys stated here override them (see effectiveLimits). */
    riskLimits: riskLimitsOverrideSchema.default({}),
    /** Exit rules of new positions (trailing stop, ATR stop); stop/target levels on the order win. */
    exitRules: exitRulesSchema.partial().default({}),
    /** "candle": fills and exits on the strategy's own candles; "1m": on the 1-minute candles inside them. */
    fillMode: z.enum(["candle", "1m"]).default("candle"),
    /** Spot: may a sell open a short. Futures runs always allow shorts (a sell opens a short, as live). */
    allowShort: z.boolean().default(false),
    /** "spot" or "futures" (USDⓈ-M perpetuals: leverage, margin, funding, liquidation; see futuresSchema). */
    market: z.enum(["spot", "futures"]).default("spot"),
    futures: futuresSchema.prefault({}),
    /** Instrument rules per symbol; default tick 0.01, step 0.00001, min notional 5. */
    instruments: z.record(z.string(), instrumentOverrideSchema).default({}),
    /** Close what is still open at the last candle (exit reason session_end) so it counts in the trades. */
    closeAtEnd: z.boolean().default(true),
    /** Points of the stored equity curve (the metrics use the full curve). */
    equityPoints: z.number().int().min(50).max(20_000).default(2_000),
  })
  .superRefine((config, ctx) => {
    if (config.from !== undefined && config.to !== undefined && config.to <= config.from) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "must be after from" });
    }
    if (config.source.type === "stored" && (config.from === undefined || config.to === undefined)) {
      ctx.addIssue({ code: "custom", path: [config.from === undefined ? "from" : "to"], message: "stored candles need a date range (from and to)" });
    }
    if (config.market !== "futures") {
      config.strategies.forEach((s, i) =>
        s.symbols.forEach((symbol, j) => {
          if (symbol.includes(":")) ctx.addIssue({ code: "custom", path: ["strategies", i, "symbols", j], message: `${symbol} is a perpetual: set market to "futures"` });
        }),
      );
    }
    const ids = new Set<string>();
    config.strategies.forEach((s, i) => {
      try {
        getStrategyDefinition(s.kind);
      } catch (err) {
        ctx.addIssue({ code: "custom", path: ["strategies", i, "kind"], message: (err as Error).message });
      }
      const id = s.id ?? defaultInstanceId(s.kind, i);
      if (ids.has(id)) ctx.addIssue({ code: "custom", path: ["strategies", i, "id"], message: `duplicate strategy id ${id}` });
      ids.add(id);
    });
  });

export type BacktestConfigInput = z.input<typeof backtestConfigSchema>;
export type BacktestConfig = z.output<typeof backtestConfigSchema>;
export type BacktestStrategyConfig = z.output<typeof backtestStrategySchema>;

export function defaultInstanceId(kind: string, index: number): string {
  return `${kind}-${index + 1}`;
}

/** Validate and complete a config (throws ZodError naming each bad field). */
export function parseBacktestConfig(input: unknown): BacktestConfig {
  return backtestConfigSchema.parse(input);
}

/**
 * The run's risk limits: the base (app) limits, then the keys config.riskLimits states, validated
 * together with the full schema. Futures: the leverage cap is at least the contracts' leverage (live
 * sets the contracts to maxLeverage; a backtest states the leverage it trades at, and the cap follows it).
 */
export function effectiveLimits(config: BacktestConfig, base: RiskLimits = DEFAULT_RISK_LIMITS): RiskLimits {
  const merged = limitsOver(base, config.riskLimits);
  if (config.market === "futures") merged.maxLeverage = Math.max(typeof merged.maxLeverage === "number" ? merged.maxLeverage : 1, config.futures.leverage);
  return riskLimitsSchema.parse(merged);
}

/** Shorts allowed: as configured for spot, always for futures. */
export function shortsAllowed(config: BacktestConfig): boolean {
  return config.allowShort || config.market === "futures";
}

/** Maintenance margin brackets of a backtest's perpetuals: Binance's BTCUSDT table (live uses it too when the venue states none). */
export const BACKTEST_PERP_BRACKETS: readonly MarginBracket[] = EXAMPLE_BTC_BRACKETS;

/** A series entry counts for the funding time it lies within this of (Binance stamps fundingTime a few ms late). */
export const FUNDING_MATCH_MS = 60_000;

/**
 * The funding rate of a symbol at a funding time: the entry of fundingRates[symbol] within
 * FUNDING_MATCH_MS of it (the last such), else the constant fundingRate.
 */
export function fundingRateSource(futures: BacktestFuturesConfig): (symbol: string, time: number) => number {
  const series = new Map<string, { times: number[]; rates: number[] }>();
  for (const [symbol, points] of Object.entries(futures.fundingRates)) {
    const sorted = [...points].sort((a, b) => a.time - b.time);
    series.set(symbol.toUpperCase(), { times: sorted.map((p) => p.time), rates: sorted.map((p) => p.rate) });
  }
  return (symbol, time) => {
    const s = series.get(symbol);
    if (!s) return futures.fundingRate;
    // The last entry at or before time + FUNDING_MATCH_MS (binary search).
    let lo = 0;
    let hi = s.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s.times[mid] <= time + FUNDING_MATCH_MS) lo = mid + 1;
      else hi = mid;
    }
    const i = lo - 1;
    return i >= 0 && s.times[i] >= time - FUNDING_MATCH_MS ? s.rates[i] : futures.fundingRate;
  };
}

export const DEFAULT_INSTRUMENT = { tickSize: 0.01, stepSize: 0.00001, minNotional: 5 } as const;

/** Instrument rules for a symbol without a venue: sensible spot defaults, overridable per symbol. */
export function backtestInstrument(symbol: string, override: z.infer<typeof instrumentOverrideSchema> = {}, marketType?: "spot" | "perp"): Instrument {
  const [base, rest] = symbol.split("/");
  const quote = rest.split(":")[0];
  const stepSize = override.stepSize ?? DEFAULT_INSTRUMENT.stepSize;
  return {
    symbol,
    base,
    quote,
    tickSize: override.tickSize ?? DEFAULT_INSTRUMENT.tickSize,
    stepSize,
    minQty: override.minQty ?? stepSize,
    maxQty: Number.MAX_SAFE_INTEGER,
    minNotional: override.minNotional ?? DEFAULT_INSTRUMENT.minNotional,
    ...(marketType ? { marketType } : {}),
  };
}

export function timeframeMs(timeframe: Timeframe): number {
  return TIMEFRAME_MS[timeframe];
}
