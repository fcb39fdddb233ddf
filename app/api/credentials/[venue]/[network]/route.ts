import { z } from "zod";
import { authService } from "@/server/auth";
import { parseBody, route } from "@/server/http/route";
import type { CredentialDto } from "@/server/contract";

export const dynamic = "force-dynamic";

const putSchema = z.object({ apiKey: z.string().max(512), secret: z.string().max(512) });

/**
 * PUT /api/credentials/{venue}/{network} `{ apiKey, secret }` (network: testnet | mainnet): validated
 * with a balance fetch, then stored encrypted → `{ venue, network, set: true, last4, validatedAt, source }`.
 * 400 CREDENTIAL_INVALID when the exchange refuses the key.
 */
export const PUT = route(async (req, ctx) => {
  const { venue, network } = await ctx.params;
  const body = await parseBody(req, putSchema);
  return (await authService().putCredential(req, venue, network, body)) satisfies CredentialDto;
});

/** DELETE /api/credentials/{venue}/{network}: forgets the stored key. */
export const DELETE = route(async (req, ctx) => {
  const { venue, network } = await ctx.params;
  await authService().removeCredential(req, venue, network);
  return { ok: true };
});
