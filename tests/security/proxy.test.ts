import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { config, proxy } from "@/proxy";

function visit(path: string, cookie?: string, proto = "http"): Response {
  const headers = new Headers();
  if (cookie) headers.set("cookie", cookie);
  return proxy(new NextRequest(`${proto}://127.0.0.1:3000${path}`, { headers }));
}

describe("proxy", () => {
  it("sends a browser without a session cookie from a dashboard page to /login, remembering the page", () => {
    const response = visit("/trades?symbol=BTC%2FUSDT");
    expect(response.status).toBe(307);
    const location = new URL(response.headers.get("location")!);
    expect(location.pathname).toBe("/login");
    expect(location.searchParams.get("next")).toBe("/trades?symbol=BTC%2FUSDT");
    expect(new URL(visit("/").headers.get("location")!).search).toBe("");
  });

  it("lets the login page, its icon, API routes and signed-in browsers through", () => {
    for (const path of ["/login", "/login?next=%2Ftrades", "/icon.svg", "/api/status", "/api/health"]) {
      expect(visit(path).headers.get("location"), path).toBeNull();
    }
    const response = visit("/settings", "tk_session=abc");
    expect(response.headers.get("location")).toBeNull();
    expect(response.headers.get("x-middleware-next")).toBe("1");
  });

  it("puts the security headers on every response, redirects included", () => {
    for (const response of [visit("/trades"), visit("/api/status"), visit("/login")]) {
      expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("referrer-policy")).toBe("same-origin");
      expect(response.headers.get("permissions-policy")).toContain("camera=()");
    }
    expect(visit("/login").headers.get("strict-transport-security")).toBeNull();
    expect(visit("/login", undefined, "https").headers.get("strict-transport-security")).toMatch(/max-age/);
  });

  it("skips Next's static assets", () => {
    const matcher = new RegExp(`^${config.matcher[0]}$`);
    expect(matcher.test("/_next/static/chunks/app.js")).toBe(false);
    expect(matcher.test("/_next/image")).toBe(false);
    expect(matcher.test("/trades")).toBe(true);
  });
});
