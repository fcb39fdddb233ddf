import type { ExitReason, KernelMode, PositionSide } from "../model/types";
import type { AttributionStats, DustHolding, LedgerPosition } from "./ledger-types";

/**
 * The ledger's internal mutable state (not exported from the module): a position being booked, the
 * per-symbol book (mark, net quantity, open positions), a dust holding, and the plain-object copies
 * the ledger hands out.
 */

export class PositionState implements LedgerPosition {
  id: string;
  mode: KernelMode;
  symbol: string;
  side: PositionSide;
  quantity = 0;
  avgEntryPrice = 0;
  realizedPnl = 0;
  fees = 0;
  openedAt: number;
  strategyInstanceId: string | undefined = undefined;
  sessionId: string | undefined = undefined;
  stopLoss: number | undefined = undefined;
  takeProfit: number | undefined = undefined;
  trailingStop: number | undefined = undefined;
  atrStop: number | undefined = undefined;
  trailingActivationPct: number | null = null;
  trailingDistancePct: number | null = null;
  extremePrice: number;
  entryReason = "";
  costBasis = 0;
  entryQuantity = 0;
  entryNotional = 0;
  exitQuantity = 0;
  exitNotional = 0;
  grossRealizedPnl = 0;
  fundingPaid: number | undefined = undefined;
  updatedAt: number;
  lastExitReason: ExitReason | undefined = undefined;
  lastExitText: string | undefined = undefined;

  constructor(id: string, mode: KernelMode, symbol: string, side: PositionSide, openedAt: number, price: number) {
    this.id = id;
    this.mode = mode;
    this.symbol = symbol;
    this.side = side;
    this.openedAt = openedAt;
    this.updatedAt = openedAt;
    this.extremePrice = price;
  }
}

export class SymbolBook {
  mark = Number.NaN;
  /** Σ long quantity − Σ short quantity of the open positions. */
  netQty = 0;
  readonly positions: PositionState[] = [];
  constructor(
    readonly symbol: string,
    readonly base: string,
  ) {}
}

export class DustState {
  quantity = 0;
  costBasis = 0;
  constructor(
    readonly asset: string,
    readonly symbol: string,
    readonly book: SymbolBook,
  ) {}
}

export function emptyStats(): AttributionStats {
  return { fills: 0, volume: 0, fees: 0, grossPnl: 0, realizedPnl: 0, trades: 0, wins: 0, losses: 0, breakeven: 0 };
}

export function baseAsset(symbol: string): string {
  const slash = symbol.indexOf("/");
  return slash > 0 ? symbol.slice(0, slash) : symbol;
}

export const NO_POSITIONS: readonly LedgerPosition[] = Object.freeze([]);

/** A plain-object copy without undefined fields (JSON- and structuredClone-safe). */
export function copyPosition(p: LedgerPosition): LedgerPosition {
  const copy: LedgerPosition = {
    id: p.id,
    mode: p.mode,
    symbol: p.symbol,
    side: p.side,
    quantity: p.quantity,
    avgEntryPrice: p.avgEntryPrice,
    realizedPnl: p.realizedPnl,
    fees: p.fees,
    openedAt: p.openedAt,
    extremePrice: p.extremePrice,
    entryReason: p.entryReason,
    trailingActivationPct: p.trailingActivationPct,
    trailingDistancePct: p.trailingDistancePct,
    costBasis: p.costBasis,
    entryQuantity: p.entryQuantity,
    entryNotional: p.entryNotional,
    exitQuantity: p.exitQuantity,
    exitNotional: p.exitNotional,
    grossRealizedPnl: p.grossRealizedPnl,
    updatedAt: p.updatedAt,
  };
  if (p.strategyInstanceId !== undefined) copy.strategyInstanceId = p.strategyInstanceId;
  if (p.sessionId !== undefined) copy.sessionId = p.sessionId;
  if (p.stopLoss !== undefined) copy.stopLoss = p.stopLoss;
  if (p.takeProfit !== undefined) copy.takeProfit = p.takeProfit;
  if (p.trailingStop !== undefined) copy.trailingStop = p.trailingStop;
  if (p.atrStop !== undefined) copy.atrStop = p.atrStop;
  if (p.lastExitReason !== undefined) copy.lastExitReason = p.lastExitReason;
  if (p.lastExitText !== undefined) copy.lastExitText = p.lastExitText;
  if (p.fundingPaid !== undefined) copy.fundingPaid = p.fundingPaid;
  return copy;
}

export function copyDust(d: DustHolding): DustHolding {
  return { asset: d.asset, symbol: d.symbol, quantity: d.quantity, costBasis: d.costBasis };
}

