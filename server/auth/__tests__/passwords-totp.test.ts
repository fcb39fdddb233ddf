import { describe, expect, it } from "vitest";
import { DEFAULT_SCRYPT_PARAMS, checkPasswordStrength, hashParams, hashPassword, verifyPassword } from "../passwords";
import { base32Decode, base32Encode, generateTotpSecret, hotp, matchTotp, otpauthUri, totpCode, verifyTotp } from "../totp";
import { constantTimeEqual, newApiToken, sha256Hex } from "../tokens";
import { TEST_SCRYPT } from "./fixtures";

describe("password hashing", () => {
  it("verifies the right password and refuses a wrong one, with production parameters", async () => {
    const hash = await hashPassword("correct horse battery staple");
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(hashParams(hash)).toEqual(DEFAULT_SCRYPT_PARAMS);
    expect(await verifyPassword("correct horse battery staple", hash)).toBe(true);
    expect(await verifyPassword("correct horse battery stapl", hash)).toBe(false);
  });

  it("salts every hash, so the same password never hashes the same twice", async () => {
    const a = await hashPassword("same password", TEST_SCRYPT);
    const b = await hashPassword("same password", TEST_SCRYPT);
    expect(a).not.toBe(b);
    expect(await verifyPassword("same password", a)).toBe(true);
    expect(await verifyPassword("same password", b)).toBe(true);
  });

  it("never lets anyone in on a malformed or tampered stored hash", async () => {
    const hash = await hashPassword("password1", TEST_SCRYPT);
    expect(await verifyPassword("password1", "")).toBe(false);
    expect(await verifyPassword("password1", "plaintext")).toBe(false);
    expect(await verifyPassword("password1", hash.replace("$1024$", "$1048576000$"))).toBe(false);
    const parts = hash.split("$");
    parts[5] = parts[5].slice(0, -2) + (parts[5].endsWith("AA") ? "BB" : "AA");
    expect(await verifyPassword("password1", parts.join("$"))).toBe(false);
  });

  it("refuses short and absurdly long passwords with a clear message", () => {
    expect(() => checkPasswordStrength("short")).toThrow(/at least 8 characters/);
    expect(() => checkPasswordStrength("x".repeat(2000))).toThrow(/at most 1024/);
    expect(checkPasswordStrength("long enough")).toBe("long enough");
  });
});

describe("TOTP (RFC 6238)", () => {
  // RFC 6238 appendix B, SHA-1 seed "12345678901234567890"; 6-digit codes are the last 6 of the 8-digit ones.
  const rfcSecret = base32Encode(Buffer.from("12345678901234567890", "ascii"));
  const vectors: Array<[number, string]> = [
    [59, "94287082"],
    [1111111109, "07081804"],
    [1111111111, "14050471"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
    [20000000000, "65353130"],
  ];

  it.each(vectors)("matches the RFC test vector at t=%i", (t, expected) => {
    expect(totpCode(rfcSecret, t * 1000, 8)).toBe(expected);
    expect(totpCode(rfcSecret, t * 1000)).toBe(expected.slice(-6));
  });

  it("matches RFC 4226 HOTP vectors", () => {
    const secret = Buffer.from("12345678901234567890", "ascii");
    expect([0, 1, 2, 9].map((c) => hotp(secret, c))).toEqual(["755224", "287082", "359152", "520489"]);
  });

  it("accepts one step of clock drift either way, not two", () => {
    const secret = generateTotpSecret();
    const now = 1_700_000_015_000;
    expect(verifyTotp(secret, totpCode(secret, now), now)).toBe(true);
    expect(verifyTotp(secret, totpCode(secret, now - 30_000), now)).toBe(true);
    expect(verifyTotp(secret, totpCode(secret, now + 30_000), now)).toBe(true);
    expect(verifyTotp(secret, totpCode(secret, now - 60_000), now)).toBe(false);
    expect(verifyTotp(secret, totpCode(secret, now + 60_000), now)).toBe(false);
    expect(matchTotp(secret, totpCode(secret, now), now)).toBe(Math.floor(now / 30_000));
  });

  it("refuses malformed codes", () => {
    const secret = generateTotpSecret();
    for (const code of ["", "12345", "1234567", "abcdef", "12 34 5"]) expect(verifyTotp(secret, code, 1_700_000_000_000)).toBe(false);
  });

  it("round-trips base32 and builds an otpauth URI authenticator apps read", () => {
    const bytes = Buffer.from("any bytes at all \u0000\u00ff");
    expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
    expect(() => base32Decode("not base32!")).toThrow(/base32/);
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauthUri(secret, "admin"));
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.searchParams.get("secret")).toBe(secret);
    expect(uri.searchParams.get("issuer")).toBe("Tradekeel");
    expect(uri.searchParams.get("digits")).toBe("6");
    expect(uri.searchParams.get("period")).toBe("30");
  });
});

describe("tokens", () => {
  it("compares in constant time and tells different strings apart, whatever their length", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
  });

  it("creates recognisable 256-bit API tokens and hashes them with SHA-256", () => {
    const token = newApiToken();
    expect(token).toMatch(/^tk_[\w-]{43}$/);
    expect(newApiToken()).not.toBe(token);
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
