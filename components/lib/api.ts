/**
 * The one way the browser talks to the REST API: same-origin cookies, the CSRF header on mutations,
 * `{ error: { code, message } }` turned into an ApiError, and a 401 sends the trader to the sign-in page.
 */

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: unknown;

  constructor(code: string, message: string, status: number, details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export const CSRF_COOKIE = "tk_csrf";
export const CSRF_HEADER = "X-CSRF-Token";

/** Value of one cookie from a `document.cookie` string, or null. */
export function readCookie(cookieHeader: string, name: string): string | null {
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return null;
}

export type QueryValue = string | number | boolean | null | undefined;

/** `/api/x` + `?a=1&b=2`, skipping absent values and empty strings. */
export function withQuery(path: string, params?: Record<string, QueryValue>): string {
  if (!params) return path;
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    if (typeof value === "number" && !Number.isFinite(value)) continue;
    search.set(key, String(value));
  }
  const qs = search.toString();
  return qs ? `${path}${path.includes("?") ? "&" : "?"}${qs}` : path;
}

/** An ApiError from a failed response's status and (possibly absent or malformed) JSON body. */
export function errorFromResponse(status: number, statusText: string, body: unknown): ApiError {
  if (body && typeof body === "object" && "error" in body) {
    const err = (body as { error: unknown }).error;
    if (err && typeof err === "object") {
      const { code, message, details } = err as { code?: unknown; message?: unknown; details?: unknown };
      return new ApiError(
        typeof code === "string" && code ? code : `HTTP_${status}`,
        typeof message === "string" && message ? message : defaultMessage(status, statusText),
        status,
        details,
      );
    }
  }
  return new ApiError(`HTTP_${status}`, defaultMessage(status, statusText), status);
}

function defaultMessage(status: number, statusText: string): string {
  if (status === 404) return "not available on this server yet (404)";
  if (status === 401) return "signed out: sign in again";
  if (status === 503) return "the server is not ready; try again in a moment";
  return statusText ? `${statusText} (${status})` : `request failed (${status})`;
}

/** The sign-in address that brings the trader back to where they were. */
export function loginUrl(currentPath: string): string {
  return `/login?next=${encodeURIComponent(currentPath || "/")}`;
}

let redirecting = false;
function redirectToLogin(): void {
  if (typeof window === "undefined" || redirecting) return;
  const here = `${window.location.pathname}${window.location.search}`;
  if (window.location.pathname.startsWith("/login")) return;
  redirecting = true;
  window.location.assign(loginUrl(here));
}

export interface ApiRequest {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal;
}

export async function apiFetch<T>(path: string, request: ApiRequest = {}): Promise<T> {
  const method = request.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json" };
  if (request.body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && typeof document !== "undefined") {
    const csrf = readCookie(document.cookie, CSRF_COOKIE);
    if (csrf) headers[CSRF_HEADER] = csrf;
  }
  let response: Response;
  try {
    response = await fetch(withQuery(path, request.query), {
      method,
      headers,
      credentials: "same-origin",
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: request.signal,
      cache: "no-store",
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiError("NETWORK", "cannot reach the Tradekeel server", 0);
  }
  if (response.status === 401) redirectToLogin();
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      if (response.ok) throw new ApiError("BAD_RESPONSE", `the server answered ${path} with something that is not JSON`, response.status);
    }
  }
  if (!response.ok) throw errorFromResponse(response.status, response.statusText, body);
  return body as T;
}

/** True when retrying cannot help (the request itself is wrong, or the trader is signed out). */
export function isClientError(err: unknown): boolean {
  return err instanceof ApiError && err.status >= 400 && err.status < 500;
}

/** A message for the trader from anything thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return "something went wrong";
}
