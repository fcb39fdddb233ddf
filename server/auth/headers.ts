/**
 * Security headers for every page and API response (applied by proxy.ts). Pure: no Node or Next imports.
 *
 * CSP choice: script-src and style-src allow 'unsafe-inline'. Next's App Router inlines its bootstrap
 * and flight-data scripts, and antd's CSS-in-JS injects <style> tags at run time; the alternative
 * (per-request nonces) forces every page to render dynamically and still needs 'unsafe-inline' for antd's
 * styles. What the policy does guarantee: no script, style, font, image or connection from any other
 * origin, no eval in production, no plugins, no framing, forms and <base> pinned to this origin.
 */
export interface SecurityHeaderOptions {
  /** Development: React's dev tooling needs eval. */
  dev: boolean;
  /** The request reached us over HTTPS (directly or through a TLS-terminating proxy). */
  https: boolean;
}

export function contentSecurityPolicy({ dev, https }: SecurityHeaderOptions): string {
  const directives: Array<[string, string[]]> = [
    ["default-src", ["'self'"]],
    ["script-src", ["'self'", "'unsafe-inline'", ...(dev ? ["'unsafe-eval'"] : [])]],
    ["style-src", ["'self'", "'unsafe-inline'"]],
    ["img-src", ["'self'", "data:", "blob:"]],
    ["font-src", ["'self'", "data:"]],
    // 'self' covers the same-origin Socket.IO WebSocket (and Next's dev HMR socket).
    ["connect-src", ["'self'"]],
    ["worker-src", ["'self'", "blob:"]],
    ["manifest-src", ["'self'"]],
    ["object-src", ["'none'"]],
    ["base-uri", ["'self'"]],
    ["form-action", ["'self'"]],
    ["frame-ancestors", ["'none'"]],
  ];
  const text = directives.map(([name, values]) => `${name} ${values.join(" ")}`);
  if (https) text.push("upgrade-insecure-requests");
  return text.join("; ");
}

export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Security-Policy": contentSecurityPolicy(options),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy":
      "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), browsing-topics=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
  };
  if (options.https) headers["Strict-Transport-Security"] = "max-age=31536000";
  return headers;
}
