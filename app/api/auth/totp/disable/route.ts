import { z } from "zod";
import { authErrorResponse, authService } from "@/server/auth";
import { parseBody, route } from "@/server/http/route";

export const dynamic = "force-dynamic";

const schema = z.object({ code: z.string().max(20) });

/** POST /api/auth/totp/disable `{ code }` → `{ user }`: turns two-factor off (needs a current code). */
export const POST = route(async (req) => {
  try {
    const { code } = await parseBody(req, schema);
    return { user: await authService().disableTotp(req, code) };
  } catch (err) {
    return authErrorResponse(err);
  }
});
