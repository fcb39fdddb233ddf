import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** URL-safe random secret with `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

/**
 * Constant-time string comparison. Both sides are hashed first so neither their content nor their
 * length leaks through timing.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash("sha256").update(a, "utf8").digest();
  const right = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(left, right);
}

/** Script tokens are recognisable in leaked text (secret scanners) and carry 256 bits of entropy. */
export const API_TOKEN_PREFIX = "tk_";

export function newApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomToken(32)}`;
}
