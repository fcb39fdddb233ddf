/**
 * Alerts: rules that turn engine events into alerts (kill switch, exit alarms, breakers, fills, stream
 * outages, daily and weekly reports), a policy (deduplication, rate limits, quiet hours), channels
 * (Telegram, email, webhook) with retry, the delivery log, Telegram commands (two-factor checked) and
 * the composition of alerts with metrics for the application root. Pure kinds, shapes and request
 * schemas are also in ./types and ./schemas, which the browser may load (this index loads the
 * service, the channels and the route helpers).
 */
export { composeAlertsAndMetrics, ownerTwoFactor, tradingCommandsFor, type TwoFactorCheck } from "./wiring";
export { createAlertService, channelsFromConfig, type AlertBus, type AlertService, type AlertServiceOptions, type ChannelView } from "./service";
export { alertService } from "./http";
export { createPrismaAlertStore, createMemoryAlertStore } from "./store";
export { alertLogQuerySchema, channelInputSchema, routingSchema, type ChannelInput } from "./schemas";
export {
  ALERT_KINDS,
  CHANNEL_KINDS,
  SEVERITY_RANK,
  type Alert,
  type AlertChannel,
  type AlertKind,
  type AlertLogEntry,
  type AlertSeverity,
  type AlertStore,
  type ChannelKind,
  type Delivery,
  type DeliveryStatus,
  type PeriodReport,
  type TradingCommands,
} from "./types";
