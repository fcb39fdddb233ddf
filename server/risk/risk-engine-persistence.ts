import type { RiskLimits } from "../config/risk-limits";
import type { Clock } from "../core/clock";
import { AppError, errorMessage } from "../core/errors";
import type { TradingState } from "../model/types";
import { persistedRiskStateSchema, type PeriodAnchor, type PersistedRiskState, type RiskStateStore } from "./state-store";
import type { RiskLatch } from "./types";

/** What the stored risk state held at start-up. */
export interface LoadedRiskState {
  /** The validated state, null when none was stored or it was unreadable. */
  persisted: ReturnType<typeof persistedRiskStateSchema.parse> | null;
  /** Why a stored state could not be read (the engine then starts HALTED), null when it could. */
  unreadableReason: string | null;
}

/** Read and validate the stored state. Throws RISK_STATE_UNAVAILABLE when the store cannot be read at all. */
export async function loadRiskState(store: RiskStateStore): Promise<LoadedRiskState> {
  let raw: unknown;
  try {
    raw = await store.load();
  } catch (err) {
    throw new AppError("RISK_STATE_UNAVAILABLE", `cannot load the risk state: ${errorMessage(err)}`, 503);
  }
  let persisted: LoadedRiskState["persisted"] = null;
  let unreadableReason: string | null = null;
  if (raw !== null && raw !== undefined) {
    const parsed = persistedRiskStateSchema.safeParse(raw);
    if (parsed.success) persisted = parsed.data;
    else unreadableReason = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
  }
  return { persisted, unreadableReason };
}

/** The live parts of the state that are saved (read at save time, so a save carries the latest). */
export interface RiskStateParts {
  tradingState: TradingState;
  latches: readonly RiskLatch[];
  configuredLimits: RiskLimits;
  effectiveLimits: RiskLimits;
  equityPeak: { equity: number; at: number } | null;
  dayAnchor: PeriodAnchor | null;
  weekAnchor: PeriodAnchor | null;
  lossStreakResetAt: number | null;
  dailyWarningKey: string | null;
}

/**
 * Saving the risk state through its store: saves are serialized and coalesced (at most one in
 * flight; the next one carries the latest state), a failed save is retried by the next state change
 * or flush, and a background save that fails is reported once per outage (onBackgroundFailure).
 */
export class RiskStatePersistence {
  readonly #store: RiskStateStore;
  readonly #clock: Clock;
  readonly #parts: () => RiskStateParts;
  readonly #onBackgroundFailure: (err: unknown) => void;
  readonly #limitsCopies = new WeakMap<RiskLimits, RiskLimits>();
  #saving: Promise<void> | null = null;
  #dirty = false;
  #lastError: string | null = null;
  #failureReported = false;

  constructor(options: { store: RiskStateStore; clock: Clock; parts: () => RiskStateParts; onBackgroundFailure: (err: unknown) => void }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#parts = options.parts;
    this.#onBackgroundFailure = options.onBackgroundFailure;
  }

  /** A save is in flight. */
  get pending(): boolean {
    return this.#saving !== null;
  }

  /** Message of the last failed save, null once a save succeeded. */
  get lastError(): string | null {
    return this.#lastError;
  }

  /** Resolves when every state change so far is saved (rejects if the last save failed). */
  async flush(): Promise<void> {
    if (this.#saving) await this.#saving;
  }

  /** Save the current state; resolves once it is saved. */
  persist(): Promise<void> {
    this.#dirty = true;
    if (!this.#saving) this.#saving = this.#drain();
    return this.#saving;
  }

  /** Save without waiting; a failure is reported once per outage, not once per waiting caller. */
  persistInBackground(): void {
    this.persist().catch((err) => {
      if (this.#failureReported) return; // one event per outage, not one per waiting caller
      this.#failureReported = true;
      this.#onBackgroundFailure(err);
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#dirty) {
        this.#dirty = false;
        try {
          await this.#store.save(this.#snapshot());
          this.#lastError = null;
          this.#failureReported = false;
        } catch (err) {
          this.#dirty = true; // retried by the next state change or flush caller
          this.#lastError = errorMessage(err);
          throw err;
        }
      }
    } finally {
      this.#saving = null;
    }
  }

  #snapshot(): PersistedRiskState {
    const parts = this.#parts();
    return {
      version: 1,
      savedAt: this.#clock.now(),
      tradingState: parts.tradingState,
      latches: structuredClone([...parts.latches]),
      configuredLimits: this.#limitsCopy(parts.configuredLimits),
      effectiveLimits: this.#limitsCopy(parts.effectiveLimits),
      equityPeak: parts.equityPeak,
      dayAnchor: parts.dayAnchor,
      weekAnchor: parts.weekAnchor,
      lossStreakResetAt: parts.lossStreakResetAt,
      dailyWarningKey: parts.dailyWarningKey,
    };
  }

  /**
   * A copy of a limits object for a snapshot, made once per limits object: limits are never changed
   * in place (tightening replaces them), and a new high of equity persists on every candle that
   * makes one, so cloning both sets each time showed in the backtest's profile.
   */
  #limitsCopy(limits: RiskLimits): RiskLimits {
    let copy = this.#limitsCopies.get(limits);
    if (copy === undefined) {
      copy = structuredClone(limits);
      this.#limitsCopies.set(limits, copy);
    }
    return copy;
  }
}
