import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { AppError } from "../core/errors";

/**
 * Secrets at rest (exchange keys, TOTP secrets) are sealed with AES-256-GCM under one master key:
 * TRADEKEEL_MASTER_KEY (64 hex characters) or, when unset, `${dataDir}/master.key`, created on first
 * run with mode 0600. Sealed format: `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url), where keyId is a
 * short fingerprint of the master key so a changed key is reported as such, not as corrupt data.
 */
export const MASTER_KEY_FILE = "master.key";
const FORMAT = "v1";

export class MasterKeyError extends Error {
  constructor(message: string, readonly fix: string) {
    super(`${message}\n  fix: ${fix}`);
    this.name = "MasterKeyError";
  }
}

export interface MasterKey {
  key: Buffer;
  id: string;
  source: "environment" | "file";
  /** The key file (source "file"). */
  file?: string;
  /** Set when the key file was created by this call. */
  created?: boolean;
  /** Set when the key file can be read by other users. */
  permissionWarning?: string;
}

function keyId(key: Buffer): string {
  return createHash("sha256").update("tradekeel-master-key-id:").update(key).digest("hex").slice(0, 12);
}

function parseHexKey(text: string, where: string, fix: string): Buffer {
  const clean = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(clean)) {
    throw new MasterKeyError(`${where} is not a 256-bit key (expected 64 hex characters)`, fix);
  }
  return Buffer.from(clean, "hex");
}

/** The master key from the environment value if given, else from (or newly into) the key file. */
export function loadMasterKey(opts: { masterKey?: string; dataDir: string }): MasterKey {
  if (opts.masterKey !== undefined && opts.masterKey !== "") {
    const key = parseHexKey(opts.masterKey, "TRADEKEEL_MASTER_KEY", "set it to 64 hex characters (openssl rand -hex 32), or unset it to use a key file");
    return { key, id: keyId(key), source: "environment" };
  }
  const dir = path.resolve(opts.dataDir);
  const file = path.join(dir, MASTER_KEY_FILE);
  if (existsSync(file)) {
    const key = parseHexKey(readFileSync(file, "utf8"), `the key file ${file}`, `restore the original key file from a backup; without it stored exchange keys must be entered again`);
    const mode = statSync(file).mode & 0o777;
    const permissionWarning =
      mode & 0o077 ? `the key file ${file} is readable by other users (mode ${mode.toString(8)}); run chmod 600 ${file}` : undefined;
    return { key, id: keyId(key), source: "file", file, permissionWarning };
  }
  try {
    mkdirSync(dir, { recursive: true });
    const key = randomBytes(32);
    // "wx": never overwrite a key another process created in the meantime.
    writeFileSync(file, `${key.toString("hex")}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(file, 0o600);
    return { key, id: keyId(key), source: "file", file, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return loadMasterKey(opts);
    throw new MasterKeyError(`cannot create the key file ${file}: ${(err as Error).message}`, "make DATA_DIR writable, or set TRADEKEEL_MASTER_KEY");
  }
}

export interface SecretBox {
  readonly keyId: string;
  seal(plaintext: string): string;
  /** Throws AppError SECRET_WRONG_KEY / SECRET_CORRUPT with a message that never contains the secret. */
  open(sealed: string, what?: string): string;
}

export function createSecretBox(master: Pick<MasterKey, "key" | "id">): SecretBox {
  if (master.key.length !== 32) throw new MasterKeyError("the master key must be 32 bytes", "use 64 hex characters");
  return {
    keyId: master.id,
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", master.key, iv);
      cipher.setAAD(Buffer.from(`${FORMAT}:${master.id}`));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [FORMAT, master.id, iv.toString("base64url"), tag.toString("base64url"), ciphertext.toString("base64url")].join(":");
    },
    open(sealed, what = "a stored secret") {
      const parts = sealed.split(":");
      if (parts.length !== 5 || parts[0] !== FORMAT) {
        throw new AppError("SECRET_CORRUPT", `${what} is not in a format this version can read`, 500);
      }
      const [, id, ivText, tagText, ciphertextText] = parts;
      if (id !== master.id) {
        throw new AppError(
          "SECRET_WRONG_KEY",
          `${what} was encrypted with a different master key (key id ${id}, current ${master.id}); restore the original TRADEKEEL_MASTER_KEY or master.key, or enter the secret again`,
          500,
        );
      }
      try {
        const decipher = createDecipheriv("aes-256-gcm", master.key, Buffer.from(ivText, "base64url"));
        decipher.setAAD(Buffer.from(`${FORMAT}:${id}`));
        decipher.setAuthTag(Buffer.from(tagText, "base64url"));
        return Buffer.concat([decipher.update(Buffer.from(ciphertextText, "base64url")), decipher.final()]).toString("utf8");
      } catch {
        throw new AppError("SECRET_CORRUPT", `${what} cannot be decrypted: it was altered or the master key is wrong; enter it again`, 500);
      }
    },
  };
}
