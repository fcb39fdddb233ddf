import { authService } from "@/server/auth";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** DELETE /api/tokens/{id}: revokes the token at once. */
export const DELETE = route(async (req, ctx) => {
  const { id } = await ctx.params;
  await authService().revokeApiToken(req, id);
  return { ok: true };
});
