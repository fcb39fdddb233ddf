import type { AppConfig } from "../config";
import { systemClock, type Clock } from "../core/clock";
import type { Logger } from "../core/logger";
import type { PrismaClient } from "../db";
import type { AuthGate, Principal } from "../http/services";
import { auditAnchorFile, createAuditLog, type AuditLog } from "./audit";
import { prismaAuthStateStore, type AuthStateStore } from "./auth-state";
import type { CredentialStatus, CredentialStore, CredentialValidator } from "./credentials";
import { hostPolicy } from "../http/host";
import { DEFAULT_SCRYPT_PARAMS, hashPassword, type ScryptParams } from "./passwords";
import { DEFAULT_SIGN_IN_POLICY, FailureLimiter, type RateLimitPolicy } from "./rate-limit";
import { createSecretBox, loadMasterKey, type SecretBox } from "./secret-box";
import { createArmingPart } from "./service-arming";
import { openSignInState, RequestContexts, type AuthContext, type AuthDeps } from "./service-common";
import { createCredentialPart } from "./service-credentials";
import { createRequestGate } from "./service-requests";
import { createSessionPart, SESSION_TTL_MS } from "./service-sessions";
import { createTokenPart } from "./service-tokens";
import { createTotpPart } from "./service-totp";
import type { ApiTokenInfo, AuthMe, CreatedApiToken, LiveArmingRequest, PublicUser, RequestMeta, SignedIn } from "./service-types";
import { randomToken } from "./tokens";
import { VerifiedCache } from "./verified-cache";

/**
 * The auth service: owner account, sessions, API tokens, CSRF, sign-in lock-out, two-factor, exchange
 * keys, live arming and the audit log. It implements the AuthGate every route and the Socket.IO
 * handshake go through.
 *
 * This file is the facade: it builds the shared dependencies (service-common.ts) and composes the
 * parts: the request gate (service-requests.ts), sessions and the owner account (service-sessions.ts),
 * API tokens (service-tokens.ts), two-factor (service-totp.ts), exchange keys (service-credentials.ts)
 * and live arming (service-arming.ts).
 */

export { SESSION_TTL_MS, DEFAULT_OWNER_USERNAME } from "./service-sessions";
export { requestMeta } from "./service-requests";
export type { ApiTokenInfo, AuthMe, CreatedApiToken, LiveArmingRequest, PublicUser, RequestMeta, SignedIn } from "./service-types";

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

const AUTH_SERVICE_BRAND = Symbol.for("tradekeel.auth-service");

export function isAuthService(gate: unknown): gate is AuthService {
  return typeof gate === "object" && gate !== null && (gate as Record<symbol, unknown>)[AUTH_SERVICE_BRAND] === true;
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
  const requests = new RequestContexts();
  const credentialPart = createCredentialPart({ prisma, logger, audit, requests, secretBox }, { venue: config.venue, clock, validate: opts.validateCredential });

  // Unknown usernames still pay for one scrypt so response time does not reveal which names exist.
  const dummyHash = await hashPassword(randomToken(16), scryptParams);
  const verified = new VerifiedCache<AuthContext>(() => clock.now());
  const state = await openSignInState({ limiter, store: authState, logger });

  const deps: AuthDeps = { prisma, logger, now: () => clock.now(), audit, state, verified, secretBox, requests };
  const totp = createTotpPart(deps);
  const sessions = createSessionPart(deps, { sessionTtlMs, scryptParams, dummyHash, totp });
  const tokens = createTokenPart(deps, config.auth.apiToken);
  const arming = createArmingPart(deps, totp);
  const gate = createRequestGate({ hosts, requests, bearerContext: tokens.bearerContext, sessionContext: sessions.sessionContext });

  if (config.auth.adminPassword) await sessions.ensureEnvironmentOwner(config.auth.adminPassword);

  const service: AuthService & { [AUTH_SERVICE_BRAND]: true } = {
    [AUTH_SERVICE_BRAND]: true,
    audit,
    credentials: credentialPart.credentials,
    authorizeRequest: gate.authorizeRequest,
    authorizeSocket: gate.authorizeSocket,
    principalOf: gate.principalOf,
    actorOf: gate.actorOf,
    assertSameOrigin: gate.assertSameOrigin,
    setupRequired: sessions.setupRequired,
    setupOwner: sessions.setupOwner,
    login: sessions.login,
    logout: sessions.logout,
    changePassword: sessions.changePassword,
    me: sessions.me,
    sessionUser: sessions.sessionUser,
    createApiToken: tokens.createApiToken,
    listApiTokens: tokens.listApiTokens,
    revokeApiToken: tokens.revokeApiToken,
    beginTotpSetup: totp.beginTotpSetup,
    enableTotp: totp.enableTotp,
    disableTotp: totp.disableTotp,
    putCredential: credentialPart.putCredential,
    removeCredential: credentialPart.removeCredential,
    getDecryptedCredential: credentialPart.getDecryptedCredential,
    setCredentialValidator: credentialPart.setCredentialValidator,
    armLive: arming.armLive,
  };
  return service;
}
