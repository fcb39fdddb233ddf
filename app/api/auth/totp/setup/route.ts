import { authService } from "@/server/auth";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** POST /api/auth/totp/setup → `{ secret, otpauthUri }`: a new secret to add to an authenticator app; not active until enabled. */
export const POST = route(async (req) => {
  const setup = await authService().beginTotpSetup(req);
  return Response.json(setup, { headers: { "Cache-Control": "no-store" } });
});
