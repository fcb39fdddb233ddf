/**
 * Strategy layer: the Strategy contract, the built-in strategies, the registry that creates them from
 * a kind and params, and the safe wrapper the engine calls them through.
 */
export type { CandleContext, Strategy, StrategyContext, StrategyInstanceConfig, StrategyPosition, StrategySnapshot, StrategySubscription } from "./types";
export type { StrategyDefinition, StrategyPreset } from "./registry-types";
export {
  createStrategy,
  getStrategyDefinition,
  listStrategyKinds,
  parseStrategyParams,
  registerStrategyKind,
  strategySourceOf,
  unregisterStrategyKind,
  type StrategyKindInfo,
  type StrategySource,
} from "./registry";
export { SdkStrategy, defineStrategy, isSdkDefinition, specOf, type CallGuard, type DecisionContext, type EnterOptions, type ExitOptions, type SdkDefinition, type StrategySpec } from "./sdk";
export {
  configureUserStrategies,
  freshDefinition,
  generatedCandles,
  loadUserStrategies,
  userStrategiesStatus,
  watchUserStrategies,
  type StrategyFileProblem,
  type StrategyRuntimeFault,
  type UserStrategiesStatus,
  type UserStrategyOptions,
} from "./user/loader";
export { CALL_BUDGET_MS, LOAD_BUDGET_MS, StrategyFileError } from "./user/sandbox";
export { strategyKindsReport, type StrategyKindsReport } from "./listing";
export { SafeStrategy, safeStrategy, signalProblem, type StrategyErrorHandler, type StrategyErrorReport, type StrategyPhase } from "./safe-strategy";
export { BaseStrategy, MAX_CLOCK_SKEW_MS, NO_SIGNALS, StrategyInputError, type TimeframeWarmup } from "./base-strategy";
export {
  StrategyParamsError,
  booleanParam,
  describeParams,
  enumParam,
  integerParam,
  numberParam,
  parseParams,
  protectiveParams,
  type ParamDescription,
  type ParamIssue,
} from "./params";
export { formatPrice } from "./format";
export { UnlockCalendarError, loadUnlockCalendar, parseUnlockCalendar, parseUnlockCsv, parseUnlockJson, unlockAppliesTo, type UnlockEvent } from "./unlock-calendar";
export { maCrossoverDefinition, maCrossoverParams, type MaCrossoverParams } from "./builtins/ma-crossover";
export { rsiReversionDefinition, rsiReversionParams, type RsiReversionParams } from "./builtins/rsi-reversion";
export { bollingerBounceDefinition, bollingerBounceParams, type BollingerBounceParams } from "./builtins/bollinger-bounce";
export { TokenUnlockStrategy, tokenUnlockDefinition, tokenUnlockParams, type TokenUnlockParams } from "./builtins/token-unlock";
