export { loadConfig, ConfigError, ENV_BINDINGS, checkCluster } from "./load";
export { configSchema, SIMULATOR_SYMBOLS, ROLES, type Role, type AppConfig, type ConfigInput } from "./schema";
export { riskLimitsSchema, riskLimitsConfigSchema, DEFAULT_RISK_LIMITS, RISK_LIMIT_TIGHTER, type RiskLimits } from "./risk-limits";
