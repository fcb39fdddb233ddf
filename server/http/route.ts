import { z } from "zod";
import { AppError, isAppError } from "../core/errors";
import { assertAllowedHost, hostPolicy, type HostPolicy } from "./host";
import type { AppConfig } from "../config";
import { findBadText, textProblem } from "./input";
import { lookupServices } from "./registry";
import type { Principal, Services } from "./services";
import type { EngineRuntime } from "../engine";
import { Download, createUseCases, isDownload, type UseCases } from "../application";
import { createRepositories } from "../db/repositories";
import { optimisationsOfEngine, type OptimisationService } from "../composition/optimisations";
import { goLiveOperations, type GoLiveOperations } from "../application";

/**
 * Thin Next route handlers: (auth) → zod parse → one server call → JSON.
 * Errors become `{ "error": { "code", "message", "details"? } }` with a fitting status.
 */

export type RouteContext = { params: Promise<Record<string, string>> };

export interface RouteOptions {
  /** Routes are authenticated unless they say otherwise (health, sign-in). */
  public?: boolean;
  /** The route changes state: cookie-authenticated callers must present the CSRF token. */
  mutation?: boolean;
}

export function services(): Services {
  const found = lookupServices<Services>();
  if (!found) throw new AppError("NOT_READY", "the server is starting; try again in a moment", 503);
  return found;
}

export function engine(): EngineRuntime {
  const s = services();
  const found = s.engine;
  // A web node apart from the engine (ROLE=web, issue 19) routes use cases to it; the few routes that need the engine object itself do not travel.
  if (!found) throw new AppError("NOT_READY", s.commands ? "this web node has no trading engine of its own (ROLE=web): this route is served by the engine's process only (ROLE=engine,web)" : "the trading engine is starting; try again in a moment", 503);
  return found;
}

/** The use cases (server/application): what routes call, e.g. `app().trades.list(q)`. */
export function app(): UseCases {
  const s = services();
  if (s.useCases) return s.useCases;
  // Services registered with an engine but without the root's use cases (tests of the web layer that
  // compose an engine themselves): the same use cases over that engine, built once per registration.
  if (!s.engine) throw new AppError("NOT_READY", "the trading engine is starting; try again in a moment", 503);
  let built = derived.get(s);
  if (!built) derived.set(s, (built = createUseCases({ engine: s.engine, repos: createRepositories(s.db.prisma), audit: s.audit, db: s.db })));
  return built;
}

const derived = new WeakMap<Services, UseCases>();

/** Parameter optimisations (/api/optimisations): on one process and on every web node (ROLE=web). */
export function optimisations(): OptimisationService {
  const s = services();
  if (s.optimisations) return s.optimisations;
  // Services registered with an engine but without the root's service (tests of the web layer): the process's own list.
  if (!s.engine) throw new AppError("NOT_READY", "the server is starting; try again in a moment", 503);
  return optimisationsOfEngine(s.engine.candleStore);
}

const goLiveOps = new WeakMap<Services, GoLiveOperations>();

/**
 * Reconciliation, drift and go-live (/api/reconciliation, /api/drift, /api/go-live): on this process's
 * engine, or on a web node apart from it (ROLE=web, issue 19) the engine's, through the command bus as
 * `golive.<method>` (server/application/golive.ts): the same status and body either way.
 */
export function goLive(): GoLiveOperations {
  const s = services();
  if (s.engine) {
    let ops = goLiveOps.get(s);
    if (!ops) goLiveOps.set(s, (ops = goLiveOperations(s)));
    return ops;
  }
  // A web node: its use cases are the engine's (every `group.method` is sent as a command).
  if (s.commands && s.useCases) return (s.useCases as unknown as { golive: GoLiveOperations }).golive;
  throw new AppError("NOT_READY", "the trading engine is starting; try again in a moment", 503);
}

/** An export from the application layer as a download (Content-Disposition: attachment). */
export function downloadResponse(d: Download): Response {
  return new Response(d.body, { headers: { "Content-Type": d.contentType, "Content-Disposition": `attachment; filename="${d.filename}"` } });
}

/** Who made the request, for audit records and order reasons. */
export function actorOf(principal: Principal | undefined): string {
  if (!principal) return "anonymous";
  return principal.username ?? (principal.kind === "static-token" ? "api-token:env" : `api-token:${principal.tokenId ?? "?"}`);
}

export function jsonError(code: string, message: string, status: number, details?: unknown): Response {
  return Response.json({ error: details === undefined ? { code, message } : { code, message, details } }, { status });
}

export function toErrorResponse(err: unknown): Response {
  if (isAppError(err)) return jsonError(err.code, err.message, err.status, err.details);
  if (err instanceof z.ZodError || (err instanceof Error && err.name === "ZodError" && Array.isArray((err as z.ZodError).issues))) {
    const details = (err as z.ZodError).issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    const first = details[0];
    return jsonError("VALIDATION", first ? `${first.path || "body"}: ${first.message}` : "invalid input", 400, details);
  }
  const found = lookupServices<Services>();
  found?.logger.error({ err }, "unhandled error in route");
  return jsonError("INTERNAL", "internal error; see the server log", 500);
}

const policies = new WeakMap<object, HostPolicy>();

/** The Host rule of the running configuration (loopback only until the services are registered). */
function currentHostPolicy(): HostPolicy {
  const server: AppConfig["server"] | undefined = lookupServices<Services>()?.config?.server;
  if (!server) return hostPolicy();
  let policy = policies.get(server);
  if (!policy) policies.set(server, (policy = hostPolicy(server)));
  return policy;
}

export function route(
  handler: (req: Request, ctx: RouteContext, principal: Principal | undefined) => Promise<unknown> | unknown,
  options: RouteOptions = {},
): (req: Request, ctx: RouteContext) => Promise<Response> {
  return async (req, ctx) => {
    try {
      // DNS rebinding guard, before anything else and on public routes too (first-run setup, sign-in).
      assertAllowedHost(req, currentHostPolicy());
      let principal: Principal | undefined;
      if (!options.public) {
        const auth = services().auth;
        principal = await auth.authorizeRequest(req, { mutation: options.mutation ?? req.method !== "GET" });
      }
      // Path parameters are user text too: a NUL or control character is a 400 naming the parameter.
      if (ctx?.params) {
        const params = (await ctx.params) as Record<string, unknown>;
        for (const [name, value] of Object.entries(params ?? {})) {
          if (typeof value !== "string") continue;
          const problem = /[\u0001-\u001f\u007f]/.test(value) ? "must not contain control characters" : textProblem(value);
          if (problem) throw validationError(name, problem);
        }
      }
      const result = await handler(req, ctx, principal);
      if (result instanceof Response) return result;
      if (isDownload(result)) return downloadResponse(result);
      return Response.json(result ?? { ok: true });
    } catch (err) {
      return toErrorResponse(err);
    }
  };
}

export async function parseBody<T extends z.ZodType>(req: Request, schema: T): Promise<z.infer<T>> {
  let body: unknown;
  try {
    const text = await req.text();
    body = text ? JSON.parse(text) : {};
  } catch {
    throw new AppError("BAD_JSON", "the request body is not valid JSON", 400);
  }
  // Before the schema, for every route: a string the database cannot store (NUL, lone surrogate) is a
  // 400 naming the field, never a 500 halfway through a write.
  const bad = findBadText(body);
  if (bad) throw validationError(bad.path || "body", bad.message);
  return schema.parse(body);
}

/** A 400 in the same shape as a zod failure: `{ code: "VALIDATION", message: "field: problem", details }`. */
export function validationError(path: string, message: string): AppError {
  return new AppError("VALIDATION", `${path}: ${message}`, 400, [{ path, message }]);
}

// eslint-disable-next-line no-control-regex
const QUERY_CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Query parameters through a zod schema. A NUL or other control character (`%00`, `%0A`) in a name
 * or value is refused with the parameter's name: no filter, id or enum legitimately contains one, and
 * PostgreSQL cannot store or compare NUL.
 */
export function parseQuery<T extends z.ZodType>(req: Request, schema: T): z.infer<T> {
  const params: Record<string, string> = {};
  for (const [key, value] of new URL(req.url).searchParams) {
    if (QUERY_CONTROL.test(key)) throw validationError("query", "a parameter name contains a control character such as NUL (%00)");
    if (QUERY_CONTROL.test(value)) throw validationError(key, "must not contain a control character such as NUL (%00)");
    params[key] = value;
  }
  return schema.parse(params);
}
