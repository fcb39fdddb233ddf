import { MINUTE_MS, MinuteSeries, queryKlines, type KlineBar, type KlineQuery, type MinuteBar } from "./candles";
import type { SymbolSpec } from "./instruments";
import { SecondSeries } from "./seconds";
import type { SyntheticOrderBook } from "./order-book";
import type { TradeFlow } from "./calibration";
import { SUBSTEP_MS, SUBSTEPS_PER_MINUTE, type MinutePath, type PriceSource, type Regime } from "./price-model";

/** A public trade on the simulated market (synthetic flow or the user's taker fills). */
export interface PublicTrade {
  id: number;
  price: number;
  qty: number;
  quoteQty: number;
  time: number;
  isBuyerMaker: boolean;
}

export interface Ticker24h {
  symbol: string;
  openTime: number;
  closeTime: number;
  open: number;
  high: number;
  low: number;
  last: number;
  prevClose: number;
  volume: number;
  quoteVolume: number;
  count: number;
  firstTradeId: number;
  lastTradeId: number;
  lastQty: number;
}

const TRADE_RING_SIZE = 1000;

/**
 * One symbol's market: the price path (one minute at a time from its source), the 1-minute candle
 * history, the forming candle, the recent trade tape and the synthetic order book.
 */
/** Binance's symbol statuses: orders are accepted only while TRADING. */
export type SymbolStatus = "TRADING" | "BREAK" | "HALT" | "END_OF_DAY" | "PRE_TRADING" | "POST_TRADING" | "AUCTION_MATCH";
export const SYMBOL_STATUSES: readonly SymbolStatus[] = ["TRADING", "BREAK", "HALT", "END_OF_DAY", "PRE_TRADING", "POST_TRADING", "AUCTION_MATCH"];

export class SymbolMarket {
  readonly series: MinuteSeries;
  /** 1s klines (see seconds.ts): the same price points and prints as the minute candle. */
  readonly seconds = new SecondSeries();
  /** Set with POST /admin/symbol-status; exchangeInfo publishes it and new orders need TRADING. */
  status: SymbolStatus = "TRADING";
  private path: MinutePath | null = null;
  private formingBar: MinuteBar | null = null;
  private lastPriceValue: number;
  private lastPriceTicksValue: number;
  private lastTimeValue = -1;
  private readonly trades: PublicTrade[] = [];
  private tradeRingStart = 0;
  private nextTradeId = 1;
  private lastPrintsValue: number[] = [];
  private readonly priceScale: number;

  constructor(
    readonly spec: SymbolSpec,
    private readonly source: PriceSource,
    readonly book: SyntheticOrderBook,
    firstMinuteOpenTime: number,
    /** The calibrated trade flow (calibration.ts): a sub-step's volume printed as several trades; omitted: one print. */
    private readonly flow?: TradeFlow,
  ) {
    this.series = new MinuteSeries(firstMinuteOpenTime);
    this.priceScale = 10 ** spec.priceDecimals;
    this.lastPriceValue = spec.startPrice;
    this.lastPriceTicksValue = Math.round(spec.startPrice * this.priceScale);
  }

  get lastPrice(): number {
    return this.lastPriceValue;
  }

  get lastPriceTicks(): number {
    return this.lastPriceTicksValue;
  }

  /** Time of the last processed sub-step. */
  get lastTime(): number {
    return this.lastTimeValue;
  }

  get regime(): Regime | null {
    return this.path?.regime ?? null;
  }

  get forming(): MinuteBar | null {
    return this.formingBar;
  }

  toTicks(price: number): number {
    return Math.round(price * this.priceScale);
  }

  fromTicks(ticks: number): number {
    return ticks / this.priceScale;
  }

  /**
   * Process the sub-step at time `t` (the next one on the 5-second grid): roll the minute over if
   * it starts one, move the price, print the synthetic trade. `keepTrade` = false skips the trade
   * tape while generating deep history. Returns the base volume the synthetic flow traded.
   */
  step(t: number, keepTrade = true): number {
    const k = Math.round((t % MINUTE_MS) / SUBSTEP_MS);
    if (k === 0 || this.path === null) {
      if (this.formingBar) this.series.append(this.formingBar);
      if (keepTrade) this.seconds.trim(t);
      this.path = this.source.nextMinute();
      const open = this.path.prices[0];
      this.formingBar = {
        openTime: t - (t % MINUTE_MS),
        open,
        high: open,
        low: open,
        close: open,
        volume: 0,
        quoteVolume: 0,
        takerBuyBase: 0,
        takerBuyQuote: 0,
        trades: 0,
        firstTradeId: -1,
        lastTradeId: -1,
      };
    }
    const index = Math.min(k, SUBSTEPS_PER_MINUTE - 1);
    const price = this.path.prices[index];
    const previous = this.lastPriceValue;
    const bar = this.formingBar!;
    if (price > bar.high) bar.high = price;
    if (price < bar.low) bar.low = price;
    bar.close = price;
    this.lastPriceValue = price;
    this.lastPriceTicksValue = Math.round(price * this.priceScale);
    this.lastTimeValue = t;
    if (keepTrade) this.seconds.pricePoint(t, price);
    const qty = this.path.volumes[index];
    if (qty > 0) {
      // A falling print was a seller hitting bids (the buyer was the maker); a sub-step's trades are one side's.
      const isBuyerMaker = price < previous || (price === previous && (this.nextTradeId & 1) === 1);
      if (!this.flow || !keepTrade) this.lastPrintsValue = [qty];
      if (!this.flow) this.recordTrade(price, qty, isBuyerMaker, t, keepTrade);
      else if (!keepTrade) this.recordBulk(price, qty, this.flow.count(qty), isBuyerMaker);
      else {
        this.lastPrintsValue = this.flow.split(qty, Math.round(t / SUBSTEP_MS));
        for (const part of this.lastPrintsValue) this.recordTrade(price, part, isBuyerMaker, t, true);
      }
    } else this.lastPrintsValue = [];
    return qty;
  }

  /** Print a trade: it adds to the forming candle's volume and to the tape. */
  recordTrade(price: number, qty: number, isBuyerMaker: boolean, time: number, keep = true): PublicTrade {
    const trade: PublicTrade = { id: this.nextTradeId++, price, qty, quoteQty: price * qty, time, isBuyerMaker };
    const bar = this.formingBar;
    if (bar) {
      bar.volume += qty;
      bar.quoteVolume += trade.quoteQty;
      if (!isBuyerMaker) {
        bar.takerBuyBase += qty;
        bar.takerBuyQuote += trade.quoteQty;
      }
      bar.trades += 1;
      if (bar.firstTradeId < 0) bar.firstTradeId = trade.id;
      bar.lastTradeId = trade.id;
    }
    if (keep) {
      this.seconds.trade(time, trade.id, price, qty, trade.quoteQty, isBuyerMaker);
      if (this.trades.length < TRADE_RING_SIZE) this.trades.push(trade);
      else {
        this.trades[this.tradeRingStart] = trade;
        this.tradeRingStart = (this.tradeRingStart + 1) % TRADE_RING_SIZE;
      }
    }
    return trade;
  }

  /** Deep history: `count` trades of `qty` in all, added to the candle without building each one. */
  private recordBulk(price: number, qty: number, count: number, isBuyerMaker: boolean): void {
    const bar = this.formingBar;
    const firstId = this.nextTradeId;
    this.nextTradeId += count;
    if (!bar) return;
    bar.volume += qty;
    bar.quoteVolume += price * qty;
    if (!isBuyerMaker) {
      bar.takerBuyBase += qty;
      bar.takerBuyQuote += price * qty;
    }
    bar.trades += count;
    if (bar.firstTradeId < 0) bar.firstTradeId = firstId;
    bar.lastTradeId = this.nextTradeId - 1;
  }

  /** The market trades of the last sub-step, in print order (one per sub-step in deep history). */
  get lastPrints(): readonly number[] {
    return this.lastPrintsValue;
  }

  get lastTradeId(): number {
    return this.nextTradeId - 1;
  }

  /** The kept tape, oldest first. */
  recentTrades(): PublicTrade[] {
    return [...this.trades.slice(this.tradeRingStart), ...this.trades.slice(0, this.tradeRingStart)];
  }

  /** The kept trades after `id`, oldest first, at most the newest `max` (walks back from the newest only). */
  tradesAfter(id: number, max: number): PublicTrade[] {
    const n = this.trades.length;
    const newer: PublicTrade[] = [];
    for (let i = 0; i < n && newer.length < max; i++) {
      const trade = this.trades[(this.tradeRingStart + n - 1 - i) % n];
      if (trade.id <= id) break;
      newer.push(trade);
    }
    return newer.reverse();
  }

  /**
   * Binance's average price (GET /api/v3/avgPrice, and what NOTIONAL for market orders and
   * PERCENT_PRICE_BY_SIDE compare with): the volume-weighted price of the last `mins` minutes,
   * the forming minute included; the last price when nothing traded.
   */
  averagePrice(mins = 5): number {
    const bars = this.klines({ interval: "1m", limit: mins });
    let volume = 0;
    let quote = 0;
    for (const b of bars) {
      volume += b.volume;
      quote += b.quoteVolume;
    }
    return volume > 0 ? quote / volume : this.lastPriceValue;
  }

  klines(query: KlineQuery): KlineBar[] {
    if (query.interval === "1s") return this.seconds.query(query, query.now ?? this.lastTimeValue);
    return queryKlines(this.series, this.formingBar, query);
  }

  ticker24h(now: number): Ticker24h {
    const windowStart = Math.floor((now - 86_400_000) / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    let acc = this.series.foldRange(windowStart, now, null);
    const forming = this.formingBar;
    if (forming) {
      if (acc === null) acc = { ...forming };
      else {
        acc.high = Math.max(acc.high, forming.high);
        acc.low = Math.min(acc.low, forming.low);
        acc.close = forming.close;
        acc.volume += forming.volume;
        acc.quoteVolume += forming.quoteVolume;
        acc.trades += forming.trades;
        if (forming.firstTradeId >= 0) {
          if (acc.firstTradeId < 0) acc.firstTradeId = forming.firstTradeId;
          acc.lastTradeId = forming.lastTradeId;
        }
      }
    }
    const before = this.series.at(Math.max(this.series.startTime, windowStart - MINUTE_MS));
    const tape = this.trades.length ? this.recentTrades() : [];
    const last = this.lastPriceValue;
    return {
      symbol: this.spec.id,
      openTime: acc ? acc.openTime : now,
      closeTime: now,
      open: acc ? acc.open : last,
      high: acc ? acc.high : last,
      low: acc ? acc.low : last,
      last,
      prevClose: before ? before.close : acc ? acc.open : last,
      volume: acc ? acc.volume : 0,
      quoteVolume: acc ? acc.quoteVolume : 0,
      count: acc ? acc.trades : 0,
      firstTradeId: acc ? acc.firstTradeId : -1,
      lastTradeId: acc ? acc.lastTradeId : -1,
      lastQty: tape.length ? tape[tape.length - 1].qty : 0,
    };
  }
}
