import { authService } from "@/server/auth";
import { route } from "@/server/http/route";
import type { CredentialDto } from "@/server/contract";

export const dynamic = "force-dynamic";

/** GET /api/credentials → `[{ venue, network, set: true, last4, validatedAt, source }]`; keys and secrets never leave the server. */
export const GET = route(async () => (await authService().credentials.list()) satisfies CredentialDto[]);
