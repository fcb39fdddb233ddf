import type { Principal } from "../http/services";
import type { LiveArmingInput } from "./live-arming";

/** Data types of the auth service's API (service.ts re-exports them with the AuthService interface). */

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

/** What the arming route hands the auth service: the arming input without who and when (the service knows). */
export type LiveArmingRequest = Omit<LiveArmingInput, "user" | "now"> & {
  /** The decrypted base32 TOTP secret when two-factor is enabled. */
  totpSecret?: string | null;
};
