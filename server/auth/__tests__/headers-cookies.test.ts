import { describe, expect, it } from "vitest";
import { configSchema } from "../../config";
import { loginPath, parseCookies, safeNextPath, serializeCookie } from "../cookies";
import { exposureWarning, isLoopbackHost } from "../exposure";
import { contentSecurityPolicy, securityHeaders } from "../headers";

describe("security headers", () => {
  it("forbid framing, sniffing, eval in production and every foreign origin", () => {
    const headers = securityHeaders({ dev: false, https: false });
    expect(headers["X-Frame-Options"]).toBe("DENY");
    expect(headers["X-Content-Type-Options"]).toBe("nosniff");
    expect(headers["Referrer-Policy"]).toBe("same-origin");
    expect(headers["Permissions-Policy"]).toContain("camera=()");
    const csp = headers["Content-Security-Policy"];
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).not.toMatch(/https?:\/\/|\*/);
    expect(headers["Strict-Transport-Security"]).toBeUndefined();
  });

  it("allow eval only in development, and pin HTTPS when served over HTTPS", () => {
    expect(contentSecurityPolicy({ dev: true, https: false })).toContain("'unsafe-eval'");
    const https = securityHeaders({ dev: false, https: true });
    expect(https["Strict-Transport-Security"]).toMatch(/max-age=\d+/);
    expect(https["Content-Security-Policy"]).toContain("upgrade-insecure-requests");
  });
});

describe("cookies and redirects", () => {
  it("serializes strict, path-wide cookies", () => {
    expect(serializeCookie("tk_session", "a b", { httpOnly: true, secure: true, maxAgeS: 60 })).toBe(
      "tk_session=a%20b; Path=/; SameSite=Strict; Max-Age=60; HttpOnly; Secure",
    );
    expect(serializeCookie("tk_csrf", "x")).toBe("tk_csrf=x; Path=/; SameSite=Strict");
  });

  it("parses a Cookie header, ignoring junk and keeping the first duplicate", () => {
    const cookies = parseCookies("a=1; junk; b=%20two; a=3; =x; c=\"q\"");
    expect([...cookies.entries()]).toEqual([["a", "1"], ["b", " two"], ["c", "q"]]);
    expect(parseCookies(undefined).size).toBe(0);
  });

  it("returns only to paths on this site after sign-in", () => {
    expect(safeNextPath("/trades?symbol=BTC%2FUSDT")).toBe("/trades?symbol=BTC%2FUSDT");
    for (const bad of ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", "", null, "/login", "/login?next=/x"]) {
      expect(safeNextPath(bad)).toBe("/");
    }
    expect(loginPath("/settings")).toBe("/login?next=%2Fsettings");
    expect(loginPath("/")).toBe("/login");
  });
});

describe("exposure warning", () => {
  const config = (host: string, adminPassword?: string) =>
    configSchema.parse({ server: { host }, database: {}, venue: {}, simulator: {}, trading: {}, risk: {}, auth: { adminPassword } });

  it("stays quiet on loopback", () => {
    for (const host of ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.1.1"]) {
      expect(isLoopbackHost(host)).toBe(true);
      expect(exposureWarning(config(host))).toBeNull();
    }
  });

  it("warns loudly on a network interface without TLS, and about an unclaimed owner account", () => {
    const warning = exposureWarning(config("0.0.0.0"), { ownerExists: false });
    expect(warning).toMatch(/WARNING: Tradekeel is listening on 0\.0\.0\.0:3000 over plain HTTP/);
    expect(warning).toMatch(/HOST=127\.0\.0\.1/);
    expect(warning).toMatch(/first person to open the dashboard chooses the password/);
    expect(exposureWarning(config("192.168.1.10", "a-long-password"), { ownerExists: false })).not.toMatch(/first person/);
    expect(exposureWarning(config("0.0.0.0"), { tls: true })).toBeNull();
  });
});
