import { systemClock, type Clock } from "../core/clock";
import { MINUTE_MS } from "./candles";
import type { CsvCandle } from "./csv";
import { FaultController } from "./faults";
import { buildSymbolSpec, DEFAULT_SYMBOLS, parseSymbol, type SymbolSpec, type SymbolSpecOverride } from "./instruments";
import { SymbolMarket } from "./market";
import { MatchingEngine, type AccountSpec, type EngineListener, type FeeMode } from "./matching-engine";
import { bookShape, calibrateFromCandles, calibrateFromSpec, TradeFlow, type MarketCalibration } from "./calibration";
import { DEFAULT_ORDER_BOOK_CONFIG, SyntheticOrderBook, type OrderBookConfig } from "./order-book";
import { CsvReplaySource, inferTickSize, StochasticPriceModel, SUBSTEP_MS, type PriceSource, type Regime } from "./price-model";

/**
 * The simulator without any network: markets, clock, matching engine. The HTTP/WebSocket server
 * (server.ts) is a thin Binance-shaped skin over this; the backtester or paper mode can use the
 * core (or just StochasticPriceModel) directly.
 *
 * Time: simulated time = startTime + (real elapsed) × speed, or, with manualClock, startTime plus
 * whatever advance() added. Candles, trades, order times and /api/v3/time all use simulated time.
 * Request signatures are checked against the real clock (that is the clock clients sign with).
 */

export const DAY_MS = 86_400_000;
const MAX_ADVANCE_MS = 30 * DAY_MS;
const SYNC_MAX_SUBSTEPS = DAY_MS / SUBSTEP_MS;

export const DEFAULT_ACCOUNT: Readonly<Required<AccountSpec>> = Object.freeze({
  apiKey: "tradekeel-simulator-key",
  secret: "tradekeel-simulator-secret",
  balances: Object.freeze({ USDT: 10_000, BTC: 0.05, ETH: 0.5, BNB: 2 }) as Record<string, number>,
});

export interface SimulatorCoreOptions {
  /** Seed of every random choice: same seed (and startTime) → same prices. Default 42. */
  seed?: number | string;
  /** Unified symbols, default BTC, ETH, BNB, SOL, XRP, ADA, DOGE, AVAX, DOT, POL against USDT. */
  symbols?: string[];
  /** Per-symbol overrides of start price, filters or volatility. */
  symbolSpecs?: Record<string, SymbolSpecOverride>;
  /** Days of 1-minute history generated before startTime (0-30). Default 2. */
  historyDays?: number;
  /** Simulated time at start (epoch ms). Default: the real clock's now. */
  startTime?: number;
  /** Simulated seconds per real second. Default 1. */
  speed?: number;
  /** Time moves only through advance(ms). */
  manualClock?: boolean;
  /** Replay these candles for one symbol instead of the stochastic model. */
  csv?: { symbol: string; rows: CsvCandle[] };
  accounts?: AccountSpec[];
  /** Maker and taker fee rate (0.001 = 0.1 %), or both at once. */
  feeRate?: number | { maker: number; taker: number };
  /**
   * Asset that pays the commission: "received" (default, Binance without BNB: a buy pays in the base
   * bought, a sell in the quote received), "quote" (every fill pays in the quote asset) or "bnb"
   * (Binance's "use BNB for fees": 25 % off, paid in BNB at the BNB price while the account holds
   * enough, else in the asset received).
   */
  feeMode?: FeeMode;
  /**
   * The synthetic book. Omitted fields are calibrated from candles (calibration.ts): the spread and
   * the touch's quantity from the typical 1-minute range and volume of the CSV (or the model);
   * `spacingBps` given: a uniform grid of that spacing; `levelQuote` given: that quote value at the touch.
   */
  orderBook?: Partial<OrderBookConfig>;
  /** Print each sub-step's volume as one trade (the flow before the calibration). Default false. */
  singlePrintPerSubstep?: boolean;
  /** Share of each sub-step's traded volume the user's resting orders can fill (default 1). */
  restingFillParticipation?: number;
  /** The real clock (for the speed anchor). */
  clock?: Clock;
  faults?: FaultController;
}

export interface MarketState {
  symbol: string;
  id: string;
  lastPrice: number;
  bid: number | null;
  ask: number | null;
  regime: Regime | null;
}

export interface CoreState {
  simulated: true;
  now: number;
  speed: number;
  manualClock: boolean;
  startTime: number;
  historyStart: number;
  seed: string;
  markets: MarketState[];
}

export class SimulatorCore {
  readonly markets = new Map<string, SymbolMarket>();
  readonly engine: MatchingEngine;
  readonly faults: FaultController;
  readonly manualClock: boolean;
  readonly startTime: number;
  readonly historyStart: number;
  readonly seed: string;
  private readonly clock: Clock;
  private speedValue: number;
  private simAnchor: number;
  private realAnchor: number;
  private manualNow: number;
  /** Time of the last processed sub-step. */
  private processedTo: number;
  /** Set while a sub-step is processed, so the engine stamps events with its time. */
  private processingAt: number | null = null;
  private readonly listeners = new Set<EngineListener>();
  private readonly retainMinutes: number;
  private readonly bySymbol = new Map<string, SymbolMarket>();
  /** What each market's book and trade flow were calibrated from (by venue id). */
  readonly calibrations = new Map<string, MarketCalibration>();

  constructor(options: SimulatorCoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.seed = String(options.seed ?? 42);
    const speed = options.speed ?? 1;
    if (!(Number.isFinite(speed) && speed > 0 && speed <= 100_000)) throw new RangeError("speed must be > 0 and <= 100000 simulated seconds per real second");
    this.speedValue = speed;
    const historyDays = options.historyDays ?? 2;
    if (!(Number.isFinite(historyDays) && historyDays >= 0 && historyDays <= 30)) throw new RangeError("historyDays must be between 0 and 30");
    const startTime = options.startTime ?? this.clock.now();
    if (!Number.isFinite(startTime) || startTime < DAY_MS * 31) throw new RangeError("startTime must be an epoch time in ms");
    this.manualClock = options.manualClock ?? false;
    this.faults = options.faults ?? new FaultController();

    // Start on the sub-step grid so every run of the same seed and start sees the same minutes.
    this.startTime = Math.floor(startTime / SUBSTEP_MS) * SUBSTEP_MS;
    this.historyStart =
      historyDays > 0 ? Math.floor((this.startTime - historyDays * DAY_MS) / DAY_MS) * DAY_MS : Math.floor(this.startTime / MINUTE_MS) * MINUTE_MS;
    this.retainMinutes = Math.max(3, Math.ceil(historyDays) + 2) * 1440;
    // The clock starts at the requested time itself (prices use the sub-step grid below it), so a
    // simulator at speed 1 tells the real time, not the start of the current 5-second sub-step.
    this.simAnchor = this.manualClock ? this.startTime : startTime;
    this.realAnchor = this.clock.now();
    this.manualNow = this.startTime;

    const symbols = [...(options.symbols ?? DEFAULT_SYMBOLS)];
    if (options.csv && !symbols.includes(options.csv.symbol)) symbols.push(options.csv.symbol);
    if (symbols.length === 0) throw new RangeError("at least one symbol is needed");
    const bookConfig = { ...DEFAULT_ORDER_BOOK_CONFIG, ...options.orderBook };
    if (!(bookConfig.levels >= 1 && bookConfig.levels <= 5000 && bookConfig.spacingBps > 0 && bookConfig.levelQuote > 0)) {
      throw new RangeError("orderBook: levels 1-5000, spacingBps > 0, levelQuote > 0");
    }
    for (const symbol of symbols) {
      parseSymbol(symbol);
      const override = { ...options.symbolSpecs?.[symbol] };
      const csvRows = options.csv?.symbol === symbol ? options.csv.rows : null;
      if (csvRows) {
        override.startPrice ??= csvRows[0].open;
        if (override.tickSize === undefined && buildSymbolSpec(symbol, {}, this.seed).tickSize > inferTickSize(csvRows)) {
          override.tickSize = inferTickSize(csvRows);
        }
      }
      const spec = buildSymbolSpec(symbol, override, this.seed);
      if (this.markets.has(spec.id)) throw new RangeError(`duplicate symbol ${symbol}`);
      const model = new StochasticPriceModel(spec, this.seed);
      const source: PriceSource = csvRows ? new CsvReplaySource(spec, csvRows, model) : model;
      const calibration: MarketCalibration = csvRows ? calibrateFromCandles(csvRows) : calibrateFromSpec(spec);
      this.calibrations.set(spec.id, calibration);
      const shape = bookShape(spec, calibration, { levels: bookConfig.levels, spacingBps: options.orderBook?.spacingBps, levelQuote: options.orderBook?.levelQuote });
      const flow = options.singlePrintPerSubstep ? undefined : new TradeFlow(spec, calibration, this.seed);
      const market = new SymbolMarket(spec, source, new SyntheticOrderBook(spec, shape, this.seed), this.historyStart, flow);
      this.markets.set(spec.id, market);
      this.bySymbol.set(spec.symbol, market);
    }

    const fee = options.feeRate ?? 0.001;
    const fees = typeof fee === "number" ? { maker: fee, taker: fee } : fee;
    this.engine = new MatchingEngine({
      markets: this.markets,
      makerFee: fees.maker,
      takerFee: fees.taker,
      feeMode: options.feeMode ?? "received",
      faults: this.faults,
      now: () => this.processingAt ?? this.now(),
      restingFillParticipation: options.restingFillParticipation,
      listener: {
        onExecutionReport: (account, report) => this.listeners.forEach((l) => l.onExecutionReport(account, report)),
        onBalanceUpdate: (account, assets, time) => this.listeners.forEach((l) => l.onBalanceUpdate(account, assets, time)),
        onListStatus: (account, list, time) => this.listeners.forEach((l) => l.onListStatus?.(account, list, time)),
      },
    });
    for (const account of options.accounts ?? [DEFAULT_ACCOUNT]) this.engine.addAccount(account);
    // The accounts' resting orders show in the published book (REST depth, depth streams, tickers).
    for (const [id, market] of this.markets) market.book.showResting(() => this.engine.restingLiquidity(id));

    // Generate the history up to the start.
    this.processedTo = this.historyStart - SUBSTEP_MS;
    this.processTo(this.startTime);
  }

  addListener(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Current simulated time. */
  now(): number {
    if (this.manualClock) return this.manualNow;
    return this.simAnchor + (this.clock.now() - this.realAnchor) * this.speedValue;
  }

  get speed(): number {
    return this.speedValue;
  }

  /** Change the speed from now on (simulated time stays continuous). */
  setSpeed(speed: number): void {
    if (!(Number.isFinite(speed) && speed > 0 && speed <= 100_000)) throw new RangeError("speed must be > 0 and <= 100000");
    this.simAnchor = this.now();
    this.realAnchor = this.clock.now();
    this.speedValue = speed;
  }

  /** Move a manual clock forward by `ms` and process everything that happened meanwhile. */
  advance(ms: number): void {
    if (!this.manualClock) throw new Error("advance() needs the manualClock option");
    if (!(Number.isFinite(ms) && ms >= 0 && ms <= MAX_ADVANCE_MS)) throw new RangeError("advance(ms) needs a number of ms between 0 and 30 days");
    this.manualNow += ms;
    this.processTo(this.manualNow);
  }

  /**
   * Process the market up to the current simulated time. A round processes at most one simulated
   * day, so a process that was suspended for long at a high speed catches up over several rounds
   * instead of freezing.
   */
  sync(): void {
    this.processTo(this.now(), SYNC_MAX_SUBSTEPS);
  }

  private processTo(t: number, maxSubsteps = Number.POSITIVE_INFINITY): void {
    let next = this.processedTo + SUBSTEP_MS;
    if (next > t) return;
    const markets = [...this.markets.values()];
    // Only the recent stretch of the trade tape is kept; older prints only feed the candles.
    const keepFrom = t - 90 * MINUTE_MS;
    for (let steps = 0; next <= t && steps < maxSubsteps; steps++) {
      this.processingAt = next;
      const keep = next >= keepFrom;
      // Time-major across symbols, so results never depend on how time was chunked.
      for (const market of markets) {
        const volume = market.step(next, keep);
        this.engine.onSubstep(market, next, market.lastPriceTicks, volume, market.lastPrints);
      }
      this.processedTo = next;
      next += SUBSTEP_MS;
    }
    this.processingAt = null;
    const substep = Math.floor(this.processedTo / SUBSTEP_MS);
    for (const market of markets) {
      market.book.refresh(market.lastPriceTicks, substep);
      market.series.trim(this.retainMinutes);
    }
  }

  /** Look a market up by unified symbol ("BTC/USDT") or venue id ("BTCUSDT"). */
  market(symbol: string): SymbolMarket | undefined {
    return this.markets.get(symbol) ?? this.bySymbol.get(symbol);
  }

  specs(): SymbolSpec[] {
    return [...this.markets.values()].map((m) => m.spec);
  }

  lastPrice(symbol: string): number {
    const market = this.market(symbol);
    if (!market) throw new RangeError(`unknown simulator symbol ${symbol}`);
    return market.lastPrice;
  }

  state(): CoreState {
    return {
      simulated: true,
      now: this.now(),
      speed: this.speedValue,
      manualClock: this.manualClock,
      startTime: this.startTime,
      historyStart: this.historyStart,
      seed: this.seed,
      markets: [...this.markets.values()].map((m) => ({
        symbol: m.spec.symbol,
        id: m.spec.id,
        lastPrice: m.lastPrice,
        bid: m.book.sides.bids[0]?.price ?? null,
        ask: m.book.sides.asks[0]?.price ?? null,
        regime: m.regime,
      })),
    };
  }
}
