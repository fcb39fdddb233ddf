import { AppError } from "../core/errors";
import { rateLimited, unauthenticated, type AuthDeps } from "./service-common";
import type { AuthService } from "./service";
import { generateTotpSecret, matchTotp, otpauthUri } from "./totp";

/**
 * The two-factor part of the auth service: TOTP setup, enable and disable, and the code check with
 * replay protection (a code, i.e. its 30-second step, once used cannot be used again) that sign-in
 * and live arming use. The secret is sealed at rest; wrong codes count towards a lock-out.
 */

export type TotpPart = Pick<AuthService, "beginTotpSetup" | "enableTotp" | "disableTotp"> & {
  /** TOTP check with replay protection; records the step when the code is good. */
  consumeTotp(userId: string, secretSealed: string | null, code: string): boolean;
  /** True when `step` (or a later one) was already used by the user. */
  stepUsed(userId: string, step: number): boolean;
  /** Remember that the user used `step`. */
  recordStep(userId: string, step: number): void;
};

export function createTotpPart(deps: AuthDeps): TotpPart {
  const { prisma, audit, now, secretBox, requests, state } = deps;
  const { limiter, totpSteps } = state;

  function consumeTotp(userId: string, secretSealed: string | null, code: string): boolean {
    if (!secretSealed) return false;
    const secret = secretBox.open(secretSealed, "the two-factor secret");
    const step = matchTotp(secret, code, now());
    if (step === null) return false;
    const last = totpSteps.get(userId);
    if (last !== undefined && step <= last) return false;
    totpSteps.set(userId, step);
    return true;
  }

  async function checkTotpCode(userId: string, code: string, action: string, actor: string): Promise<void> {
    const keys = [`totp:${userId}`];
    const locked = limiter.lockedOf(keys);
    if (locked) throw rateLimited(locked);
    const user = await prisma.user.findUnique({ where: { id: userId } });
    if (!user) throw unauthenticated();
    if (typeof code !== "string" || !consumeTotp(user.id, user.totpSecret, code)) {
      const locks = limiter.recordFailure(keys);
      await state.persist();
      await audit.appendAudit({ actor, action: `${action}_failed`, data: { reason: "wrong two-factor code" } });
      if (locks.length) throw rateLimited(locks[0]);
      throw new AppError("TOTP_INVALID", "the two-factor code is wrong or expired", 400);
    }
    limiter.recordSuccess(keys);
    await state.persist();
  }

  return {
    consumeTotp,

    stepUsed(userId, step) {
      return (totpSteps.get(userId) ?? -1) >= step;
    },

    recordStep(userId, step) {
      totpSteps.set(userId, step);
    },

    async beginTotpSetup(req) {
      const context = requests.sessionContextOf(req);
      const user = await prisma.user.findUnique({ where: { id: context.principal.userId } });
      if (!user) throw unauthenticated();
      if (user.totpEnabled) throw new AppError("TOTP_ALREADY_ENABLED", "two-factor is already on; turn it off first to set up a new authenticator", 409);
      const secret = generateTotpSecret();
      await prisma.user.update({ where: { id: user.id }, data: { totpSecret: secretBox.seal(secret) } });
      await audit.appendAudit({ actor: context.actor, action: "auth.totp_setup_started", data: {} });
      return { secret, otpauthUri: otpauthUri(secret, user.username) };
    },

    async enableTotp(req, code) {
      const context = requests.sessionContextOf(req);
      const user = await prisma.user.findUnique({ where: { id: context.principal.userId } });
      if (!user) throw unauthenticated();
      if (user.totpEnabled) throw new AppError("TOTP_ALREADY_ENABLED", "two-factor is already on", 409);
      if (!user.totpSecret) throw new AppError("TOTP_NOT_SET_UP", "start the two-factor setup first", 409);
      await checkTotpCode(user.id, code, "auth.totp_enable", context.actor);
      await prisma.user.update({ where: { id: user.id }, data: { totpEnabled: true } });
      await audit.appendAudit({ actor: context.actor, action: "auth.totp_enabled", data: {} });
      return { username: user.username, totpEnabled: true };
    },

    async disableTotp(req, code) {
      const context = requests.sessionContextOf(req);
      const user = await prisma.user.findUnique({ where: { id: context.principal.userId } });
      if (!user) throw unauthenticated();
      if (!user.totpEnabled) throw new AppError("TOTP_NOT_ENABLED", "two-factor is not on", 409);
      await checkTotpCode(user.id, code, "auth.totp_disable", context.actor);
      await prisma.user.update({ where: { id: user.id }, data: { totpEnabled: false, totpSecret: null } });
      await audit.appendAudit({ actor: context.actor, action: "auth.totp_disabled", data: {} });
      return { username: user.username, totpEnabled: false };
    },
  };
}
