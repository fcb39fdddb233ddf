import type { AppConfig } from "../config";

/** Loopback addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || h === "::ffff:127.0.0.1";
}

/**
 * The start-up check: a dashboard that can place orders must not be served in clear text to the network.
 * Returns the warning to print loudly (log and console), or null when the bind is loopback or TLS is on.
 */
export function exposureWarning(config: Pick<AppConfig, "server" | "auth">, opts: { tls?: boolean; ownerExists?: boolean } = {}): string | null {
  const host = config.server.host;
  if (isLoopbackHost(host) || opts.tls) return null;
  const lines = [
    `WARNING: Tradekeel is listening on ${host}:${config.server.port} over plain HTTP.`,
    "  Anyone who can reach this port can see your password, session cookie and API tokens on the wire.",
    "  Fix: set HOST=127.0.0.1 and reach the dashboard through an SSH tunnel, or put an HTTPS reverse proxy",
    "  (Caddy, nginx) in front of it and keep Tradekeel itself bound to loopback.",
  ];
  if (opts.ownerExists === false && !config.auth.adminPassword) {
    lines.push("  No owner account exists yet: the first person to open the dashboard chooses the password.");
    lines.push("  Set ADMIN_PASSWORD, or create the owner now from this machine.");
  }
  return lines.join("\n");
}
