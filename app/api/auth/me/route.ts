import { authService, jsonWithCookies, refreshedSessionCookies, requestMeta } from "@/server/auth";
import { route } from "@/server/http/route";
import type { MeDto } from "@/server/contract";

export const dynamic = "force-dynamic";

/**
 * GET /api/auth/me → `{ kind, user: { username, totpEnabled } | null, csrfToken }` (user and csrfToken are
 * null for API tokens). Re-issues the session cookies so their lifetime follows the sliding expiry.
 */
export const GET = route(async (req) => {
  const me = await authService().me(req);
  const body = { kind: me.kind, user: me.user, csrfToken: me.csrfToken } satisfies MeDto;
  const cookies = me.csrfToken && me.maxAgeS !== null ? refreshedSessionCookies(req, me.csrfToken, me.maxAgeS, requestMeta(req).secure) : [];
  return jsonWithCookies(body, cookies);
});
