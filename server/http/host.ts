import { isIP } from "node:net";
import { AppError } from "../core/errors";

/**
 * DNS rebinding guard: the Host a request names must be this server's. A page on evil.example whose
 * name an attacker re-points at 127.0.0.1 is, to the browser, same-origin with itself: its requests
 * carry `Host: evil.example` and a matching Origin, so the Origin/Sec-Fetch-Site check passes. The
 * name in Host is the one thing such a page cannot choose, so it is checked on every request (the
 * public first-run setup and sign-in included), beside the Origin check.
 *
 * Allowed: the loopback names (localhost, 127.0.0.1, [::1]), the configured HOST when it is a
 * specific address or name, every name in ALLOWED_HOSTS (server.allowedHosts), and, when HOST is a
 * wildcard (0.0.0.0 or ::, the process answers on every address the machine has, including forwarded
 * ones it cannot list), any IP address literal: an IP literal cannot be the product of a DNS rebind.
 * Ports are not compared: rebinding is about the name, and port forwarding, PORT=0 and reverse
 * proxies legitimately change the port. Behind a reverse proxy that forwards the public name (Host or
 * X-Forwarded-Host), list that name in ALLOWED_HOSTS; X-Forwarded-Host, when present, must be allowed
 * too, since the Origin check trusts it.
 */

export interface HostPolicy {
  /** Lower-case host names and IP literals (IPv6 without brackets). */
  readonly names: ReadonlySet<string>;
  /** Accept any IP address literal (HOST is a wildcard). */
  readonly anyAddress: boolean;
}

const LOOPBACK = ["localhost", "127.0.0.1", "::1"];
const WILDCARD = new Set(["0.0.0.0", "::", "[::]", ""]);

/** A configured name or address, normalised: lower case, IPv6 without brackets. */
export function normaliseHostName(name: string): string {
  const n = name.trim().toLowerCase().replace(/\.$/, "");
  return n.startsWith("[") && n.endsWith("]") ? n.slice(1, -1) : n;
}

export function hostPolicy(server: { host?: string; allowedHosts?: readonly string[] } = {}): HostPolicy {
  const names = new Set(LOOPBACK);
  const bound = normaliseHostName(server.host ?? "127.0.0.1");
  const anyAddress = WILDCARD.has(bound);
  if (!anyAddress) names.add(bound);
  for (const name of server.allowedHosts ?? []) names.add(normaliseHostName(name));
  return { names, anyAddress };
}

/** The host name of a Host / X-Forwarded-Host value (port dropped), or null when it is not one. */
export function hostNameOf(value: string): string | null {
  const v = value.trim().toLowerCase();
  if (v === "") return null;
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(v);
  if (bracketed) return isIP(bracketed[1]!) === 6 ? bracketed[1]! : null;
  const plain = /^([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)\.?(?::(\d{1,5}))?$/.exec(v);
  return plain ? plain[1]! : null;
}

export function isAllowedHostName(name: string, policy: HostPolicy): boolean {
  if (policy.names.has(name)) return true;
  return policy.anyAddress && isIP(name) !== 0;
}

/** Why the request's Host (or X-Forwarded-Host) is refused, or null when it names this server. */
export function hostProblem(headers: { get(name: string): string | null | undefined }, policy: HostPolicy, fallbackHost?: string): string | null {
  const host = headers.get("host") || fallbackHost || "";
  const forwarded = headers.get("x-forwarded-host")?.split(",")[0];
  for (const [header, value] of [["Host", host], ["X-Forwarded-Host", forwarded]] as const) {
    if (value === undefined || value === null) continue;
    const name = hostNameOf(value);
    if (name === null) return `the ${header} header is missing or not a host name`;
    if (!isAllowedHostName(name, policy)) {
      return `${header} "${name}" is not an address of this server (DNS rebinding guard); if this is how you reach Tradekeel, add it to ALLOWED_HOSTS`;
    }
  }
  return null;
}

/** Throws 403 HOST_NOT_ALLOWED unless the request names this server. */
export function assertAllowedHost(req: Request, policy: HostPolicy): void {
  let fallback: string | undefined;
  try {
    fallback = new URL(req.url).host;
  } catch {
    fallback = undefined;
  }
  const problem = hostProblem(req.headers, policy, fallback);
  if (problem) throw new AppError("HOST_NOT_ALLOWED", problem, 403);
}
