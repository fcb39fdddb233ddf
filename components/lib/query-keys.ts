import type { Mode, Timeframe, TradesQueryDto } from "./types";

/**
 * Query keys of every server resource in the browser cache. The live feed writes into the same keys,
 * so each piece of server state exists once. Prefixes matter: the feed matches queries by prefix.
 */
export type TradeFilters = Partial<Pick<TradesQueryDto, "symbol" | "side" | "strategy" | "result" | "from" | "to" | "sort" | "order">> &
  Pick<TradesQueryDto, "page" | "pageSize"> & { mode?: Mode };

export const qk = {
  status: ["status"] as const,
  system: ["system"] as const,
  health: ["health"] as const,
  me: ["me"] as const,
  symbols: ["symbols"] as const,
  candlesOf: (symbol: string, timeframe: Timeframe) => ["candles", symbol, timeframe] as const,
  candles: (symbol: string, timeframe: Timeframe, limit: number) => ["candles", symbol, timeframe, limit] as const,
  orderbookOf: (symbol: string) => ["orderbook", symbol] as const,
  orderbook: (symbol: string, depth: number) => ["orderbook", symbol, depth] as const,
  tape: (symbol: string) => ["tape", symbol] as const,
  positionsAll: ["positions"] as const,
  positions: (mode: Mode) => ["positions", mode] as const,
  ordersAll: ["orders"] as const,
  orders: (mode: Mode, status: "open" | "all", limit: number) => ["orders", mode, status, limit] as const,
  tradesAll: ["trades"] as const,
  trades: (filters: TradeFilters) => ["trades", "list", filters] as const,
  tradeDetail: (id: string) => ["trades", "detail", id] as const,
  tradesSince: (mode: Mode, from: number, result?: "win" | "loss") => ["trades", "count", mode, from, result ?? "any"] as const,
  signalsAll: ["signals"] as const,
  signals: (mode: Mode, limit: number) => ["signals", "list", mode, limit] as const,
  signalStats: (mode: Mode) => ["signals", "stats", mode] as const,
  equityAll: ["equity"] as const,
  equity: (mode: Mode, limit: number) => ["equity", mode, limit] as const,
  performanceAll: ["performance"] as const,
  performance: (mode: Mode) => ["performance", mode] as const,
  risk: ["risk", "summary"] as const,
  riskEventsAll: ["risk", "events"] as const,
  riskEvents: (limit: number, kind: string) => ["risk", "events", limit, kind] as const,
  killSwitch: ["kill-switch"] as const,
  exitAlarms: ["exit-alarms"] as const,
  strategies: ["strategies", "list"] as const,
  strategyKinds: ["strategies", "kinds"] as const,
  tokens: ["tokens"] as const,
  credentials: ["credentials"] as const,
};
