import { z } from "zod";
import type { AppConfig } from "../config";
import { systemClock, type Clock } from "../core/clock";
import { AppError, isAppError } from "../core/errors";
import { newId } from "../core/ids";
import type { Logger } from "../core/logger";
import type { PrismaClient } from "../db/generated/client";
import { userText } from "../http/input";
import { hostPolicy, hostProblem, type HostPolicy } from "./host";
import type { AuthGate, Principal } from "../http/services";
import { auditAnchorFile, createAuditLog, type AuditLog } from "./audit";
import { CLIENT_ADDRESS_HEADER, CSRF_HEADER, SESSION_COOKIE, parseCookies } from "./cookies";
import {
  credentialFromEnvironment,
  createCredentialStore,
  networkSchema,
  venueSchema,
  type CredentialStatus,
  type CredentialStore,
  type CredentialValidator,
} from "./credentials";
import { checkLiveArming, type LiveArmingInput, type LiveArmingLimits } from "./live-arming";
import { prismaAuthStateStore, type AuthStateStore } from "./auth-state";
import { DEFAULT_SIGN_IN_POLICY, FailureLimiter, type Lockout, type RateLimitPolicy } from "./rate-limit";
import { checkPasswordStrength, DEFAULT_SCRYPT_PARAMS, hashPassword, MAX_PASSWORD_LENGTH, verifyPassword, type ScryptParams } from "./passwords";
import { createSecretBox, loadMasterKey, type SecretBox } from "./secret-box";
import { constantTimeEqual, newApiToken, randomToken, sha256Hex } from "./tokens";
import { generateTotpSecret, matchTotp, otpauthUri } from "./totp";
import { VerifiedCache } from "./verified-cache";

/**
 * The auth service: owner account, sessions, API tokens, CSRF, sign-in lock-out, two-factor, exchange
 * keys, live arming and the audit log. It implements the AuthGate every route and the Socket.IO
 * handshake go through.
 */

export const SESSION_TTL_MS = 7 * 24 * 60 * 60_000;
/** Sliding expiry is written at most this often per session, not on every request. */
const SESSION_SLIDE_EVERY_MS = 60 * 60_000;
const TOKEN_LAST_USED_EVERY_MS = 60_000;
export const DEFAULT_OWNER_USERNAME = "admin";

export interface PublicUser {
  username: string;
  totpEnabled: boolean;
}

export interface RequestMeta {
  /** Client address (see stampClientAddress); "unknown" when the server could not tell. */
  address: string;
  /** The request came over HTTPS: cookies get the Secure flag. */
  secure: boolean;
  userAgent?: string;
}

export interface SignedIn {
  user: PublicUser;
  /** The session cookie value: shown to the browser once, stored only as a hash. */
  sessionToken: string;
  csrfToken: string;
  expiresAt: number;
  /** Cookie lifetime: the time left until expiresAt. */
  maxAgeS: number;
}

export interface ApiTokenInfo {
  id: string;
  name: string;
  last4: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface CreatedApiToken extends ApiTokenInfo {
  /** The token itself: returned once, never again. */
  token: string;
}

export interface AuthMe {
  kind: Principal["kind"];
  user: PublicUser | null;
  csrfToken: string | null;
  expiresAt: number | null;
  /** Cookie lifetime left for a session (null for tokens). */
  maxAgeS: number | null;
}

export interface LiveArmingRequest {
  hasValidMainnetKeys: boolean;
  typedConfirmation: string;
  acknowledgedDailyLossLimit: number;
  acknowledgedMaxPosition: number;
  currentLimits: LiveArmingLimits;
  totpCode?: string | null;
  /** The go-live checklist (GET /api/go-live): arming is refused while an item fails, unless overridden. */
  goLive?: LiveArmingInput["goLive"];
  overridePhrase?: string | null;
}

export interface AuthService extends AuthGate {
  readonly audit: AuditLog;
  readonly credentials: CredentialStore;
  /** The principal authorizeRequest established for this very Request object; 401 when there is none. */
  principalOf(req: Request): Principal;
  /** Audit actor label of a principal: "user:<name>", "token:<name>", "static-token". */
  actorOf(req: Request): string;
  setupRequired(): Promise<boolean>;
  setupOwner(input: { username?: string; password: string }, meta: RequestMeta): Promise<SignedIn>;
  login(input: { username: string; password: string; totp?: string }, meta: RequestMeta): Promise<SignedIn>;
  logout(req: Request, meta: RequestMeta): Promise<void>;
  /** Needs the current password; ends every session of the user and returns a fresh one for this browser. */
  changePassword(req: Request, input: { currentPassword: string; newPassword: string }, meta: RequestMeta): Promise<SignedIn>;
  me(req: Request): Promise<AuthMe>;
  /** For server-rendered pages: the signed-in user of a session cookie value, or null. */
  sessionUser(sessionToken: string | undefined | null): Promise<PublicUser | null>;
  /** 403 CSRF when the request comes from another site (Sec-Fetch-Site / Origin). */
  assertSameOrigin(req: Request): void;
  createApiToken(req: Request, name: string): Promise<CreatedApiToken>;
  listApiTokens(): Promise<ApiTokenInfo[]>;
  revokeApiToken(req: Request, id: string): Promise<void>;
  beginTotpSetup(req: Request): Promise<{ secret: string; otpauthUri: string }>;
  enableTotp(req: Request, code: string): Promise<PublicUser>;
  disableTotp(req: Request, code: string): Promise<PublicUser>;
  putCredential(req: Request, venue: string, network: string, input: { apiKey: string; secret: string }): Promise<CredentialStatus>;
  removeCredential(req: Request, venue: string, network: string): Promise<void>;
  /** The engine's view of the keys (decrypted); never expose the result through the API. */
  getDecryptedCredential: CredentialStore["getDecryptedCredential"];
  setCredentialValidator(validate: CredentialValidator | undefined): void;
  /** Checks every condition for arming real money; audited either way; throws 403 with the failing codes. */
  armLive(req: Request, input: LiveArmingRequest): Promise<{ armedAt: string; by: string }>;
}

export interface CreateAuthServiceOptions {
  config: Pick<AppConfig, "auth" | "server" | "venue">;
  prisma: PrismaClient;
  logger: Logger;
  clock?: Clock;
  /** Balance fetch with the given keys; the lead wires it to ccxt. */
  validateCredential?: CredentialValidator;
  /** Tests use cheaper parameters; stored hashes carry their own. */
  scryptParams?: ScryptParams;
  signInPolicy?: RateLimitPolicy;
  sessionTtlMs?: number;
  /** Tests inject a box; otherwise the master key comes from config.auth.masterKey or the key file. */
  secretBox?: SecretBox;
  /** Lock-outs and TOTP replay guards (default: the settings table, auth-state.ts). */
  authStateStore?: AuthStateStore;
}

interface AuthContext {
  principal: Principal;
  actor: string;
  sessionId?: string;
  csrfToken?: string;
  expiresAt?: number;
}

interface SessionRecord {
  id: string;
  userId: string;
  csrfToken: string;
  expiresAt: Date;
}

const AUTH_SERVICE_BRAND = Symbol.for("tradekeel.auth-service");

export function isAuthService(gate: unknown): gate is AuthService {
  return typeof gate === "object" && gate !== null && (gate as Record<symbol, unknown>)[AUTH_SERVICE_BRAND] === true;
}

const usernameSchema = z
  .string({ error: "username is required" })
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9._-]{1,64}$/, "use 1 to 64 letters, digits, dots, dashes or underscores");

/** The token's label: the shared user-text contract (trimmed, 1–64 characters, no NUL or lone surrogate). */
const tokenNameSchema = userText({ max: 64 });

const unauthenticated = () => new AppError("UNAUTHENTICATED", "sign in first", 401);
const sessionRequired = () => new AppError("SESSION_REQUIRED", "this action needs a signed-in user, not an API token", 403);

type HeaderGetter = (name: string) => string | undefined;

function headerGetter(headers: Headers | Record<string, string | string[] | undefined>): HeaderGetter {
  if (typeof (headers as Headers).get === "function") return (name) => (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  return (name) => {
    const value = record[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
}

function bearerOf(get: HeaderGetter): string | null | undefined {
  const header = get("authorization");
  if (header === undefined || header === "") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  // An Authorization header that is not a bearer token is refused rather than ignored.
  return match ? match[1] : null;
}

/**
 * Rejects cross-site requests: Sec-Fetch-Site (sent by every current browser) must be same-origin (or
 * none: typed URL), and an Origin header must name this host. Reverse proxies that rewrite Host are
 * covered by X-Forwarded-Host. First the Host itself must name this server (host.ts): a DNS-rebound
 * page is same-origin with itself, so only its Host gives it away.
 */
function assertSameOriginHeaders(get: HeaderGetter, allowed: HostPolicy, url?: string): void {
  assertHost(get, allowed, url);
  const site = get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") {
    throw new AppError("CSRF", "cross-site request refused", 403);
  }
  const origin = get("origin");
  if (origin === undefined || origin === "") return;
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    throw new AppError("CSRF", "cross-site request refused (unreadable Origin)", 403);
  }
  const hosts = [get("host"), get("x-forwarded-host")].filter((h): h is string => !!h).map((h) => h.split(",")[0].trim().toLowerCase());
  if (!hosts.includes(originHost)) throw new AppError("CSRF", "cross-site request refused (Origin is another site)", 403);
}

/**
 * 403 HOST_NOT_ALLOWED unless Host (and X-Forwarded-Host) name this server. `url`: the request's URL,
 * whose host stands in for a missing Host header (a Request built in code; browsers always send Host).
 */
function assertHost(get: HeaderGetter, hosts: HostPolicy, url?: string): void {
  let fallback: string | undefined;
  if (url) {
    try {
      fallback = new URL(url).host;
    } catch {
      fallback = undefined;
    }
  }
  const problem = hostProblem({ get }, hosts, fallback);
  if (problem) throw new AppError("HOST_NOT_ALLOWED", problem, 403);
}

/** Client address and scheme of a route handler's request. */
export function requestMeta(req: Request): RequestMeta {
  const get = headerGetter(req.headers);
  const stamped = get(CLIENT_ADDRESS_HEADER);
  const forwarded = get("x-forwarded-for")?.split(",")[0]?.trim();
  const proto = get("x-forwarded-proto")?.split(",")[0]?.trim();
  let secure = proto === "https";
  if (!proto) {
    try {
      secure = new URL(req.url).protocol === "https:";
    } catch {
      secure = false;
    }
  }
  const userAgent = get("user-agent");
  return { address: stamped || forwarded || "unknown", secure, userAgent: userAgent ? userAgent.slice(0, 200) : undefined };
}

function rateLimited(lockout: Lockout): AppError {
  const retryAfterS = Math.max(1, Math.ceil(lockout.retryAfterMs / 1000));
  const minutes = Math.max(1, Math.ceil(retryAfterS / 60));
  return new AppError("RATE_LIMITED", `too many failed attempts; try again in ${minutes} minute${minutes === 1 ? "" : "s"}`, 429, { retryAfterS });
}

export async function createAuthService(opts: CreateAuthServiceOptions): Promise<AuthService> {
  const { config, prisma, logger } = opts;
  const hosts = hostPolicy(config.server);
  const clock = opts.clock ?? systemClock;
  const scryptParams = opts.scryptParams ?? DEFAULT_SCRYPT_PARAMS;
  const sessionTtlMs = opts.sessionTtlMs ?? SESSION_TTL_MS;
  const limiter = new FailureLimiter(clock, opts.signInPolicy ?? DEFAULT_SIGN_IN_POLICY);
  const audit = createAuditLog({ prisma, clock, anchorFile: auditAnchorFile(config.server.dataDir) });
  const authState = opts.authStateStore ?? prismaAuthStateStore(prisma);

  let box = opts.secretBox;
  if (!box) {
    const master = loadMasterKey({ masterKey: config.auth.masterKey, dataDir: config.server.dataDir });
    if (master.created) logger.info({ file: master.file }, "created a new master key file for secrets at rest; back it up with the data folder");
    if (master.permissionWarning) logger.warn(master.permissionWarning);
    box = createSecretBox(master);
  }
  const secretBox = box;

  const environmentCredential = credentialFromEnvironment(config.venue);
  const credentials = createCredentialStore({
    prisma,
    box: secretBox,
    clock,
    environment: environmentCredential ? [environmentCredential] : [],
    validate: opts.validateCredential,
  });

  // Unknown usernames still pay for one scrypt so response time does not reveal which names exist.
  const dummyHash = await hashPassword(randomToken(16), scryptParams);
  const contexts = new WeakMap<Request, AuthContext>();
  /** Verified sessions and tokens for a few seconds; invalidated at once on sign-out, password change, revocation. */
  const verified = new VerifiedCache<AuthContext>(() => clock.now());
  const lastTotpStep = new Map<string, number>();
  const restoredState = await authState.load().catch((err) => {
    logger.warn({ err }, "stored sign-in lock-outs could not be read; starting without them");
    return null;
  });
  if (restoredState) {
    limiter.restore(restoredState.limiter);
    for (const [userId, step] of Object.entries(restoredState.totpSteps)) lastTotpStep.set(userId, step);
  }
  let stateWrite: Promise<void> = Promise.resolve();
  /** Saves lock-outs and TOTP steps; awaited before the answer that depends on them. */
  function persistAuthState(): Promise<void> {
    const snapshot = { version: 1 as const, limiter: limiter.snapshot(), totpSteps: Object.fromEntries(lastTotpStep) };
    stateWrite = stateWrite.then(
      () => authState.save(snapshot),
      () => authState.save(snapshot),
    );
    return stateWrite.catch((err) => logger.error({ err }, "sign-in lock-out state could not be saved"));
  }
  const staticToken = config.auth.apiToken;
  let setupLock: Promise<unknown> = Promise.resolve();

  const now = () => clock.now();

  async function findSession(sessionToken: string): Promise<{ session: SessionRecord; user: { id: string; username: string; totpEnabled: boolean } } | null> {
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

  /** A copy for each request: a cached context is shared by every request of that session or token. */
  const copyContext = (c: AuthContext): AuthContext => ({ ...c, principal: { ...c.principal } });

  async function bearerContext(token: string): Promise<AuthContext> {
    if (staticToken && constantTimeEqual(token, staticToken)) {
      return { principal: { kind: "static-token" }, actor: "static-token" };
    }
    if (token.length > 200) throw unauthenticated();
    const tokenHash = sha256Hex(token);
    const key = `t:${tokenHash}`;
    const cached = verified.get(key);
    if (cached) return copyContext(cached);
    const generation = verified.generation;
    const row = await prisma.apiToken.findUnique({ where: { tokenHash } });
    if (!row || row.revokedAt) throw new AppError("UNAUTHENTICATED", "the API token is not valid (revoked or mistyped)", 401);
    if (!row.lastUsed || now() - row.lastUsed.getTime() >= TOKEN_LAST_USED_EVERY_MS) {
      await prisma.apiToken.updateMany({ where: { id: row.id }, data: { lastUsed: new Date(now()) } });
    }
    const context: AuthContext = { principal: { kind: "api-token", tokenId: row.id }, actor: `token:${row.name}` };
    verified.store(key, generation, { value: context, tokenId: row.id });
    return copyContext(context);
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

  function contextOf(req: Request): AuthContext {
    const context = contexts.get(req);
    if (!context) throw unauthenticated();
    return context;
  }

  function sessionContextOf(req: Request): AuthContext & { sessionId: string; principal: { userId: string; username: string } } {
    const context = contextOf(req);
    if (context.principal.kind !== "session" || !context.sessionId || !context.principal.userId) throw sessionRequired();
    return context as AuthContext & { sessionId: string; principal: { userId: string; username: string } };
  }

  async function startSession(user: { id: string; username: string; totpEnabled: boolean }): Promise<SignedIn> {
    const sessionToken = randomToken(32);
    const csrfToken = randomToken(32);
    const expiresAt = now() + sessionTtlMs;
    await prisma.authSession.deleteMany({ where: { expiresAt: { lte: new Date(now()) } } });
    await prisma.authSession.create({
      data: { id: newId("ses_"), tokenHash: sha256Hex(sessionToken), userId: user.id, csrfToken, expiresAt: new Date(expiresAt), createdAt: new Date(now()) },
    });
    return { user: { username: user.username, totpEnabled: user.totpEnabled }, sessionToken, csrfToken, expiresAt, maxAgeS: Math.floor(sessionTtlMs / 1000) };
  }

  /** TOTP check with replay protection: a code (step) once used cannot be used again. */
  function consumeTotp(userId: string, secretSealed: string | null, code: string): boolean {
    if (!secretSealed) return false;
    const secret = secretBox.open(secretSealed, "the two-factor secret");
    const step = matchTotp(secret, code, now());
    if (step === null) return false;
    const last = lastTotpStep.get(userId);
    if (last !== undefined && step <= last) return false;
    lastTotpStep.set(userId, step);
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
      await persistAuthState();
      await audit.appendAudit({ actor, action: `${action}_failed`, data: { reason: "wrong two-factor code" } });
      if (locks.length) throw rateLimited(locks[0]);
      throw new AppError("TOTP_INVALID", "the two-factor code is wrong or expired", 400);
    }
    limiter.recordSuccess(keys);
    await persistAuthState();
  }

  async function createOwner(username: string, password: string, via: "setup" | "environment"): Promise<{ id: string; username: string; totpEnabled: boolean }> {
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

  if (config.auth.adminPassword) {
    await exclusive(async () => {
      if ((await prisma.user.count()) === 0) {
        await createOwner(DEFAULT_OWNER_USERNAME, checkPasswordStrength(config.auth.adminPassword), "environment");
      }
    });
  }

  const service: AuthService & { [AUTH_SERVICE_BRAND]: true } = {
    [AUTH_SERVICE_BRAND]: true,
    audit,
    credentials,

    async authorizeRequest(req, { mutation }) {
      const get = headerGetter(req.headers);
      assertHost(get, hosts, req.url);
      const bearer = bearerOf(get);
      if (bearer === null) throw new AppError("UNAUTHENTICATED", "the Authorization header must be 'Bearer <token>'", 401);
      if (bearer) {
        const context = await bearerContext(bearer);
        contexts.set(req, context);
        return context.principal;
      }
      const sessionToken = parseCookies(get("cookie")).get(SESSION_COOKIE);
      if (!sessionToken) throw unauthenticated();
      const context = await sessionContext(sessionToken);
      if (mutation) {
        assertSameOriginHeaders(get, hosts, req.url);
        const presented = get(CSRF_HEADER);
        if (!presented || !context.csrfToken || !constantTimeEqual(presented, context.csrfToken)) {
          throw new AppError("CSRF", "missing or wrong X-CSRF-Token header; reload the page and try again", 403);
        }
      }
      contexts.set(req, context);
      return context.principal;
    },

    async authorizeSocket(handshake) {
      const get = headerGetter(handshake.headers);
      // Every handshake, bearer or cookie: a DNS-rebound page must not reach the live feed.
      assertHost(get, hosts);
      const bearer = handshake.token ?? bearerOf(get);
      if (bearer === null) throw new AppError("UNAUTHENTICATED", "the Authorization header must be 'Bearer <token>'", 401);
      if (bearer) return (await bearerContext(bearer)).principal;
      const sessionToken = parseCookies(get("cookie")).get(SESSION_COOKIE);
      if (!sessionToken) throw unauthenticated();
      // WebSockets are not bound by CORS: a cookie-authenticated handshake must come from this origin.
      assertSameOriginHeaders(get, hosts);
      return (await sessionContext(sessionToken)).principal;
    },

    principalOf(req) {
      return contextOf(req).principal;
    },

    actorOf(req) {
      return contextOf(req).actor;
    },

    assertSameOrigin(req) {
      assertSameOriginHeaders(headerGetter(req.headers), hosts, req.url);
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
        await persistAuthState();
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
        if (!consumeTotp(user.id, user.totpSecret, code)) return fail("wrong two-factor code", "TOTP_INVALID", "the two-factor code is wrong or expired", true);
      }

      limiter.recordSuccess(keys);
      await persistAuthState();
      const signedIn = await startSession(user);
      await audit.appendAudit({ actor: `user:${user.username}`, action: "auth.sign_in", data: { username: user.username, address: meta.address, userAgent: meta.userAgent ?? null } });
      logger.info({ username: user.username, address: meta.address }, "signed in");
      return signedIn;
    },

    async logout(req, meta) {
      const context = sessionContextOf(req);
      await prisma.authSession.deleteMany({ where: { id: context.sessionId } });
      verified.invalidate({ sessionId: context.sessionId });
      await audit.appendAudit({ actor: context.actor, action: "auth.sign_out", data: { username: context.principal.username, address: meta.address } });
      logger.info({ username: context.principal.username }, "signed out");
    },

    async changePassword(req, input, meta) {
      const context = sessionContextOf(req);
      const keys = [`user:${context.principal.username}`, `ip:${meta.address}`];
      const locked = limiter.lockedOf(keys);
      if (locked) throw rateLimited(locked);
      const user = await prisma.user.findUnique({ where: { id: context.principal.userId } });
      if (!user) throw unauthenticated();
      const current = typeof input.currentPassword === "string" ? input.currentPassword : "";
      if (!(await verifyPassword(current, user.passwordHash))) {
        const locks = limiter.recordFailure(keys);
        await persistAuthState();
        await audit.appendAudit({ actor: context.actor, action: "auth.password_change_failed", data: { address: meta.address } });
        if (locks.length) throw rateLimited(locks[0]);
        // 403, not 401: the session is fine, only the confirmation is wrong.
        throw new AppError("WRONG_PASSWORD", "the current password is wrong", 403);
      }
      const next = checkPasswordStrength(input.newPassword);
      limiter.recordSuccess(keys);
      await persistAuthState();
      await prisma.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(next, scryptParams) } });
      await prisma.authSession.deleteMany({ where: { userId: user.id } });
      verified.invalidate({ userId: user.id });
      await audit.appendAudit({ actor: context.actor, action: "auth.password_changed", data: { address: meta.address } });
      logger.info({ username: user.username }, "password changed; other sessions signed out");
      return startSession(user);
    },

    async me(req) {
      const context = contextOf(req);
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

    async createApiToken(req, nameInput) {
      const context = sessionContextOf(req);
      const name = tokenNameSchema.parse(nameInput);
      const token = newApiToken();
      const row = await prisma.apiToken.create({
        data: { id: newId("tok_"), name, tokenHash: sha256Hex(token), last4: token.slice(-4), createdAt: new Date(now()) },
      });
      await audit.appendAudit({ actor: context.actor, action: "token.create", data: { tokenId: row.id, name, last4: row.last4 } });
      logger.info({ tokenId: row.id, name }, "API token created");
      return { id: row.id, name: row.name, last4: row.last4, createdAt: row.createdAt.toISOString(), lastUsedAt: null, token };
    },

    async listApiTokens() {
      const rows = await prisma.apiToken.findMany({ where: { revokedAt: null }, orderBy: { createdAt: "desc" } });
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        last4: r.last4,
        createdAt: r.createdAt.toISOString(),
        lastUsedAt: r.lastUsed ? r.lastUsed.toISOString() : null,
      }));
    },

    async revokeApiToken(req, id) {
      const context = sessionContextOf(req);
      const { count } = await prisma.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date(now()) } });
      verified.invalidate({ tokenId: id });
      if (count === 0) throw new AppError("NOT_FOUND", "API token not found (or already revoked)", 404);
      await audit.appendAudit({ actor: context.actor, action: "token.revoke", data: { tokenId: id } });
      logger.info({ tokenId: id }, "API token revoked");
    },

    async beginTotpSetup(req) {
      const context = sessionContextOf(req);
      const user = await prisma.user.findUnique({ where: { id: context.principal.userId } });
      if (!user) throw unauthenticated();
      if (user.totpEnabled) throw new AppError("TOTP_ALREADY_ENABLED", "two-factor is already on; turn it off first to set up a new authenticator", 409);
      const secret = generateTotpSecret();
      await prisma.user.update({ where: { id: user.id }, data: { totpSecret: secretBox.seal(secret) } });
      await audit.appendAudit({ actor: context.actor, action: "auth.totp_setup_started", data: {} });
      return { secret, otpauthUri: otpauthUri(secret, user.username) };
    },

    async enableTotp(req, code) {
      const context = sessionContextOf(req);
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
      const context = sessionContextOf(req);
      const user = await prisma.user.findUnique({ where: { id: context.principal.userId } });
      if (!user) throw unauthenticated();
      if (!user.totpEnabled) throw new AppError("TOTP_NOT_ENABLED", "two-factor is not on", 409);
      await checkTotpCode(user.id, code, "auth.totp_disable", context.actor);
      await prisma.user.update({ where: { id: user.id }, data: { totpEnabled: false, totpSecret: null } });
      await audit.appendAudit({ actor: context.actor, action: "auth.totp_disabled", data: {} });
      return { username: user.username, totpEnabled: false };
    },

    async putCredential(req, venueInput, networkInput, input) {
      const context = sessionContextOf(req);
      const venue = venueSchema.parse(venueInput);
      const network = networkSchema.parse(networkInput);
      try {
        const status = await credentials.put(venue, network, input.apiKey, input.secret);
        await audit.appendAudit({ actor: context.actor, action: "credentials.set", data: { venue, network, last4: status.last4 } });
        logger.info({ venue, network }, "exchange credentials stored");
        return status;
      } catch (err) {
        if (isAppError(err) && err.code === "CREDENTIAL_INVALID") {
          await audit.appendAudit({ actor: context.actor, action: "credentials.rejected", data: { venue, network, reason: err.message } });
          logger.warn({ venue, network, reason: err.message }, "exchange credentials rejected");
        }
        throw err;
      }
    },

    async removeCredential(req, venueInput, networkInput) {
      const context = sessionContextOf(req);
      const venue = venueSchema.parse(venueInput);
      const network = networkSchema.parse(networkInput);
      if (!(await credentials.remove(venue, network))) throw new AppError("NOT_FOUND", `no stored ${venue} ${network} key`, 404);
      await audit.appendAudit({ actor: context.actor, action: "credentials.remove", data: { venue, network } });
      logger.info({ venue, network }, "exchange credentials removed");
    },

    getDecryptedCredential: (venue, network) => credentials.getDecryptedCredential(venue, network),

    setCredentialValidator(validate) {
      credentials.setValidator(validate);
    },

    async armLive(req, input) {
      const context = contextOf(req);
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
      const replayed = result.ok && userId && result.totpStep !== null && (lastTotpStep.get(userId) ?? -1) >= result.totpStep;
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
          await persistAuthState();
        }
        await audit.appendAudit({ actor: context.actor, action: "live.arm_refused", data: { ...summary, failures: failures.map((f) => f.code) } });
        logger.warn({ failures: failures.map((f) => f.code) }, "live arming refused");
        throw new AppError(failures[0].code, failures.map((f) => f.message).join("; "), 403, { failures });
      }
      if (userId && result.totpStep !== null) lastTotpStep.set(userId, result.totpStep);
      if (userId) limiter.recordSuccess(totpKeys);
      await persistAuthState();
      const armedAt = new Date(now()).toISOString();
      await audit.appendAudit({ actor: context.actor, action: "live.armed", data: { ...summary, ...(result.overridden ? { checklistOverridden: result.overridden } : {}) } });
      logger.warn({ by: context.actor }, "live trading armed on a real-money venue");
      return { armedAt, by: context.actor };
    },
  };
  return service;
}
