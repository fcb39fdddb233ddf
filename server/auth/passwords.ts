import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { AppError } from "../core/errors";

/**
 * Password hashing with scrypt. The hash string carries its own parameters and salt
 * (`scrypt$N$r$p$salt$hash`, base64url) so parameters can be raised later without breaking old hashes.
 */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** ~32 MiB and a few tens of milliseconds per attempt on a small server: slow for guessing, fine for signing in. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
export const MIN_PASSWORD_LENGTH = 8;
/** Bounds the work an attacker can force per attempt. */
export const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export function checkPasswordStrength(password: unknown): string {
  if (typeof password !== "string") throw new AppError("WEAK_PASSWORD", "the password must be text", 400);
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError("WEAK_PASSWORD", `the password must be at least ${MIN_PASSWORD_LENGTH} characters long`, 400);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new AppError("WEAK_PASSWORD", `the password must be at most ${MAX_PASSWORD_LENGTH} characters long`, 400);
  }
  return password;
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, params);
  return ["scrypt", params.N, params.r, params.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

function parseHash(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [N, r, p] = parts.slice(1, 4).map((v) => Number.parseInt(v, 10));
  if (![N, r, p].every((v) => Number.isInteger(v) && v > 0)) return null;
  // Refuse absurd parameters from a tampered row instead of exhausting memory.
  if (N > 2 ** 20 || r > 32 || p > 16) return null;
  const salt = Buffer.from(parts[4], "base64url");
  const key = Buffer.from(parts[5], "base64url");
  if (salt.length === 0 || key.length !== KEY_LENGTH) return null;
  return { params: { N, r, p }, salt, key };
}

/** False for a wrong password and for a malformed stored hash (which is never a reason to let someone in). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params);
  return timingSafeEqual(key, parsed.key);
}

/** Parameters of a stored hash, to decide whether to re-hash after a successful sign-in. */
export function hashParams(stored: string): ScryptParams | null {
  return parseHash(stored)?.params ?? null;
}
