import { randomBytes } from "node:crypto";
import { Decimal } from "../../core/decimal";
import { binanceErrors } from "../binance-errors";
import { subQty } from "../../core/quantity";
import type { ContractSpec } from "./contracts";
import type { AccountUpdateReason, ExecutionType, FuturesAccount, FuturesEngine, FuturesOrder, FuturesTrade } from "./engine";
import { nextFundingTime } from "./pricing";

/**
 * Binance USDⓈ-M stream payloads (developers.binance.com, "User Data Streams" and "Websocket Market
 * Streams"), built from the FuturesEngine's state at the moment of the change. Time stamps are
 * simulated time: E = now, T = the transaction time.
 */

const f8 = (x: number | Decimal) => new Decimal(x).toFixed(8);

/** One listenKey per API key's futures account, as Binance: POST returns the active key. */
export class FuturesListenKeys {
  private readonly keys = new Map<string, FuturesAccount>();

  create(acct: FuturesAccount): string {
    for (const [key, owner] of this.keys) if (owner === acct) return key;
    const key = randomBytes(48).toString("base64url");
    this.keys.set(key, acct);
    return key;
  }

  /** PUT /fapi/v1/listenKey: the active key, or -1125 when there is none. */
  keepAlive(acct: FuturesAccount): string {
    for (const [key, owner] of this.keys) if (owner === acct) return key;
    throw binanceErrors.invalidListenKey();
  }

  remove(acct: FuturesAccount): void {
    for (const [key, owner] of this.keys) if (owner === acct) this.keys.delete(key);
  }

  account(listenKey: string): FuturesAccount | undefined {
    return this.keys.get(listenKey);
  }
}

/** Open (unfilled) notional of the account's resting orders of a symbol, per side (`b` / `a`). */
function openNotional(acct: FuturesAccount, symbol: string): { bids: Decimal; asks: Decimal } {
  let bids = new Decimal(0);
  let asks = new Decimal(0);
  for (const o of acct.orders.values()) {
    if (o.symbol !== symbol || (o.status !== "NEW" && o.status !== "PARTIALLY_FILLED") || o.type !== "LIMIT") continue;
    const n = new Decimal(subQty(o.origQty, o.executedQty)).mul(o.price);
    if (o.side === "BUY") bids = bids.plus(n);
    else asks = asks.plus(n);
  }
  return { bids, asks };
}

export function orderTradeUpdateEvent(
  engine: FuturesEngine,
  acct: FuturesAccount,
  o: FuturesOrder,
  execution: ExecutionType,
  trade: FuturesTrade | null,
  now: number,
) {
  const c = engine.contract(o.symbol);
  const avg = o.executedQty > 0 ? o.cumQuote.div(o.executedQty) : new Decimal(0);
  const notional = openNotional(acct, o.symbol);
  const time = trade?.time ?? o.updateTime;
  return {
    e: "ORDER_TRADE_UPDATE",
    E: now,
    T: time,
    o: {
      s: o.symbol,
      c: o.clientOrderId,
      S: o.side,
      o: o.type,
      f: o.timeInForce,
      q: o.origQty.toFixed(c.quantityPrecision),
      p: o.price.toFixed(c.pricePrecision),
      ap: avg.toFixed(8),
      sp: o.stopPrice.toFixed(c.pricePrecision),
      x: execution,
      X: o.status,
      i: o.orderId,
      l: (trade?.qty ?? 0).toFixed(c.quantityPrecision),
      z: o.executedQty.toFixed(c.quantityPrecision),
      L: (trade?.price ?? 0).toFixed(c.pricePrecision),
      // Binance pushes the commission only with a fill.
      ...(trade ? { N: "USDT", n: trade.commission } : {}),
      T: time,
      t: trade?.id ?? 0,
      b: f8(notional.bids),
      a: f8(notional.asks),
      m: trade?.maker ?? false,
      R: o.reduceOnly,
      wt: o.workingType,
      ot: o.origType,
      ps: "BOTH",
      cp: o.closePosition,
      rp: trade?.realizedPnl ?? "0",
      V: "EXPIRE_MAKER",
      pm: "NONE",
      gtd: 0,
    },
  };
}

function positionEntry(engine: FuturesEngine, acct: FuturesAccount, c: ContractSpec) {
  const v = engine.positionView(acct, c);
  const p = acct.position(c.id);
  return {
    s: c.id,
    pa: v.amt.toFixed(c.quantityPrecision),
    ep: String(v.entryPrice),
    bep: String(v.breakEvenPrice),
    cr: f8(p.realized),
    up: f8(v.unrealized),
    mt: v.marginType === "ISOLATED" ? "isolated" : "cross",
    iw: f8(v.isolatedWallet),
    ps: "BOTH",
    ma: "USDT",
  };
}

export function accountUpdateEvent(
  engine: FuturesEngine,
  acct: FuturesAccount,
  reason: AccountUpdateReason,
  symbols: string[],
  time: number,
  balanceChange: Decimal,
  now: number,
) {
  return {
    e: "ACCOUNT_UPDATE",
    E: now,
    T: time,
    a: {
      m: reason,
      B: [{ a: "USDT", wb: f8(acct.wallet), cw: f8(engine.crossWallet(acct)), bc: f8(balanceChange) }],
      P: symbols.map((s) => positionEntry(engine, acct, engine.contract(s))),
    },
  };
}

export function accountConfigUpdateEvent(symbol: string, leverage: number, now: number) {
  return { e: "ACCOUNT_CONFIG_UPDATE", E: now, T: now, ac: { s: symbol, l: leverage } };
}

export function marginCallEvent(engine: FuturesEngine, acct: FuturesAccount, symbols: string[], cross: boolean, now: number) {
  return {
    e: "MARGIN_CALL",
    E: now,
    // Cross wallet balance: only with a cross margin call.
    ...(cross ? { cw: f8(engine.crossWallet(acct)) } : {}),
    p: symbols.map((s) => {
      const c = engine.contract(s);
      const v = engine.positionView(acct, c);
      return {
        s,
        ps: "BOTH",
        pa: v.amt.toFixed(c.quantityPrecision),
        mt: v.marginType,
        iw: f8(v.isolatedWallet),
        mp: f8(v.markPrice),
        up: f8(v.unrealized),
        mm: f8(v.maintMargin),
      };
    }),
  };
}

export function markPriceEvent(engine: FuturesEngine, c: ContractSpec, now: number) {
  const mark = engine.markPrice(c, now);
  const next = nextFundingTime(now);
  return {
    e: "markPriceUpdate",
    E: now,
    s: c.id,
    p: f8(mark),
    i: f8(engine.indexPrice(c)),
    P: f8(mark),
    r: engine.premium.fundingRate(c, next, now).toFixed(8),
    T: next,
  };
}
