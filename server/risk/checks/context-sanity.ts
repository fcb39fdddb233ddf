import type { RiskCheck, RiskPosition } from "../types";
import { allow, deny, num } from "./verdict";

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function badPosition(p: RiskPosition): string | null {
  if (!finite(p.quantity) || p.quantity < 0) return `quantity ${String(p.quantity)}`;
  if (!finite(p.avgEntryPrice) || p.avgEntryPrice <= 0) return `entry price ${String(p.avgEntryPrice)}`;
  if (p.stopLoss !== undefined && (!finite(p.stopLoss) || p.stopLoss <= 0)) return `stop loss ${String(p.stopLoss)}`;
  if (p.markPrice !== undefined && (!finite(p.markPrice) || p.markPrice <= 0)) return `mark price ${String(p.markPrice)}`;
  return null;
}

/**
 * The snapshot the decision rests on is sound. Entries need a valid equity, balance, fee rates,
 * portfolio and a reference price, and their stop and take-profit on the right side of it.
 * Exits only need the positions of their own symbol to be valid, so a corrupt mark elsewhere
 * never traps a position.
 */
export const contextSanityCheck: RiskCheck = {
  id: "context-sanity",
  appliesTo: "all",
  description: "The risk snapshot is finite; an entry has a reference price and stops on the right side.",
  evaluate({ request, ctx, orderClass, metrics }) {
    if (!finite(ctx.now)) return deny("RISK_CONTEXT_INVALID", `risk snapshot has an invalid time ${String(ctx.now)}`);
    const positions = orderClass === "exit" ? ctx.positions.filter((p) => p.symbol === request.symbol) : ctx.positions;
    for (const p of positions) {
      const bad = badPosition(p);
      if (bad) {
        return deny("RISK_CONTEXT_INVALID", `risk snapshot has an invalid ${p.side} ${p.symbol} position: ${bad}`, {
          symbol: p.symbol,
        });
      }
    }
    if (orderClass === "exit") return allow("CONTEXT_VALID", "positions of the symbol are valid");

    if (!finite(ctx.equity) || !finite(ctx.freeQuote) || ctx.freeQuote < 0) {
      return deny("RISK_CONTEXT_INVALID", `risk snapshot has invalid balances: equity ${String(ctx.equity)}, free ${String(ctx.freeQuote)}`);
    }
    if (ctx.equity <= 0) {
      return deny("NO_EQUITY", `no equity to risk (${num(ctx.equity)} ${ctx.quoteCurrency})`, { equity: ctx.equity });
    }
    const { maker, taker } = ctx.fees;
    if (!finite(maker) || !finite(taker) || maker < 0 || taker < 0 || maker >= 1 || taker >= 1) {
      return deny("RISK_CONTEXT_INVALID", `risk snapshot has invalid fee rates: maker ${String(maker)}, taker ${String(taker)}`);
    }
    for (const o of ctx.openOrders) {
      if (!finite(o.quantity) || o.quantity < 0 || (o.filledQuantity !== undefined && !finite(o.filledQuantity))) {
        return deny("RISK_CONTEXT_INVALID", `risk snapshot has an invalid open order ${o.clientOrderId}: quantity ${String(o.quantity)}`);
      }
    }
    const ref = metrics.referencePrice();
    if (ref === undefined) {
      return deny("NO_REFERENCE_PRICE", `no last price for ${request.symbol}: cannot size or price a market entry`, {
        symbol: request.symbol,
      });
    }
    const long = metrics.entrySide() === "long";
    if (request.stopLoss !== undefined && (long ? request.stopLoss >= ref : request.stopLoss <= ref)) {
      return deny(
        "INVALID_STOP_LOSS",
        `stop loss ${num(request.stopLoss)} is on the wrong side of the ${long ? "long" : "short"} entry at ${num(ref)}`,
        { stopLoss: request.stopLoss, referencePrice: ref },
      );
    }
    if (request.takeProfit !== undefined && (long ? request.takeProfit <= ref : request.takeProfit >= ref)) {
      return deny(
        "INVALID_TAKE_PROFIT",
        `take-profit ${num(request.takeProfit)} is on the wrong side of the ${long ? "long" : "short"} entry at ${num(ref)}`,
        { takeProfit: request.takeProfit, referencePrice: ref },
      );
    }
    return allow("CONTEXT_VALID", "risk snapshot is valid", { referencePrice: ref });
  },
};
