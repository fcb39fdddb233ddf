/** Application errors with a stable code; route handlers map them to HTTP responses. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "AppError";
  }
}

/**
 * Structural check: route handlers are bundled by Next while the engine is loaded by the custom
 * server, so the same class can exist twice and `instanceof` would miss half of the errors.
 */
export function isAppError(err: unknown): err is AppError {
  if (!(err instanceof Error)) return false;
  const e = err as Partial<AppError>;
  return typeof e.code === "string" && typeof e.status === "number" && e.status >= 400 && e.status < 600;
}

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`, 404);
export const badRequest = (message: string, details?: unknown) => new AppError("BAD_REQUEST", message, 400, details);
export const conflict = (message: string) => new AppError("CONFLICT", message, 409);
export const unavailable = (message: string) => new AppError("UNAVAILABLE", message, 503);

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
