import type { IncomingMessage } from "node:http";
import { AppError, isAppError } from "../core/errors";
import { services, toErrorResponse } from "../http/route";
import { CLIENT_ADDRESS_HEADER, CSRF_COOKIE, SESSION_COOKIE, parseCookies, serializeCookie } from "./cookies";
import { isAuthService, type AuthService, type SignedIn } from "./service";

/** The auth service as route handlers see it (the registered Services' auth gate). */
export function authService(): AuthService {
  const gate = services().auth;
  if (!isAuthService(gate)) throw new AppError("NOT_READY", "sign-in is not available yet; the server is starting", 503);
  return gate;
}

/**
 * Session cookies: tk_session is HttpOnly (scripts never see it); tk_csrf is readable by the page's own
 * script so it can echo it in X-CSRF-Token. Both SameSite=Strict, Secure over HTTPS.
 */
export function sessionCookies(session: { sessionToken: string; csrfToken: string; maxAgeS: number }, secure: boolean): string[] {
  const { maxAgeS } = session;
  return [
    serializeCookie(SESSION_COOKIE, session.sessionToken, { httpOnly: true, secure, maxAgeS }),
    serializeCookie(CSRF_COOKIE, session.csrfToken, { httpOnly: false, secure, maxAgeS }),
  ];
}

export function clearedSessionCookies(secure: boolean): string[] {
  return [
    serializeCookie(SESSION_COOKIE, "", { httpOnly: true, secure, maxAgeS: 0 }),
    serializeCookie(CSRF_COOKIE, "", { httpOnly: false, secure, maxAgeS: 0 }),
  ];
}

export function jsonWithCookies(body: unknown, cookies: string[], status = 200): Response {
  const headers = new Headers({ "Cache-Control": "no-store" });
  for (const cookie of cookies) headers.append("Set-Cookie", cookie);
  return Response.json(body, { status, headers });
}

/** The response to a successful sign-in or setup: the user, the CSRF token and the two cookies. */
export function signedInResponse(signedIn: SignedIn, secure: boolean): Response {
  return jsonWithCookies({ user: signedIn.user, csrfToken: signedIn.csrfToken }, sessionCookies(signedIn, secure));
}

/** Error responses of the sign-in routes: like every route's, plus Retry-After on 429. */
export function authErrorResponse(err: unknown): Response {
  const response = toErrorResponse(err);
  if (isAppError(err) && err.status === 429) {
    const retryAfterS = (err.details as { retryAfterS?: number } | undefined)?.retryAfterS;
    if (retryAfterS) response.headers.set("Retry-After", String(retryAfterS));
  }
  return response;
}

export function sessionCookieOf(req: Request): string | undefined {
  return parseCookies(req.headers.get("cookie")).get(SESSION_COOKIE);
}

/** Re-issued on GET /api/auth/me so the cookies' lifetime follows the sliding server-side expiry. */
export function refreshedSessionCookies(req: Request, csrfToken: string, maxAgeS: number, secure: boolean): string[] {
  const sessionToken = sessionCookieOf(req);
  return sessionToken ? sessionCookies({ sessionToken, csrfToken, maxAgeS }, secure) : [];
}

/**
 * For the custom server's request handler (and upgrade handler): records the socket's peer address in a
 * header a client cannot forge, which the sign-in lock-out uses per address. Behind a reverse proxy on
 * the same machine every request comes from 127.0.0.1; set trustForwardedFor to use X-Forwarded-For
 * (only when the proxy overwrites it).
 */
export function stampClientAddress(req: IncomingMessage, opts: { trustForwardedFor?: boolean } = {}): void {
  let address = req.socket?.remoteAddress ?? "unknown";
  if (opts.trustForwardedFor) {
    const forwarded = req.headers["x-forwarded-for"];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
    if (first) address = first;
  }
  req.headers[CLIENT_ADDRESS_HEADER] = address;
}
