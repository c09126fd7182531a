import { createHash } from "node:crypto";
import type { Principal } from "./principal.js";

function keyOf(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

interface Entry {
  readonly principal: Principal;
  readonly expiresAtMs: number;
}

/**
 * A bounded LRU of tokens already verified, each kept until its own expiry (at most `maxAgeMs`), so a
 * client sending the same token on every call is verified once. Only successes are cached, keyed by
 * the token's SHA-256 so that no token stays in memory.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): Principal | undefined {
    const key = keyOf(token);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expiresAtMs <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.principal;
  }

  /** Remembers a verified token until `expiresAtMs` (capped by the cache's max age). */
  set(token: string, principal: Principal, expiresAtMs: number): void {
    if (this.maxEntries <= 0) return;
    const until = Math.min(expiresAtMs, this.now() + this.maxAgeMs);
    if (until <= this.now()) return;
    const key = keyOf(token);
    this.entries.delete(key);
    this.entries.set(key, { principal, expiresAtMs: until });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
