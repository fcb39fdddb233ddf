/**
 * Security baseline: accounts and sessions, API tokens, CSRF, sign-in lock-out, two-factor, exchange keys
 * sealed at rest, live arming, the hash-chained audit log, security headers and the exposure check.
 * The Next page guard lives in ./page-session (import it from layouts only); the pure names and headers the
 * browser and the Next proxy need are also in ./pure.
 */
export {
  createAuthService,
  isAuthService,
  requestMeta,
  SESSION_TTL_MS,
  DEFAULT_OWNER_USERNAME,
  type AuthService,
  type CreateAuthServiceOptions,
  type PublicUser,
  type RequestMeta,
  type SignedIn,
  type ApiTokenInfo,
  type CreatedApiToken,
  type AuthMe,
  type LiveArmingRequest,
} from "./service";
export { createAuditLog, auditHash, canonicalJson, GENESIS_HASH, type AuditLog, type AuditEntry, type AuditRecord, type AuditVerification } from "./audit";
export {
  createCredentialStore,
  credentialFromEnvironment,
  NETWORKS,
  type Network,
  type CredentialStore,
  type CredentialStatus,
  type CredentialValidator,
  type DecryptedCredential,
} from "./credentials";
export { checkLiveArming, LIVE_CONFIRMATION_PHRASE, type LiveArmingInput, type LiveArmingResult, type LiveArmingFailure, type LiveArmingCode, type LiveArmingLimits } from "./live-arming";
export { securityHeaders, contentSecurityPolicy, type SecurityHeaderOptions } from "./headers";
export { exposureWarning, isLoopbackHost } from "./exposure";
export { loadMasterKey, createSecretBox, MasterKeyError, MASTER_KEY_FILE, type MasterKey, type SecretBox } from "./secret-box";
export { hashPassword, verifyPassword, checkPasswordStrength, type ScryptParams } from "./passwords";
export { totpCode, verifyTotp, matchTotp, generateTotpSecret, otpauthUri } from "./totp";
export { FailureLimiter, DEFAULT_SIGN_IN_POLICY, type RateLimitPolicy } from "./rate-limit";
export { SESSION_COOKIE, CSRF_COOKIE, CSRF_HEADER, CLIENT_ADDRESS_HEADER, REQUESTED_PATH_HEADER, safeNextPath, loginPath } from "./cookies";
export { authService, stampClientAddress, authErrorResponse, signedInResponse, sessionCookies, clearedSessionCookies, refreshedSessionCookies, jsonWithCookies, sessionCookieOf } from "./http";
