import { z } from "zod";
import { AppError } from "../core/errors";
import type { KernelMode } from "../model/types";
import type { EngineRuntime } from "../engine";
import type { EquityRepository, OrderHistoryRepository, RiskEventRepository, SignalRepository, TradeRepository, StrategyRepository, SessionRepository } from "../db";

/**
 * What every use case is given: the running engine (live state: positions, marks, risk, kill switch)
 * and the repositories (history). Use cases hold no Prisma and build no HTTP responses.
 */
export type AuditFn = (entry: { actor: string; action: string; data: Record<string, unknown> }) => Promise<void>;

export interface Repositories {
  trades: TradeRepository;
  orders: OrderHistoryRepository;
  signals: SignalRepository;
  equity: EquityRepository;
  riskEvents: RiskEventRepository;
  strategies: StrategyRepository;
  sessions: SessionRepository;
}

export interface UseCaseDeps {
  engine: EngineRuntime;
  repos: Repositories;
  audit?: AuditFn;
}

const MODES = ["ghost", "paper", "live"] as const;
export const modeSchema = z.enum(MODES);

/** The named mode, or the engine's current one. */
export function modeOr(engine: EngineRuntime, mode: string | undefined): KernelMode {
  if (mode === undefined || mode === "") return engine.kernel.mode;
  return modeSchema.parse(mode);
}

export function requireSymbol(engine: EngineRuntime, symbol: string, status = 404): void {
  if (!engine.instruments.has(symbol)) throw new AppError("UNKNOWN_SYMBOL", `unknown symbol ${symbol}: use one of ${[...engine.instruments.keys()].join(", ")}`, status);
}

const DOWNLOAD_BRAND = Symbol.for("tradekeel.download");

/**
 * A file to download (CSV or JSON export); the HTTP layer turns it into a response with a Content-Disposition.
 * Recognised by a brand, not instanceof: Next bundles route handlers apart from the server, so the class can
 * exist twice in one process (the same trap as AppError).
 */
export class Download {
  readonly [DOWNLOAD_BRAND] = true;

  constructor(
    readonly filename: string,
    readonly contentType: string,
    readonly body: string,
  ) {}

  async text(): Promise<string> {
    return this.body;
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.body);
  }
}

export function isDownload(value: unknown): value is Download {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[DOWNLOAD_BRAND] === true;
}

/**
 * A value read back from the database (a text or JSON column), narrowed to the wire contract's schema.
 * The server only ever writes values of that shape, so a mismatch is stored data this version cannot
 * read: a 500 that names the row and the field, never a wrong value on the wire.
 */
export function stored<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AppError("STORED_DATA_INVALID", `${what}${issue?.path.length ? `.${issue.path.join(".")}` : ""}: ${issue?.message ?? "unreadable"}`, 500);
}
