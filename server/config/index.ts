export { loadConfig, ConfigError, ENV_BINDINGS, checkCluster, checkMarket } from "./load";
export { configSchema, SIMULATOR_SYMBOLS, ROLES, TRADING_MARKETS, type Role, type TradingMarket, type AppConfig, type ConfigInput } from "./schema";
export { riskLimitsSchema, riskLimitsConfigSchema, DEFAULT_RISK_LIMITS, RISK_LIMIT_TIGHTER, type RiskLimits } from "./risk-limits";
