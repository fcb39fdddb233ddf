import { z } from "zod";
import { AppError } from "../core/errors";
import { newId } from "../core/ids";
import { copyContext, rateLimited, unauthenticated, type AuthContext, type AuthDeps } from "./service-common";
import type { AuthService } from "./service";
import type { SignedIn } from "./service-types";
import type { TotpPart } from "./service-totp";
import { checkPasswordStrength, hashPassword, MAX_PASSWORD_LENGTH, verifyPassword, type ScryptParams } from "./passwords";
import { randomToken, sha256Hex } from "./tokens";

/**
 * The session part of the auth service: the owner account (first-visit setup or ADMIN_PASSWORD),
 * sign-in with lock-out and two-factor, sign-out, password change, and the session cookie check
 * authorizeRequest uses (sliding expiry, verified sessions cached a few seconds).
 */

export const SESSION_TTL_MS = 7 * 24 * 60 * 60_000;
/** Sliding expiry is written at most this often per session, not on every request. */
const SESSION_SLIDE_EVERY_MS = 60 * 60_000;
export const DEFAULT_OWNER_USERNAME = "admin";

interface SessionRecord {
  id: string;
  userId: string;
  csrfToken: string;
  expiresAt: Date;
}

type UserRow = { id: string; username: string; totpEnabled: boolean };

const usernameSchema = z
  .string({ error: "username is required" })
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9._-]{1,64}$/, "use 1 to 64 letters, digits, dots, dashes or underscores");

export type SessionPart = Pick<AuthService, "setupRequired" | "setupOwner" | "login" | "logout" | "changePassword" | "me" | "sessionUser"> & {
  /** The context of a session cookie value; 401 when the session is unknown or expired. */
  sessionContext(sessionToken: string): Promise<AuthContext>;
  /** ADMIN_PASSWORD: creates the owner account "admin" when there is no user yet. */
  ensureEnvironmentOwner(adminPassword: string): Promise<void>;
};

export function createSessionPart(
  deps: AuthDeps,
  opts: {
    sessionTtlMs: number;
    scryptParams: ScryptParams;
    /** Unknown usernames still pay for one scrypt (against this hash) so timing does not reveal which names exist. */
    dummyHash: string;
    totp: Pick<TotpPart, "consumeTotp">;
  },
): SessionPart {
  const { prisma, logger, audit, now, verified, requests, state } = deps;
  const { limiter } = state;
  const { sessionTtlMs, scryptParams, dummyHash, totp } = opts;
  let setupLock: Promise<unknown> = Promise.resolve();

  async function findSession(sessionToken: string): Promise<{ session: SessionRecord; user: UserRow } | null> {
    if (!sessionToken || sessionToken.length > 200) return null;
    const session = await prisma.authSession.findUnique({ where: { tokenHash: sha256Hex(sessionToken) } });
    if (!session) return null;
    if (session.expiresAt.getTime() <= now()) {
      await prisma.authSession.deleteMany({ where: { id: session.id } });
      return null;
    }
    const user = await prisma.user.findUnique({ where: { id: session.userId }, select: { id: true, username: true, totpEnabled: true } });
    if (!user) return null;
    if (session.expiresAt.getTime() - now() < sessionTtlMs - SESSION_SLIDE_EVERY_MS) {
      const expiresAt = new Date(now() + sessionTtlMs);
      // updateMany: a sign-out racing this request must not turn it into a 500.
      await prisma.authSession.updateMany({ where: { id: session.id }, data: { expiresAt } });
      session.expiresAt = expiresAt;
    }
    return { session, user };
  }

  async function sessionContext(sessionToken: string): Promise<AuthContext> {
    const key = sessionToken && sessionToken.length <= 200 ? `s:${sha256Hex(sessionToken)}` : "";
    const cached = key ? verified.get(key) : undefined;
    if (cached) return copyContext(cached);
    const generation = verified.generation;
    const found = await findSession(sessionToken);
    if (!found) throw new AppError("UNAUTHENTICATED", "your session has expired; sign in again", 401);
    const context: AuthContext = {
      principal: { kind: "session", userId: found.user.id, username: found.user.username },
      actor: `user:${found.user.username}`,
      sessionId: found.session.id,
      csrfToken: found.session.csrfToken,
      expiresAt: found.session.expiresAt.getTime(),
    };
    if (key) verified.store(key, generation, { value: context, expiresAt: context.expiresAt, sessionId: found.session.id, userId: found.user.id });
    return copyContext(context);
  }

  async function startSession(user: UserRow): Promise<SignedIn> {
    const sessionToken = randomToken(32);
    const csrfToken = randomToken(32);
    const expiresAt = now() + sessionTtlMs;
    await prisma.authSession.deleteMany({ where: { expiresAt: { lte: new Date(now()) } } });
    await prisma.authSession.create({
      data: { id: newId("ses_"), tokenHash: sha256Hex(sessionToken), userId: user.id, csrfToken, expiresAt: new Date(expiresAt), createdAt: new Date(now()) },
    });
    return { user: { username: user.username, totpEnabled: user.totpEnabled }, sessionToken, csrfToken, expiresAt, maxAgeS: Math.floor(sessionTtlMs / 1000) };
  }

  async function createOwner(username: string, password: string, via: "setup" | "environment"): Promise<UserRow> {
    const passwordHash = await hashPassword(password, scryptParams);
    const user = await prisma.user.create({
      data: { id: newId("usr_"), username, passwordHash, createdAt: new Date(now()) },
      select: { id: true, username: true, totpEnabled: true },
    });
    await audit.appendAudit({ actor: via === "setup" ? `user:${username}` : "system", action: "auth.owner_created", data: { username, via } });
    logger.info({ username, via }, "owner account created");
    return user;
  }

  /** Setup runs one at a time so two first visitors cannot both create an owner. */
  function exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = setupLock.then(task, task);
    setupLock = run.catch(() => undefined);
    return run;
  }

  return {
    sessionContext,

    async ensureEnvironmentOwner(adminPassword) {
      await exclusive(async () => {
        if ((await prisma.user.count()) === 0) {
          await createOwner(DEFAULT_OWNER_USERNAME, checkPasswordStrength(adminPassword), "environment");
        }
      });
    },

    async setupRequired() {
      return (await prisma.user.count()) === 0;
    },

    async setupOwner(input, meta) {
      const username = usernameSchema.parse(input.username ?? DEFAULT_OWNER_USERNAME);
      const password = checkPasswordStrength(input.password);
      const user = await exclusive(async () => {
        if ((await prisma.user.count()) > 0) {
          throw new AppError("SETUP_DONE", "an owner account already exists; sign in instead", 409);
        }
        return createOwner(username, password, "setup");
      });
      const signedIn = await startSession(user);
      await audit.appendAudit({ actor: `user:${username}`, action: "auth.sign_in", data: { username, address: meta.address, via: "setup" } });
      return signedIn;
    },

    async login(input, meta) {
      const rawName = typeof input.username === "string" ? input.username.trim().toLowerCase().slice(0, 64) : "";
      const keys = [`user:${rawName}`, `ip:${meta.address}`];
      const locked = limiter.lockedOf(keys);
      if (locked) throw rateLimited(locked);

      const fail = async (reason: string, code: string, message: string, knownUser: boolean): Promise<never> => {
        const locks = limiter.recordFailure(keys);
        await state.persist();
        // What was typed as an unknown username is not recorded: it is often a password in the wrong field.
        const username = knownUser ? rawName : "(unknown)";
        await audit.appendAudit({ actor: "anonymous", action: "auth.sign_in_failed", data: { username, address: meta.address, reason } });
        logger.warn({ username, address: meta.address, reason }, "sign-in failed");
        if (locks.length) {
          const lockedKeys = locks.map((l) => (l.key.startsWith("user:") ? `user:${username}` : l.key));
          await audit.appendAudit({
            actor: "system",
            action: "auth.lockout",
            data: { keys: lockedKeys, minutes: Math.round(limiter.policy.lockMs / 60_000), address: meta.address },
          });
          logger.warn({ keys: lockedKeys }, "sign-in locked after repeated failures");
          throw rateLimited(locks[0]);
        }
        throw new AppError(code, message, 401);
      };

      const password = typeof input.password === "string" ? input.password : "";
      const user = rawName ? await prisma.user.findUnique({ where: { username: rawName } }) : null;
      const passwordOk = user && password.length <= MAX_PASSWORD_LENGTH ? await verifyPassword(password, user.passwordHash) : (await verifyPassword(password.slice(0, MAX_PASSWORD_LENGTH), dummyHash), false);
      if (!user || !passwordOk) return fail(user ? "wrong password" : "unknown user", "INVALID_CREDENTIALS", "wrong username or password", !!user);

      if (user.totpEnabled) {
        const code = typeof input.totp === "string" ? input.totp.trim() : "";
        if (!code) throw new AppError("TOTP_REQUIRED", "enter the code from your authenticator app", 401);
        if (!totp.consumeTotp(user.id, user.totpSecret, code)) return fail("wrong two-factor code", "TOTP_INVALID", "the two-factor code is wrong or expired", true);
      }

      limiter.recordSuccess(keys);
      await state.persist();
      const signedIn = await startSession(user);
      await audit.appendAudit({ actor: `user:${user.username}`, action: "auth.sign_in", data: { username: user.username, address: meta.address, userAgent: meta.userAgent ?? null } });
      logger.info({ username: user.username, address: meta.address }, "signed in");
      return signedIn;
    },

    async logout(req, meta) {
      const context = requests.sessionContextOf(req);
      await prisma.authSession.deleteMany({ where: { id: context.sessionId } });
      verified.invalidate({ sessionId: context.sessionId });
      await audit.appendAudit({ actor: context.actor, action: "auth.sign_out", data: { username: context.principal.username, address: meta.address } });
      logger.info({ username: context.principal.username }, "signed out");
    },

    async changePassword(req, input, meta) {
      const context = requests.sessionContextOf(req);
      const keys = [`user:${context.principal.username}`, `ip:${meta.address}`];
      const locked = limiter.lockedOf(keys);
      if (locked) throw rateLimited(locked);
      const user = await prisma.user.findUnique({ where: { id: context.principal.userId } });
      if (!user) throw unauthenticated();
      const current = typeof input.currentPassword === "string" ? input.currentPassword : "";
      if (!(await verifyPassword(current, user.passwordHash))) {
        const locks = limiter.recordFailure(keys);
        await state.persist();
        await audit.appendAudit({ actor: context.actor, action: "auth.password_change_failed", data: { address: meta.address } });
        if (locks.length) throw rateLimited(locks[0]);
        // 403, not 401: the session is fine, only the confirmation is wrong.
        throw new AppError("WRONG_PASSWORD", "the current password is wrong", 403);
      }
      const next = checkPasswordStrength(input.newPassword);
      limiter.recordSuccess(keys);
      await state.persist();
      await prisma.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(next, scryptParams) } });
      await prisma.authSession.deleteMany({ where: { userId: user.id } });
      verified.invalidate({ userId: user.id });
      await audit.appendAudit({ actor: context.actor, action: "auth.password_changed", data: { address: meta.address } });
      logger.info({ username: user.username }, "password changed; other sessions signed out");
      return startSession(user);
    },

    async me(req) {
      const context = requests.contextOf(req);
      if (context.principal.kind !== "session" || !context.principal.userId) {
        return { kind: context.principal.kind, user: null, csrfToken: null, expiresAt: null, maxAgeS: null };
      }
      const user = await prisma.user.findUnique({ where: { id: context.principal.userId } });
      if (!user) throw unauthenticated();
      return {
        kind: "session",
        user: { username: user.username, totpEnabled: user.totpEnabled },
        csrfToken: context.csrfToken ?? null,
        expiresAt: context.expiresAt ?? null,
        maxAgeS: context.expiresAt ? Math.max(0, Math.floor((context.expiresAt - now()) / 1000)) : null,
      };
    },

    async sessionUser(sessionToken) {
      if (!sessionToken) return null;
      const found = await findSession(sessionToken);
      return found ? { username: found.user.username, totpEnabled: found.user.totpEnabled } : null;
    },
  };
}
