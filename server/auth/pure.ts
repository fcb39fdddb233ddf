/**
 * Auth's second entry point, pure (no Node, no Next, no service): cookie and header names, the
 * login redirect's path rules and the security headers. The Next proxy (proxy.ts, edge runtime), the
 * login page in the browser and the custom server's fast-read path load this file; auth's index.ts
 * also loads node:crypto, the database-backed service and the route helpers. Everything here is on
 * the index too; nothing may be added here that imports Node, Next or another module.
 */
export {
  SESSION_COOKIE,
  CSRF_COOKIE,
  CSRF_HEADER,
  CLIENT_ADDRESS_HEADER,
  REQUESTED_PATH_HEADER,
  parseCookies,
  serializeCookie,
  safeNextPath,
  loginPath,
  type CookieOptions,
} from "./cookies";
export { securityHeaders, contentSecurityPolicy, type SecurityHeaderOptions } from "./headers";
