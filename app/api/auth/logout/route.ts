import { authService, clearedSessionCookies, jsonWithCookies, requestMeta } from "@/server/auth";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** POST /api/auth/logout: ends the session and clears the cookies. */
export const POST = route(async (req) => {
  const meta = requestMeta(req);
  await authService().logout(req, meta);
  return jsonWithCookies({ ok: true }, clearedSessionCookies(meta.secure));
});
