import { AppError } from "../core/errors";
import { CLIENT_ADDRESS_HEADER, CSRF_HEADER, SESSION_COOKIE, parseCookies } from "./cookies";
import { hostProblem, type HostPolicy } from "../http/host";
import { unauthenticated, type AuthContext, type RequestContexts } from "./service-common";
import type { RequestMeta } from "./service-types";
import type { AuthService } from "./service";
import { constantTimeEqual } from "./tokens";

/**
 * The gate part of the auth service: every route and the Socket.IO handshake go through
 * authorizeRequest / authorizeSocket (Host check, bearer token or session cookie, CSRF on mutations).
 */

type HeaderGetter = (name: string) => string | undefined;

function headerGetter(headers: Headers | Record<string, string | string[] | undefined>): HeaderGetter {
  if (typeof (headers as Headers).get === "function") return (name) => (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  return (name) => {
    const value = record[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
}

function bearerOf(get: HeaderGetter): string | null | undefined {
  const header = get("authorization");
  if (header === undefined || header === "") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  // An Authorization header that is not a bearer token is refused rather than ignored.
  return match ? match[1] : null;
}

/**
 * Rejects cross-site requests: Sec-Fetch-Site (sent by every current browser) must be same-origin (or
 * none: typed URL), and an Origin header must name this host. Reverse proxies that rewrite Host are
 * covered by X-Forwarded-Host. First the Host itself must name this server (host.ts): a DNS-rebound
 * page is same-origin with itself, so only its Host gives it away.
 */
function assertSameOriginHeaders(get: HeaderGetter, allowed: HostPolicy, url?: string): void {
  assertHost(get, allowed, url);
  const site = get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") {
    throw new AppError("CSRF", "cross-site request refused", 403);
  }
  const origin = get("origin");
  if (origin === undefined || origin === "") return;
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    throw new AppError("CSRF", "cross-site request refused (unreadable Origin)", 403);
  }
  const hosts = [get("host"), get("x-forwarded-host")].filter((h): h is string => !!h).map((h) => h.split(",")[0].trim().toLowerCase());
  if (!hosts.includes(originHost)) throw new AppError("CSRF", "cross-site request refused (Origin is another site)", 403);
}

/**
 * 403 HOST_NOT_ALLOWED unless Host (and X-Forwarded-Host) name this server. `url`: the request's URL,
 * whose host stands in for a missing Host header (a Request built in code; browsers always send Host).
 */
function assertHost(get: HeaderGetter, hosts: HostPolicy, url?: string): void {
  let fallback: string | undefined;
  if (url) {
    try {
      fallback = new URL(url).host;
    } catch {
      fallback = undefined;
    }
  }
  const problem = hostProblem({ get }, hosts, fallback);
  if (problem) throw new AppError("HOST_NOT_ALLOWED", problem, 403);
}

/** Client address and scheme of a route handler's request. */
export function requestMeta(req: Request): RequestMeta {
  const get = headerGetter(req.headers);
  const stamped = get(CLIENT_ADDRESS_HEADER);
  const forwarded = get("x-forwarded-for")?.split(",")[0]?.trim();
  const proto = get("x-forwarded-proto")?.split(",")[0]?.trim();
  let secure = proto === "https";
  if (!proto) {
    try {
      secure = new URL(req.url).protocol === "https:";
    } catch {
      secure = false;
    }
  }
  const userAgent = get("user-agent");
  return { address: stamped || forwarded || "unknown", secure, userAgent: userAgent ? userAgent.slice(0, 200) : undefined };
}

export type RequestGate = Pick<AuthService, "authorizeRequest" | "authorizeSocket" | "principalOf" | "actorOf" | "assertSameOrigin">;

export function createRequestGate(opts: {
  hosts: HostPolicy;
  requests: RequestContexts;
  /** A bearer token's context (tokens part). */
  bearerContext: (token: string) => Promise<AuthContext>;
  /** A session cookie's context (sessions part). */
  sessionContext: (sessionToken: string) => Promise<AuthContext>;
}): RequestGate {
  const { hosts, requests, bearerContext, sessionContext } = opts;
  return {
    async authorizeRequest(req, { mutation }) {
      const get = headerGetter(req.headers);
      assertHost(get, hosts, req.url);
      const bearer = bearerOf(get);
      if (bearer === null) throw new AppError("UNAUTHENTICATED", "the Authorization header must be 'Bearer <token>'", 401);
      if (bearer) {
        const context = await bearerContext(bearer);
        requests.set(req, context);
        return context.principal;
      }
      const sessionToken = parseCookies(get("cookie")).get(SESSION_COOKIE);
      if (!sessionToken) throw unauthenticated();
      const context = await sessionContext(sessionToken);
      if (mutation) {
        assertSameOriginHeaders(get, hosts, req.url);
        const presented = get(CSRF_HEADER);
        if (!presented || !context.csrfToken || !constantTimeEqual(presented, context.csrfToken)) {
          throw new AppError("CSRF", "missing or wrong X-CSRF-Token header; reload the page and try again", 403);
        }
      }
      requests.set(req, context);
      return context.principal;
    },

    async authorizeSocket(handshake) {
      const get = headerGetter(handshake.headers);
      // Every handshake, bearer or cookie: a DNS-rebound page must not reach the live feed.
      assertHost(get, hosts);
      const bearer = handshake.token ?? bearerOf(get);
      if (bearer === null) throw new AppError("UNAUTHENTICATED", "the Authorization header must be 'Bearer <token>'", 401);
      if (bearer) return (await bearerContext(bearer)).principal;
      const sessionToken = parseCookies(get("cookie")).get(SESSION_COOKIE);
      if (!sessionToken) throw unauthenticated();
      // WebSockets are not bound by CORS: a cookie-authenticated handshake must come from this origin.
      assertSameOriginHeaders(get, hosts);
      return (await sessionContext(sessionToken)).principal;
    },

    principalOf(req) {
      return requests.contextOf(req).principal;
    },

    actorOf(req) {
      return requests.contextOf(req).actor;
    },

    assertSameOrigin(req) {
      assertSameOriginHeaders(headerGetter(req.headers), hosts, req.url);
    },
  };
}
