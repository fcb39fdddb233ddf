import { randomBytes } from "node:crypto";

/** Short, sortable-enough unique ids: time prefix + randomness. */
export function newId(prefix = ""): string {
  const time = Date.now().toString(36);
  const rand = randomBytes(6).toString("hex");
  return `${prefix}${time}${rand}`;
}

/**
 * Client order ids are generated before an order is persisted and sent; a retry reuses the id so the
 * venue can reject the duplicate. Binance accepts up to 36 chars of [.A-Z:/a-z0-9_-].
 */
export function newClientOrderId(): string {
  return `tk-${Date.now().toString(36)}-${randomBytes(8).toString("hex")}`;
}

/** Deterministic id source for backtests: same inputs, same ids, byte for byte. */
export class SequentialIds {
  private n = 0;
  constructor(private readonly prefix: string) {}
  next(): string {
    this.n += 1;
    return `${this.prefix}${this.n.toString().padStart(8, "0")}`;
  }
}
