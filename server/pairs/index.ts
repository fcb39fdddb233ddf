/** Pair selection: rank the venue's symbols by liquidity and volatility (rank.ts), on a schedule (pair-list.ts). */
export { DEFAULT_PAIR_THRESHOLDS, pairThresholdsSchema, rankPairs, symbolsForStrategy, type PairFigures, type PairList, type PairThresholds, type RankedPair } from "./rank";
export { PairListService, collectPairFigures, getPairList, refreshPairList, registerPairList, type CollectOptions, type PairDataSource, type PairListOptions } from "./pair-list";
