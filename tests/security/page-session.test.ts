import { afterEach, describe, expect, it, vi } from "vitest";
import { clearServices, registerServices } from "@/server/http/registry";

/**
 * requirePageSession, the server-side check of dashboard layouts, with Next's request context mocked:
 * a live session renders, anything else redirects to /login with the page to come back to.
 */
const request = vi.hoisted(() => ({ cookie: undefined as string | undefined, path: null as string | null }));

vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (name === "tk_session" && request.cookie ? { name, value: request.cookie } : undefined) }),
  headers: async () => new Headers(request.path ? { "x-tradekeel-path": request.path } : {}),
}));
vi.mock("next/navigation", () => ({
  redirect: (url: string) => {
    throw Object.assign(new Error("NEXT_REDIRECT"), { url });
  },
}));

const { requirePageSession } = await import("@/server/auth/page-session");

/** The one method the guard uses, on an object branded like the real auth service. */
function registerGate(liveToken: string): void {
  const gate = {
    [Symbol.for("tradekeel.auth-service")]: true,
    sessionUser: async (token: string) => (token === liveToken ? { username: "admin", totpEnabled: false } : null),
  };
  registerServices({ auth: gate });
}

async function redirectOf(): Promise<string> {
  try {
    await requirePageSession();
  } catch (err) {
    return (err as { url: string }).url;
  }
  throw new Error("expected a redirect");
}

afterEach(() => {
  clearServices();
  request.cookie = undefined;
  request.path = null;
});

describe("requirePageSession", () => {
  it("returns the user of a live session", async () => {
    registerGate("live-session");
    request.cookie = "live-session";
    await expect(requirePageSession()).resolves.toEqual({ username: "admin", totpEnabled: false });
  });

  it("redirects an expired or forged session to /login, back to the page afterwards", async () => {
    registerGate("live-session");
    request.cookie = "expired-session";
    request.path = "/trades?symbol=ETH%2FUSDT";
    expect(await redirectOf()).toBe("/login?next=%2Ftrades%3Fsymbol%3DETH%252FUSDT");
  });

  it("redirects when there is no cookie or the server is still starting", async () => {
    registerGate("live-session");
    expect(await redirectOf()).toBe("/login");
    clearServices();
    request.cookie = "live-session";
    expect(await redirectOf()).toBe("/login");
  });

  it("never redirects to another site", async () => {
    registerGate("live-session");
    request.path = "//evil.example/x";
    expect(await redirectOf()).toBe("/login");
  });
});
