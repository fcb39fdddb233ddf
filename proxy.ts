import { NextResponse, type NextRequest } from "next/server";
import { REQUESTED_PATH_HEADER, SESSION_COOKIE, loginPath, securityHeaders } from "@/server/auth/pure";

/**
 * Next 16 proxy (formerly middleware): security headers on every response, and pages without a session
 * cookie go to /login. It only checks that the cookie is present (cheap, no database): route handlers
 * verify every API call (401 without a valid session or token) and the dashboard layout verifies the
 * session server-side (requirePageSession in server/auth/page-session.ts).
 */
const PUBLIC_PAGES = ["/login", "/setup"];
/** The login page's own icon and the like: root-level metadata files, no data in them. */
const PUBLIC_FILE = /^\/(?:icon|favicon|apple-icon)[\w.-]*\.(?:svg|ico|png)$|^\/robots\.txt$/;

function needsSessionCookie(pathname: string): boolean {
  if (pathname === "/api" || pathname.startsWith("/api/")) return false; // route handlers answer 401 themselves
  if (pathname === "/metrics") return false; // Prometheus: the route handler answers 401 without a bearer token
  if (pathname.startsWith("/_next/")) return false; // framework internals (dev HMR, chunks)
  if (PUBLIC_FILE.test(pathname)) return false;
  return !PUBLIC_PAGES.some((page) => pathname === page || pathname.startsWith(`${page}/`));
}

export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  const https = request.nextUrl.protocol === "https:" || request.headers.get("x-forwarded-proto") === "https";
  const dev = process.env.NODE_ENV !== "production";

  let response: NextResponse;
  if (needsSessionCookie(pathname) && !request.cookies.get(SESSION_COOKIE)?.value) {
    response = NextResponse.redirect(new URL(loginPath(`${pathname}${search}`), request.url));
  } else {
    const requestHeaders = new Headers(request.headers);
    requestHeaders.set(REQUESTED_PATH_HEADER, `${pathname}${search}`);
    response = NextResponse.next({ request: { headers: requestHeaders } });
  }
  for (const [name, value] of Object.entries(securityHeaders({ dev, https }))) response.headers.set(name, value);
  return response;
}

export const config = {
  // Everything but Next's static build output and image optimizer (public, content-hashed assets).
  matcher: ["/((?!_next/static|_next/image).*)"],
};
