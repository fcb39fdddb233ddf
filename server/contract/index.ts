/**
 * The wire contract: the REST and Socket.IO payloads of docs/api.md as zod schemas, types by z.infer,
 * used by both sides (the server's DTO builders are typed by them, components/lib/types.ts re-exports
 * the types). Schemas and types only: no Node imports, no server internals, so the browser bundle may
 * import it.
 */
export * from "./common";
export * from "./market";
export * from "./exit-alarms";
export * from "./positions";
export * from "./orders";
export * from "./trades";
export * from "./risk";
export * from "./status";
export * from "./insights";
export * from "./signals";
export * from "./system";
export * from "./kill-switch";
export * from "./strategies";
export * from "./performance";
export * from "./sessions";
export * from "./auth";
export * from "./backtest";
export * from "./optimisation";
export * from "./golive";
export * from "./health";
export * from "./pairs";
