import type { Clock } from "../core/clock";
import { AppError, isAppError } from "../core/errors";
import type { AuthDeps } from "./service-common";
import type { AuthService } from "./service";
import { credentialFromEnvironment, createCredentialStore, networkSchema, venueSchema, type CredentialStore, type CredentialValidator } from "./credentials";

/**
 * The exchange-key part of the auth service: the credential store (credentials.ts: sealed at rest,
 * validated on entry, the environment's key beside the stored ones) behind audited put and remove.
 */

export type CredentialPart = Pick<AuthService, "credentials" | "putCredential" | "removeCredential" | "getDecryptedCredential" | "setCredentialValidator">;

export function createCredentialPart(
  deps: Pick<AuthDeps, "prisma" | "logger" | "audit" | "requests" | "secretBox">,
  opts: { venue: { id: string; apiKey?: string; secret?: string }; clock: Clock; validate?: CredentialValidator },
): CredentialPart {
  const { prisma, logger, audit, requests, secretBox } = deps;
  const environmentCredential = credentialFromEnvironment(opts.venue);
  const credentials: CredentialStore = createCredentialStore({
    prisma,
    box: secretBox,
    clock: opts.clock,
    environment: environmentCredential ? [environmentCredential] : [],
    validate: opts.validate,
  });
  return {
    credentials,

    async putCredential(req, venueInput, networkInput, input) {
      const context = requests.sessionContextOf(req);
      const venue = venueSchema.parse(venueInput);
      const network = networkSchema.parse(networkInput);
      try {
        const status = await credentials.put(venue, network, input.apiKey, input.secret);
        await audit.appendAudit({ actor: context.actor, action: "credentials.set", data: { venue, network, last4: status.last4 } });
        logger.info({ venue, network }, "exchange credentials stored");
        return status;
      } catch (err) {
        if (isAppError(err) && err.code === "CREDENTIAL_INVALID") {
          await audit.appendAudit({ actor: context.actor, action: "credentials.rejected", data: { venue, network, reason: err.message } });
          logger.warn({ venue, network, reason: err.message }, "exchange credentials rejected");
        }
        throw err;
      }
    },

    async removeCredential(req, venueInput, networkInput) {
      const context = requests.sessionContextOf(req);
      const venue = venueSchema.parse(venueInput);
      const network = networkSchema.parse(networkInput);
      if (!(await credentials.remove(venue, network))) throw new AppError("NOT_FOUND", `no stored ${venue} ${network} key`, 404);
      await audit.appendAudit({ actor: context.actor, action: "credentials.remove", data: { venue, network } });
      logger.info({ venue, network }, "exchange credentials removed");
    },

    getDecryptedCredential: (venue, network) => credentials.getDecryptedCredential(venue, network),

    setCredentialValidator(validate) {
      credentials.setValidator(validate);
    },
  };
}
