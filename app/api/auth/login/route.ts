import { z } from "zod";
import { authErrorResponse, authService, requestMeta, signedInResponse } from "@/server/auth";
import { parseBody, route } from "@/server/http/route";

export const dynamic = "force-dynamic";

const loginSchema = z.object({
  username: z.string().max(200),
  password: z.string().max(4096),
  totp: z.string().max(20).optional(),
});

/**
 * POST /api/auth/login (no auth): `{ username, password, totp? }` → `{ user, csrfToken }` and the
 * tk_session / tk_csrf cookies. 401 INVALID_CREDENTIALS, 401 TOTP_REQUIRED (ask for the code),
 * 401 TOTP_INVALID, 429 RATE_LIMITED with Retry-After after repeated failures.
 */
export const POST = route(
  async (req) => {
    try {
      const auth = authService();
      auth.assertSameOrigin(req);
      const body = await parseBody(req, loginSchema);
      const meta = requestMeta(req);
      return signedInResponse(await auth.login(body, meta), meta.secure);
    } catch (err) {
      return authErrorResponse(err);
    }
  },
  { public: true },
);
