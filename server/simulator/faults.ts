import { z } from "zod";
import { BinanceError, binanceErrors } from "./binance-errors";
import type { EngineFaults } from "./matching-engine";

/**
 * Fault injection, switchable at run time (admin HTTP endpoint or programmatically): the failures a
 * live bot must survive, on demand.
 */

export interface FaultState {
  /** Extra latency before every REST response and every websocket message, ms. */
  latencyMs: number;
  /** Added to the server clock that checks request timestamps (and to /api/v3/time), ms. */
  clockSkewMs: number;
  /** The next `remaining` REST requests fail with HTTP `status` (5xx). */
  serverErrors: { remaining: number; status: number; executeOrders: boolean };
  /** The next `remaining` REST requests get HTTP 429 with Retry-After. */
  rateLimit: { remaining: number; retryAfterSec: number };
  /** The next `remaining` new orders are rejected with this Binance error. */
  rejectOrders: { remaining: number; code: number; msg: string };
  /** Cap on the filled share of every order (0 < ratio <= 1), or null for no cap. */
  fillRatio: number | null;
  /** Drop every websocket connection every N seconds (real time), or null. */
  dropConnectionsEverySec: number | null;
}

const count = z.number().int().min(0).max(1_000_000);

/** What POST /admin/faults accepts; a number is shorthand for `{ count }`. */
export const faultPatchSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(60_000).optional(),
    clockSkewMs: z.number().int().min(-86_400_000).max(86_400_000).optional(),
    serverErrors: z
      .union([count, z.object({ count, status: z.number().int().min(500).max(599).optional(), executeOrders: z.boolean().optional() })])
      .optional(),
    rateLimit: z.union([count, z.object({ count, retryAfterSec: z.number().int().min(0).max(3600).optional() })]).optional(),
    rejectOrders: z
      .union([count, z.object({ count, code: z.number().int().max(-1).optional(), msg: z.string().min(1).max(300).optional() })])
      .optional(),
    fillRatio: z.number().gt(0).max(1).nullable().optional(),
    dropConnections: z.literal(true).optional(),
    dropConnectionsEverySec: z.number().min(0.1).max(86_400).nullable().optional(),
    resetFaults: z.literal(true).optional(),
  })
  .strict();

export type FaultPatch = z.input<typeof faultPatchSchema>;

export const INJECTED_REJECTION_MSG = "Order rejected by the simulator (injected fault).";

function initialState(): FaultState {
  return {
    latencyMs: 0,
    clockSkewMs: 0,
    serverErrors: { remaining: 0, status: 503, executeOrders: false },
    rateLimit: { remaining: 0, retryAfterSec: 1 },
    rejectOrders: { remaining: 0, code: -2010, msg: INJECTED_REJECTION_MSG },
    fillRatio: null,
    dropConnectionsEverySec: null,
  };
}

export class FaultController implements EngineFaults {
  private state: FaultState = initialState();
  private dropTimer: NodeJS.Timeout | null = null;
  private dropHandler: (() => number) | null = null;

  /** Wired by the server: closes every websocket connection, returns how many. */
  setDropHandler(handler: (() => number) | null): void {
    this.dropHandler = handler;
    this.restartDropTimer();
  }

  get(): FaultState {
    return structuredClone(this.state);
  }

  /** Apply a patch (validated); unknown keys or bad values throw a ZodError naming them. */
  set(patch: FaultPatch): FaultState {
    const p = faultPatchSchema.parse(patch);
    if (p.resetFaults) this.reset();
    if (p.latencyMs !== undefined) this.state.latencyMs = p.latencyMs;
    if (p.clockSkewMs !== undefined) this.state.clockSkewMs = p.clockSkewMs;
    if (p.serverErrors !== undefined) {
      const v = typeof p.serverErrors === "number" ? { count: p.serverErrors } : p.serverErrors;
      this.state.serverErrors = { remaining: v.count, status: v.status ?? 503, executeOrders: v.executeOrders ?? false };
    }
    if (p.rateLimit !== undefined) {
      const v = typeof p.rateLimit === "number" ? { count: p.rateLimit } : p.rateLimit;
      this.state.rateLimit = { remaining: v.count, retryAfterSec: v.retryAfterSec ?? 1 };
    }
    if (p.rejectOrders !== undefined) {
      const v = typeof p.rejectOrders === "number" ? { count: p.rejectOrders } : p.rejectOrders;
      this.state.rejectOrders = { remaining: v.count, code: v.code ?? -2010, msg: v.msg ?? INJECTED_REJECTION_MSG };
    }
    if (p.fillRatio !== undefined) this.state.fillRatio = p.fillRatio;
    if (p.dropConnectionsEverySec !== undefined) {
      this.state.dropConnectionsEverySec = p.dropConnectionsEverySec;
      this.restartDropTimer();
    }
    if (p.dropConnections) this.dropConnections();
    return this.get();
  }

  reset(): FaultState {
    this.state = initialState();
    this.restartDropTimer();
    return this.get();
  }

  /** Close every websocket connection now; returns how many were dropped. */
  dropConnections(): number {
    return this.dropHandler ? this.dropHandler() : 0;
  }

  private restartDropTimer(): void {
    if (this.dropTimer) clearInterval(this.dropTimer);
    this.dropTimer = null;
    const every = this.state.dropConnectionsEverySec;
    if (every !== null && this.dropHandler) {
      this.dropTimer = setInterval(() => this.dropConnections(), every * 1000);
      this.dropTimer.unref();
    }
  }

  stop(): void {
    if (this.dropTimer) clearInterval(this.dropTimer);
    this.dropTimer = null;
  }

  get latencyMs(): number {
    return this.state.latencyMs;
  }

  get clockSkewMs(): number {
    return this.state.clockSkewMs;
  }

  /** Consume one injected 5xx, if any is pending. */
  takeServerError(): { status: number; executeOrders: boolean } | null {
    const s = this.state.serverErrors;
    if (s.remaining <= 0) return null;
    s.remaining -= 1;
    return { status: s.status, executeOrders: s.executeOrders };
  }

  /** Consume one injected 429, if any is pending. */
  takeRateLimit(): BinanceError | null {
    const r = this.state.rateLimit;
    if (r.remaining <= 0) return null;
    r.remaining -= 1;
    return binanceErrors.tooManyRequests(r.retryAfterSec);
  }

  takeOrderRejection(): BinanceError | null {
    const r = this.state.rejectOrders;
    if (r.remaining <= 0) return null;
    r.remaining -= 1;
    return new BinanceError(r.code, r.msg);
  }

  fillRatio(): number | null {
    return this.state.fillRatio;
  }
}
