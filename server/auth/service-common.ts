import { AppError } from "../core/errors";
import type { Logger } from "../core/logger";
import type { PrismaClient } from "../db";
import type { Principal } from "../http/services";
import type { AuditLog } from "./audit";
import type { AuthStateStore } from "./auth-state";
import type { FailureLimiter, Lockout } from "./rate-limit";
import type { SecretBox } from "./secret-box";
import type { VerifiedCache } from "./verified-cache";

/**
 * What the parts of the auth service (service-*.ts, composed by service.ts) share: the per-request
 * context, the sign-in state (lock-outs and TOTP replay guards, persisted), the common errors and the
 * dependencies every part is built with.
 */

export interface AuthContext {
  principal: Principal;
  actor: string;
  sessionId?: string;
  csrfToken?: string;
  expiresAt?: number;
}

export type SessionAuthContext = AuthContext & { sessionId: string; principal: { userId: string; username: string } };

/** A copy for each request: a cached context is shared by every request of that session or token. */
export const copyContext = (c: AuthContext): AuthContext => ({ ...c, principal: { ...c.principal } });

export const unauthenticated = () => new AppError("UNAUTHENTICATED", "sign in first", 401);
export const sessionRequired = () => new AppError("SESSION_REQUIRED", "this action needs a signed-in user, not an API token", 403);

export function rateLimited(lockout: Lockout): AppError {
  const retryAfterS = Math.max(1, Math.ceil(lockout.retryAfterMs / 1000));
  const minutes = Math.max(1, Math.ceil(retryAfterS / 60));
  return new AppError("RATE_LIMITED", `too many failed attempts; try again in ${minutes} minute${minutes === 1 ? "" : "s"}`, 429, { retryAfterS });
}

/** The context authorizeRequest established for each Request object. */
export class RequestContexts {
  private readonly contexts = new WeakMap<Request, AuthContext>();

  set(req: Request, context: AuthContext): void {
    this.contexts.set(req, context);
  }

  /** 401 when authorizeRequest did not run for this request. */
  contextOf(req: Request): AuthContext {
    const context = this.contexts.get(req);
    if (!context) throw unauthenticated();
    return context;
  }

  /** 403 SESSION_REQUIRED unless a signed-in user (not a token) made the request. */
  sessionContextOf(req: Request): SessionAuthContext {
    const context = this.contextOf(req);
    if (context.principal.kind !== "session" || !context.sessionId || !context.principal.userId) throw sessionRequired();
    return context as SessionAuthContext;
  }
}

/** Sign-in lock-outs and the last TOTP step each user used, saved so a restart keeps them. */
export interface SignInState {
  readonly limiter: FailureLimiter;
  /** userId -> the last TOTP step accepted (a code once used cannot be used again). */
  readonly totpSteps: Map<string, number>;
  /** Saves lock-outs and TOTP steps; awaited before the answer that depends on them. */
  persist(): Promise<void>;
}

export async function openSignInState(opts: { limiter: FailureLimiter; store: AuthStateStore; logger: Logger }): Promise<SignInState> {
  const { limiter, store, logger } = opts;
  const totpSteps = new Map<string, number>();
  const restoredState = await store.load().catch((err) => {
    logger.warn({ err }, "stored sign-in lock-outs could not be read; starting without them");
    return null;
  });
  if (restoredState) {
    limiter.restore(restoredState.limiter);
    for (const [userId, step] of Object.entries(restoredState.totpSteps)) totpSteps.set(userId, step);
  }
  let stateWrite: Promise<void> = Promise.resolve();
  return {
    limiter,
    totpSteps,
    persist() {
      const snapshot = { version: 1 as const, limiter: limiter.snapshot(), totpSteps: Object.fromEntries(totpSteps) };
      stateWrite = stateWrite.then(
        () => store.save(snapshot),
        () => store.save(snapshot),
      );
      return stateWrite.catch((err) => logger.error({ err }, "sign-in lock-out state could not be saved"));
    },
  };
}

/** What every part of the auth service is built with. */
export interface AuthDeps {
  prisma: PrismaClient;
  logger: Logger;
  now: () => number;
  audit: AuditLog;
  state: SignInState;
  /** Verified sessions and tokens for a few seconds; invalidated at once on sign-out, password change, revocation. */
  verified: VerifiedCache<AuthContext>;
  secretBox: SecretBox;
  requests: RequestContexts;
}
