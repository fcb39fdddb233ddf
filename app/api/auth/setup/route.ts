import { z } from "zod";
import { authErrorResponse, authService, requestMeta, signedInResponse } from "@/server/auth";
import { parseBody, route } from "@/server/http/route";

export const dynamic = "force-dynamic";

const setupSchema = z.object({
  username: z.string().max(64).optional(),
  password: z.string().max(4096),
});

/**
 * POST /api/auth/setup (no auth, first run only): `{ username?, password }` creates the owner account
 * and signs it in. 409 SETUP_DONE once any account exists.
 */
export const POST = route(
  async (req) => {
    try {
      const auth = authService();
      auth.assertSameOrigin(req);
      const body = await parseBody(req, setupSchema);
      const meta = requestMeta(req);
      return signedInResponse(await auth.setupOwner(body, meta), meta.secure);
    } catch (err) {
      return authErrorResponse(err);
    }
  },
  { public: true },
);
