import { z } from "zod";
import { authErrorResponse, authService, requestMeta, signedInResponse } from "@/server/auth";
import { parseBody, route } from "@/server/http/route";

export const dynamic = "force-dynamic";

const schema = z.object({ currentPassword: z.string().max(4096), newPassword: z.string().max(4096) });

/**
 * POST /api/auth/password `{ currentPassword, newPassword }` → `{ user, csrfToken }` with fresh cookies.
 * Every other session of the user ends. 403 WRONG_PASSWORD, 400 WEAK_PASSWORD, 429 after repeated failures.
 */
export const POST = route(async (req) => {
  try {
    const body = await parseBody(req, schema);
    const meta = requestMeta(req);
    return signedInResponse(await authService().changePassword(req, body, meta), meta.secure);
  } catch (err) {
    return authErrorResponse(err);
  }
});
