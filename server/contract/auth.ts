import { z } from "zod";
import { timeLikeSchema } from "./common";

/** Auth and settings routes: `GET /api/auth/me`, `/api/tokens`, `/api/credentials`, arming in `POST /api/mode`. */

/** `GET /api/tokens` rows (never the token itself). */
export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  last4: z.string().nullable(),
  createdAt: timeLikeSchema,
  lastUsedAt: timeLikeSchema.nullable(),
  revokedAt: timeLikeSchema.nullable().optional(),
});
export type ApiTokenDto = z.infer<typeof apiTokenSchema>;

/** `POST /api/tokens` → 201: the secret itself, shown once, never again. */
export const createdApiTokenSchema = apiTokenSchema.extend({ token: z.string() });
export type CreatedApiTokenDto = z.infer<typeof createdApiTokenSchema>;

export const credentialNetworkSchema = z.enum(["testnet", "mainnet"]);
export type CredentialNetwork = z.infer<typeof credentialNetworkSchema>;

/** `GET /api/credentials` rows and `PUT /api/credentials/{venue}/{network}`: keys and secrets never leave the server. */
export const credentialSchema = z.object({
  venue: z.string(),
  network: credentialNetworkSchema,
  set: z.boolean(),
  last4: z.string().nullable(),
  /** Last successful validation; null for keys from the environment (validated when used). */
  validatedAt: timeLikeSchema.nullable(),
  source: z.enum(["settings", "environment"]).optional(),
});
export type CredentialDto = z.infer<typeof credentialSchema>;

export const meSchema = z.object({
  kind: z.string(),
  /** Null for API-token callers. */
  user: z.object({ username: z.string(), totpEnabled: z.boolean() }).nullable(),
  csrfToken: z.string().nullable(),
});
export type MeDto = z.infer<typeof meSchema>;

/** Arming live trading on a real-money venue: the acknowledged limits are the numbers the dialog showed. */
export const armingInputSchema = z.object({
  typedConfirmation: z.string(),
  acknowledgedDailyLossLimit: z.number(),
  acknowledgedMaxPosition: z.number(),
  /** Required by the server when the trader has two-factor on. */
  totpCode: z.string().optional(),
});
export type ArmingInput = z.infer<typeof armingInputSchema>;
