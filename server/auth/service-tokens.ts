import { AppError } from "../core/errors";
import { newId } from "../core/ids";
import { userText } from "../http/input";
import { copyContext, unauthenticated, type AuthContext, type AuthDeps } from "./service-common";
import type { AuthService } from "./service";
import { constantTimeEqual, newApiToken, sha256Hex } from "./tokens";

/**
 * The API-token part of the auth service: the static bearer token (TRADEKEEL_API_TOKEN), script tokens
 * stored as hashes (create, list, revoke) and the bearer check authorizeRequest uses.
 */

const TOKEN_LAST_USED_EVERY_MS = 60_000;

/** The token's label: the shared user-text contract (trimmed, 1–64 characters, no NUL or lone surrogate). */
const tokenNameSchema = userText({ max: 64 });

export type TokenPart = Pick<AuthService, "createApiToken" | "listApiTokens" | "revokeApiToken"> & {
  /** The context of a bearer token; 401 when it is not valid. */
  bearerContext(token: string): Promise<AuthContext>;
};

export function createTokenPart(deps: AuthDeps, staticToken: string | undefined): TokenPart {
  const { prisma, logger, audit, now, verified, requests } = deps;
  return {
    async bearerContext(token) {
      if (staticToken && constantTimeEqual(token, staticToken)) {
        return { principal: { kind: "static-token" }, actor: "static-token" };
      }
      if (token.length > 200) throw unauthenticated();
      const tokenHash = sha256Hex(token);
      const key = `t:${tokenHash}`;
      const cached = verified.get(key);
      if (cached) return copyContext(cached);
      const generation = verified.generation;
      const row = await prisma.apiToken.findUnique({ where: { tokenHash } });
      if (!row || row.revokedAt) throw new AppError("UNAUTHENTICATED", "the API token is not valid (revoked or mistyped)", 401);
      if (!row.lastUsed || now() - row.lastUsed.getTime() >= TOKEN_LAST_USED_EVERY_MS) {
        await prisma.apiToken.updateMany({ where: { id: row.id }, data: { lastUsed: new Date(now()) } });
      }
      const context: AuthContext = { principal: { kind: "api-token", tokenId: row.id }, actor: `token:${row.name}` };
      verified.store(key, generation, { value: context, tokenId: row.id });
      return copyContext(context);
    },

    async createApiToken(req, nameInput) {
      const context = requests.sessionContextOf(req);
      const name = tokenNameSchema.parse(nameInput);
      const token = newApiToken();
      const row = await prisma.apiToken.create({
        data: { id: newId("tok_"), name, tokenHash: sha256Hex(token), last4: token.slice(-4), createdAt: new Date(now()) },
      });
      await audit.appendAudit({ actor: context.actor, action: "token.create", data: { tokenId: row.id, name, last4: row.last4 } });
      logger.info({ tokenId: row.id, name }, "API token created");
      return { id: row.id, name: row.name, last4: row.last4, createdAt: row.createdAt.toISOString(), lastUsedAt: null, token };
    },

    async listApiTokens() {
      const rows = await prisma.apiToken.findMany({ where: { revokedAt: null }, orderBy: { createdAt: "desc" } });
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        last4: r.last4,
        createdAt: r.createdAt.toISOString(),
        lastUsedAt: r.lastUsed ? r.lastUsed.toISOString() : null,
      }));
    },

    async revokeApiToken(req, id) {
      const context = requests.sessionContextOf(req);
      const { count } = await prisma.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date(now()) } });
      verified.invalidate({ tokenId: id });
      if (count === 0) throw new AppError("NOT_FOUND", "API token not found (or already revoked)", 404);
      await audit.appendAudit({ actor: context.actor, action: "token.revoke", data: { tokenId: id } });
      logger.info({ tokenId: id }, "API token revoked");
    },
  };
}
