import { z } from "zod";
import { authService } from "@/server/auth";
import { userText } from "@/server/http/input";
import { parseBody, route } from "@/server/http/route";
import type { ApiTokenDto, CreatedApiTokenDto } from "@/server/contract";

export const dynamic = "force-dynamic";

/** GET /api/tokens → `[{ id, name, last4, createdAt, lastUsedAt }]` (never the tokens themselves). */
export const GET = route(async () => (await authService().listApiTokens()) satisfies ApiTokenDto[]);

const createSchema = z.object({ name: userText({ max: 64 }) });

/** POST /api/tokens `{ name }` → `201 { id, name, token, last4, createdAt, lastUsedAt }`: the token is shown this once. */
export const POST = route(async (req) => {
  const { name } = await parseBody(req, createSchema);
  const created = (await authService().createApiToken(req, name)) satisfies CreatedApiTokenDto;
  return Response.json(created, { status: 201, headers: { "Cache-Control": "no-store" } });
});
