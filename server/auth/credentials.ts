import { z } from "zod";
import type { Clock } from "../core/clock";
import { AppError, errorMessage } from "../core/errors";
import { newId } from "../core/ids";
import type { PrismaClient } from "../db";
import type { SecretBox } from "./secret-box";

/**
 * Exchange API keys: entered in settings or given in the environment, sealed at rest, validated on entry
 * by a balance fetch (the injected validator), never returned by the API. Testnet and mainnet keys are
 * separate entries, so a testnet key can never be used against real money by mistake.
 */
export const NETWORKS = ["testnet", "mainnet"] as const;
export type Network = (typeof NETWORKS)[number];

export const venueSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "expected an exchange id such as binance");
export const networkSchema = z.enum(NETWORKS);

/** Throws an Error with a clear message when the exchange refuses the key (wrong key, no permission, IP not allowed). */
export type CredentialValidator = (venue: string, network: Network, apiKey: string, secret: string) => Promise<void>;

export interface CredentialStatus {
  venue: string;
  network: Network;
  set: true;
  last4: string;
  /** ISO time of the last successful validation; null for keys from the environment (validated when used). */
  validatedAt: string | null;
  source: "settings" | "environment";
}

export interface DecryptedCredential {
  venue: string;
  network: Network;
  apiKey: string;
  secret: string;
  source: "settings" | "environment";
}

export interface EnvironmentCredential {
  venue: string;
  network: Network;
  apiKey: string;
  secret: string;
}

export interface CredentialStore {
  list(): Promise<CredentialStatus[]>;
  status(venue: string, network: Network): Promise<CredentialStatus | null>;
  /** Validates with the exchange, then stores (replacing an earlier entry of the same venue and network). */
  put(venue: string, network: Network, apiKey: string, secret: string): Promise<CredentialStatus>;
  /** Removes the settings entry; true when there was one. Environment keys stay until the environment changes. */
  remove(venue: string, network: Network): Promise<boolean>;
  /** For the engine: the usable key, settings entry first, else the environment; null when none. */
  getDecryptedCredential(venue: string, network: Network): Promise<DecryptedCredential | null>;
  /** Wire (or replace) the exchange validator once the exchange layer exists. */
  setValidator(validate: CredentialValidator | undefined): void;
}

const keyField = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .trim()
    .min(8, `${name} looks too short`)
    .max(512, `${name} is too long`)
    .regex(/^[\x21-\x7e]+$/, `${name} must be printable ASCII without spaces`);

export const credentialInputSchema = z.object({ apiKey: keyField("apiKey"), secret: keyField("secret") });

/** The last four characters: enough to recognise a key, too few to use it. */
export function last4(value: string): string {
  return value.slice(-4);
}

/** Exchange error texts sometimes echo what they were sent; never let a key or secret through. */
export function scrubSecrets(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}

/**
 * Environment keys (VENUE, VENUE_API_KEY, VENUE_API_SECRET): VENUE=binance-testnet means the binance
 * testnet, any other exchange id means its mainnet; the simulator needs no keys.
 */
export function credentialFromEnvironment(venue: { id: string; apiKey?: string; secret?: string }): EnvironmentCredential | null {
  if (!venue.apiKey || !venue.secret || venue.id === "simulator") return null;
  if (venue.id.endsWith("-testnet")) return { venue: venue.id.slice(0, -"-testnet".length), network: "testnet", apiKey: venue.apiKey, secret: venue.secret };
  return { venue: venue.id, network: "mainnet", apiKey: venue.apiKey, secret: venue.secret };
}

const VALIDATION_TIMEOUT_MS = 20_000;

export function createCredentialStore(opts: {
  prisma: PrismaClient;
  box: SecretBox;
  clock: Clock;
  validate?: CredentialValidator;
  environment?: EnvironmentCredential[];
  validationTimeoutMs?: number;
}): CredentialStore {
  const { prisma, box, clock } = opts;
  const environment = opts.environment ?? [];
  const timeoutMs = opts.validationTimeoutMs ?? VALIDATION_TIMEOUT_MS;
  let validate = opts.validate;

  const fromEnvironment = (venue: string, network: Network) => environment.find((c) => c.venue === venue && c.network === network);
  const envStatus = (c: EnvironmentCredential): CredentialStatus => ({
    venue: c.venue,
    network: c.network,
    set: true,
    last4: last4(c.apiKey),
    validatedAt: null,
    source: "environment",
  });
  const rowStatus = (row: { venue: string; network: string; last4: string; validatedAt: Date | null }): CredentialStatus => ({
    venue: row.venue,
    network: row.network as Network,
    set: true,
    last4: row.last4,
    validatedAt: row.validatedAt ? row.validatedAt.toISOString() : null,
    source: "settings",
  });
  const checkTarget = (venue: string, network: string): { venue: string; network: Network } => ({
    venue: venueSchema.parse(venue),
    network: networkSchema.parse(network),
  });

  async function runValidator(venue: string, network: Network, apiKey: string, secret: string): Promise<void> {
    if (!validate) {
      throw new AppError("VALIDATOR_UNAVAILABLE", "exchange keys cannot be validated right now (no exchange connection is configured); try again once the server has started", 503);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from ${venue} within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    });
    try {
      await Promise.race([validate(venue, network, apiKey, secret), timeout]);
    } catch (err) {
      const reason = scrubSecrets(errorMessage(err), [apiKey, secret]);
      throw new AppError("CREDENTIAL_INVALID", `${venue} ${network} did not accept the key: ${reason}`, 400);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async list() {
      const rows = await prisma.exchangeCredential.findMany({ orderBy: [{ venue: "asc" }, { network: "asc" }] });
      const statuses = rows.map(rowStatus);
      for (const c of environment) {
        if (!statuses.some((s) => s.venue === c.venue && s.network === c.network)) statuses.push(envStatus(c));
      }
      return statuses;
    },

    async status(venue, network) {
      const target = checkTarget(venue, network);
      const row = await prisma.exchangeCredential.findUnique({ where: { venue_network: target } });
      if (row) return rowStatus(row);
      const env = fromEnvironment(target.venue, target.network);
      return env ? envStatus(env) : null;
    },

    async put(venue, network, apiKeyInput, secretInput) {
      const target = checkTarget(venue, network);
      const { apiKey, secret } = credentialInputSchema.parse({ apiKey: apiKeyInput, secret: secretInput });
      await runValidator(target.venue, target.network, apiKey, secret);
      const sealed = {
        apiKeyEnc: box.seal(apiKey),
        secretEnc: box.seal(secret),
        last4: last4(apiKey),
        validatedAt: new Date(clock.now()),
      };
      const row = await prisma.exchangeCredential.upsert({
        where: { venue_network: target },
        create: { id: newId("cred_"), ...target, ...sealed },
        update: sealed,
      });
      return rowStatus(row);
    },

    async remove(venue, network) {
      const target = checkTarget(venue, network);
      const { count } = await prisma.exchangeCredential.deleteMany({ where: target });
      return count > 0;
    },

    async getDecryptedCredential(venue, network) {
      const target = checkTarget(venue, network);
      const row = await prisma.exchangeCredential.findUnique({ where: { venue_network: target } });
      if (row) {
        const what = `the stored ${target.venue} ${target.network} API key`;
        return {
          ...target,
          apiKey: box.open(row.apiKeyEnc, what),
          secret: box.open(row.secretEnc, `the stored ${target.venue} ${target.network} API secret`),
          source: "settings",
        };
      }
      const env = fromEnvironment(target.venue, target.network);
      return env ? { ...env, source: "environment" } : null;
    },

    setValidator(next) {
      validate = next;
    },
  };
}
