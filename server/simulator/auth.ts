import { createHmac, timingSafeEqual } from "node:crypto";
import { binanceErrors } from "./binance-errors";
import type { Account, MatchingEngine } from "./matching-engine";

/** Binance's request signing rules (HMAC-SHA256, hex), shared by REST and the WebSocket API. */

export const DEFAULT_RECV_WINDOW = 5000;
const MAX_RECV_WINDOW = 60_000;

export function hmacHex(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(payload).digest("hex");
}

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a.toLowerCase(), "utf8");
  const right = Buffer.from(b.toLowerCase(), "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

export function accountForKey(engine: MatchingEngine, apiKey: string | undefined): Account {
  if (apiKey === undefined || apiKey === "") throw binanceErrors.apiKeyFormat();
  if (!/^[\x21-\x7e]{1,128}$/.test(apiKey)) throw binanceErrors.apiKeyFormat();
  const account = engine.account(apiKey);
  if (!account) throw binanceErrors.invalidApiKey();
  return account;
}

/**
 * Check `timestamp` and `recvWindow` the way Binance does: reject a request stamped more than one
 * second ahead of the server, or older than its receive window.
 */
export function checkTimestamp(timestampRaw: string | undefined, recvWindowRaw: string | undefined, serverTime: number): void {
  if (timestampRaw === undefined || timestampRaw === "") throw binanceErrors.mandatory("timestamp");
  if (!/^\d{1,16}$/.test(timestampRaw)) throw binanceErrors.illegalChars("timestamp", "^[0-9]{1,20}$");
  let recvWindow = DEFAULT_RECV_WINDOW;
  if (recvWindowRaw !== undefined) {
    if (!/^\d{1,16}(\.\d{1,3})?$/.test(recvWindowRaw)) throw binanceErrors.illegalChars("recvWindow");
    recvWindow = Number(recvWindowRaw);
    if (recvWindow > MAX_RECV_WINDOW || recvWindow <= 0) throw binanceErrors.badRecvWindow();
  }
  // Binance takes the timestamp in milliseconds or in microseconds, told apart by their size.
  const raw = Number(timestampRaw);
  const timestamp = raw >= 1e14 ? raw / 1000 : raw;
  if (timestamp >= serverTime + 1000) throw binanceErrors.timestampAhead();
  if (serverTime - timestamp > recvWindow) throw binanceErrors.timestampOutsideRecvWindow();
}

/** Remove `signature=...` from a raw urlencoded string, keeping everything else byte for byte. */
export function stripSignature(raw: string): { payload: string; signature: string | undefined } {
  if (raw === "") return { payload: "", signature: undefined };
  let signature: string | undefined;
  const kept: string[] = [];
  for (const part of raw.split("&")) {
    if (part.startsWith("signature=")) {
      try {
        signature = decodeURIComponent(part.slice("signature=".length));
      } catch {
        throw binanceErrors.badSignature();
      }
    } else kept.push(part);
  }
  return { payload: kept.join("&"), signature };
}

/**
 * A signed REST request: the signature covers the query string followed directly by the body
 * (Binance's "totalParams"), without the signature parameter itself.
 */
export function verifyRestSignature(account: Account, rawQuery: string, rawBody: string): void {
  const query = stripSignature(rawQuery);
  const body = stripSignature(rawBody);
  const signature = query.signature ?? body.signature;
  if (signature === undefined || signature === "") throw binanceErrors.mandatory("signature");
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) throw binanceErrors.badSignature();
  const expected = hmacHex(account.secret, query.payload + body.payload);
  if (!sameHex(signature, expected)) throw binanceErrors.badSignature();
}

/** A signed WebSocket API request: the signature covers the other params sorted by name, `k=v&...`. */
export function verifyWsApiSignature(account: Account, params: Record<string, unknown>): void {
  const signature = params.signature;
  if (typeof signature !== "string" || signature === "") throw binanceErrors.mandatory("signature");
  const payload = Object.keys(params)
    .filter((k) => k !== "signature")
    .sort()
    .map((k) => `${k}=${String(params[k])}`)
    .join("&");
  if (!/^[0-9a-fA-F]{64}$/.test(signature) || !sameHex(signature, hmacHex(account.secret, payload))) throw binanceErrors.badSignature();
}
