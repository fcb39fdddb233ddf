import type { Logger } from "pino";
import type { AlertService } from "../alerts";
import type { Metrics } from "../metrics";
import type { AppConfig } from "../config";
import type { Database } from "../db";
import type { EngineRuntime } from "../engine";
import type { InsightsService } from "../ai";
import type { BacktestService } from "../backtest";
import type { OptimisationService } from "../composition/optimisations";
import type { UseCases } from "../application";

/** What arming live trading on a real-money venue asks for (POST /api/mode, body.arming). */
export interface ArmingInput {
  typedConfirmation?: string;
  acknowledgedDailyLossLimit?: number;
  acknowledgedMaxPosition?: number;
  totpCode?: string;
  /** Typed to arm past failing go-live checklist items (needs two-factor). */
  overridePhrase?: string;
}

export type StatusReport = Awaited<ReturnType<UseCases["system"]["status"]>>;

/**
 * The application as route handlers and the realtime layer see it. Built once by the composition root
 * (server/app.ts), registered by server/index.ts and looked up through the registry.
 */

export interface Principal {
  kind: "session" | "api-token" | "static-token";
  userId?: string;
  username?: string;
  tokenId?: string;
}

export interface AuthGate {
  /** Throws AppError 401/403 when the request is not allowed; returns who made it. */
  authorizeRequest(req: Request, opts: { mutation: boolean }): Promise<Principal>;
  /** The Socket.IO handshake: cookie header or `auth.token` (bearer token). */
  authorizeSocket(handshake: { headers: Record<string, string | string[] | undefined>; token?: string }): Promise<Principal>;
}

export interface HealthReport {
  /** "starting" until the engine has reconciled, loaded its strategies and started its feeds. */
  status: "ok" | "starting" | "degraded" | "down";
  version: string;
  uptimeS: number;
  db: { kind: "embedded" | "postgres"; ok: boolean; latencyMs?: number; error?: string };
  engine: {
    state: "starting" | "running" | "stopping";
    reconciliation: { ok: boolean; status: "ok" | "degraded" | "failed"; message: string; findings: Array<{ kind: string; severity: "warning" | "critical"; message: string }> } | null;
  };
  reasons: string[];
}

export interface Services {
  config: AppConfig;
  logger: Logger;
  db: Database;
  version: string;
  startedAt: number;
  auth: AuthGate;
  health(): Promise<HealthReport>;
  /** The trading engine; absent only while the process is starting or in tests of the web layer. */
  engine?: EngineRuntime;
  status(): Promise<StatusReport>;
  /** The application layer's use cases (routes call `app().trades.list(q)`); absent only in tests of the web layer. */
  useCases?: UseCases;
  /** Append to the hash-chained audit log. */
  audit?: (entry: { actor: string; action: string; data: Record<string, unknown> }) => Promise<void>;
  /** Checks every condition for trading real money (throws AppError naming the missing one). */
  armLive?: (req: Request, arming: ArmingInput | undefined) => Promise<void>;
  /** AI insights (regime, consensus, ML model, reasons); absent until server/app.ts constructs it. */
  insights?: InsightsService;
  /** Backtest runs (queue, progress, reports); built once by the composition root. */
  backtests?: BacktestService;
  /**
   * Parameter optimisations (/api/optimisations); built once by the composition root, and by a web node
   * apart from the engine (ROLE=web), where with BullMQ any web node serves any run's status and cancel.
   */
  optimisations?: OptimisationService;
  /** Alert log, channels, Telegram commands. */
  alerts?: AlertService;
  /** Prometheus registry behind GET /metrics. */
  metrics?: Metrics;
  /**
   * A web node apart from the engine (ROLE=web, issue 19): what became of a command it sent the engine
   * (GET /api/commands/:id). Absent in one process, where nothing is sent.
   */
  commands?: { state(id: string): Promise<CommandStateView> };
}

/** A command's outcome as a web node reads it (server/cluster/command-bus.ts). */
export type CommandStateView =
  | { state: "unknown" | "queued" | "running" | "expired" }
  | { state: "done"; reply: { ok: true; value: unknown } | { ok: false; status: number; error: { code: string; message: string; details?: unknown } } };
