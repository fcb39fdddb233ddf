import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createSecretBox, loadMasterKey, MASTER_KEY_FILE, MasterKeyError } from "../secret-box";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "tk-key-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("secrets at rest", () => {
  it("round-trips a secret and never stores it readable", () => {
    const box = createSecretBox(loadMasterKey({ dataDir: tempDir() }));
    const secret = "binance-secret-ABCdef123456";
    const sealed = box.seal(secret);
    expect(sealed).not.toContain(secret);
    expect(sealed.startsWith(`v1:${box.keyId}:`)).toBe(true);
    expect(box.open(sealed)).toBe(secret);
    // A fresh IV every time: the same secret never seals to the same text.
    expect(box.seal(secret)).not.toBe(sealed);
  });

  it("creates the key file on first run with mode 0600 and reuses it afterwards", () => {
    const dir = path.join(tempDir(), "nested", "data");
    const first = loadMasterKey({ dataDir: dir });
    const file = path.join(dir, MASTER_KEY_FILE);
    expect(first.created).toBe(true);
    expect(first.file).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim()).toMatch(/^[0-9a-f]{64}$/);
    const second = loadMasterKey({ dataDir: dir });
    expect(second.created).toBeUndefined();
    expect(second.key.equals(first.key)).toBe(true);
    const sealed = createSecretBox(first).seal("api-secret-value");
    expect(createSecretBox(second).open(sealed)).toBe("api-secret-value");
  });

  it("warns when the key file is readable by other users", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, MASTER_KEY_FILE), "ab".repeat(32), { mode: 0o644 });
    expect(loadMasterKey({ dataDir: dir }).permissionWarning).toMatch(/chmod 600/);
  });

  it("uses TRADEKEEL_MASTER_KEY when set and writes no key file", () => {
    const dir = tempDir();
    const master = loadMasterKey({ dataDir: dir, masterKey: "0f".repeat(32) });
    expect(master.source).toBe("environment");
    expect(master.key.toString("hex")).toBe("0f".repeat(32));
    expect(() => statSync(path.join(dir, MASTER_KEY_FILE))).toThrow();
  });

  it("refuses a master key that is not 64 hex characters, naming the fix", () => {
    expect(() => loadMasterKey({ dataDir: tempDir(), masterKey: "too-short" })).toThrow(MasterKeyError);
    expect(() => loadMasterKey({ dataDir: tempDir(), masterKey: "zz".repeat(32) })).toThrow(/TRADEKEEL_MASTER_KEY is not a 256-bit key.*\n.*openssl rand -hex 32/);
  });

  it("a wrong master key fails with a clear error instead of garbage", () => {
    const sealed = createSecretBox(loadMasterKey({ dataDir: tempDir(), masterKey: "11".repeat(32) })).seal("the-secret");
    const other = createSecretBox(loadMasterKey({ dataDir: tempDir(), masterKey: "22".repeat(32) }));
    expect(() => other.open(sealed, "the stored binance mainnet API secret")).toThrow(
      /the stored binance mainnet API secret was encrypted with a different master key/,
    );
    let caught: unknown;
    try {
      other.open(sealed);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: "SECRET_WRONG_KEY" });
    expect((caught as Error).message).not.toContain("the-secret");
  });

  it("detects a tampered ciphertext", () => {
    const box = createSecretBox(loadMasterKey({ dataDir: tempDir() }));
    const parts = box.seal("a-secret-value").split(":");
    const body = Buffer.from(parts[4], "base64url");
    body[0] ^= 1;
    parts[4] = body.toString("base64url");
    expect(() => box.open(parts.join(":"))).toThrow(/altered or the master key is wrong/);
    expect(() => box.open("garbage")).toThrow(/not in a format/);
  });
});
