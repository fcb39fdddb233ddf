/**
 * Cookie and header names shared by the auth service, the route handlers, the proxy and the page guard.
 * Pure: no Node or Next imports, so proxy.ts can load it.
 */
export const SESSION_COOKIE = "tk_session";
export const CSRF_COOKIE = "tk_csrf";
export const CSRF_HEADER = "x-csrf-token";
/** Set by stampClientAddress() in the custom server from the socket's address; clients cannot forge it. */
export const CLIENT_ADDRESS_HEADER = "x-tradekeel-client-address";
/** Set by proxy.ts: the page path the browser asked for, so a server-side redirect to /login can come back. */
export const REQUESTED_PATH_HEADER = "x-tradekeel-path";

export interface CookieOptions {
  maxAgeS?: number;
  httpOnly?: boolean;
  secure?: boolean;
}

/** Cookies of a `Cookie` request header; malformed pairs are skipped, the first of duplicate names wins. */
export function parseCookies(header: string | null | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!name || cookies.has(name)) continue;
    try {
      cookies.set(name, decodeURIComponent(value));
    } catch {
      cookies.set(name, value);
    }
  }
  return cookies;
}

/** A `Set-Cookie` value. Always Path=/ and SameSite=Strict: the dashboard is one origin and never embedded. */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, "Path=/", "SameSite=Strict"];
  if (options.maxAgeS !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeS))}`);
  if (options.httpOnly) parts.push("HttpOnly");
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

/**
 * Where to go after signing in: only a path on this origin. Anything else (absolute URLs,
 * protocol-relative `//host`, backslash tricks, the login page itself) falls back to "/".
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || typeof next !== "string") return "/";
  if (!next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return "/";
  if (/[\u0000-\u001f]/.test(next)) return "/";
  if (next === "/login" || next.startsWith("/login?") || next.startsWith("/login/")) return "/";
  return next;
}

/** The /login URL (path and query) that returns to `requestedPath` after signing in. */
export function loginPath(requestedPath: string | null | undefined): string {
  const next = safeNextPath(requestedPath);
  return next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`;
}
