/**
 * Process-wide registry. The custom server (server/index.ts) builds the application once and
 * registers it here; Next bundles route handlers separately and may load a source file twice, so
 * handlers must never construct singletons themselves: they look the application up here.
 */
const KEY = Symbol.for("tradekeel.services");

type Registry = typeof globalThis & { [KEY]?: unknown };

export function registerServices<T>(services: T): void {
  (globalThis as Registry)[KEY] = services;
}

export function lookupServices<T>(): T | undefined {
  return (globalThis as Registry)[KEY] as T | undefined;
}

export function clearServices(): void {
  delete (globalThis as Registry)[KEY];
}
