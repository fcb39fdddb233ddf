import { AppError } from "../core/errors";
import { checkLiveArming, type LiveArmingInput } from "./live-arming";
import { rateLimited, unauthenticated, type AuthDeps } from "./service-common";
import type { AuthService } from "./service";
import type { TotpPart } from "./service-totp";

/**
 * The live-arming part of the auth service: every condition for arming real money (live-arming.ts),
 * the owner's two-factor code (a code that already armed or signed in cannot arm again, and wrong
 * codes count towards the TOTP lock-out), audited either way.
 */

export type ArmingPart = Pick<AuthService, "armLive">;

export function createArmingPart(deps: AuthDeps, totp: Pick<TotpPart, "stepUsed" | "recordStep">): ArmingPart {
  const { prisma, logger, audit, now, secretBox, requests, state } = deps;
  const { limiter } = state;
  return {
    async armLive(req, input) {
      const context = requests.contextOf(req);
      let user: LiveArmingInput["user"] = null;
      let userId: string | null = null;
      if (context.principal.kind === "session" && context.principal.userId) {
        const row = await prisma.user.findUnique({ where: { id: context.principal.userId } });
        if (!row) throw unauthenticated();
        userId = row.id;
        user = {
          username: row.username,
          totpEnabled: row.totpEnabled,
          totpSecret: row.totpEnabled && row.totpSecret ? secretBox.open(row.totpSecret, "the two-factor secret") : null,
        };
      }
      const totpKeys = userId ? [`totp:${userId}`] : [];
      const locked = limiter.lockedOf(totpKeys);
      if (locked) throw rateLimited(locked);
      const result = checkLiveArming({ ...input, user, now: now() });
      // A code that already armed (or signed in) once cannot arm again.
      const replayed = result.ok && userId && result.totpStep !== null && totp.stepUsed(userId, result.totpStep);
      const summary = {
        hasValidMainnetKeys: input.hasValidMainnetKeys,
        acknowledgedDailyLossLimit: input.acknowledgedDailyLossLimit,
        acknowledgedMaxPosition: input.acknowledgedMaxPosition,
        currentLimits: input.currentLimits,
      };
      if (!result.ok || replayed) {
        const failures = result.ok ? [{ code: "LIVE_TOTP_INVALID" as const, message: "that two-factor code was already used; wait for the next one" }] : result.failures;
        if (userId && failures.some((f) => f.code === "LIVE_TOTP_INVALID")) {
          limiter.recordFailure(totpKeys);
          await state.persist();
        }
        await audit.appendAudit({ actor: context.actor, action: "live.arm_refused", data: { ...summary, failures: failures.map((f) => f.code) } });
        logger.warn({ failures: failures.map((f) => f.code) }, "live arming refused");
        throw new AppError(failures[0].code, failures.map((f) => f.message).join("; "), 403, { failures });
      }
      if (userId && result.totpStep !== null) totp.recordStep(userId, result.totpStep);
      if (userId) limiter.recordSuccess(totpKeys);
      await state.persist();
      const armedAt = new Date(now()).toISOString();
      await audit.appendAudit({ actor: context.actor, action: "live.armed", data: { ...summary, ...(result.overridden ? { checklistOverridden: result.overridden } : {}) } });
      logger.warn({ by: context.actor }, "live trading armed on a real-money venue");
      return { armedAt, by: context.actor };
    },
  };
}
