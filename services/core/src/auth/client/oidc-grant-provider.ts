import { readFileSync } from "node:fs";
import { UnauthenticatedError, UnavailableError } from "../../errors.js";
import { isRecord, requestJson } from "../http-json.js";
import { fetchDiscovery } from "../oidc/discovery.js";
import type { TokenProvider } from "./token-provider.js";

export interface OidcGrantOptions {
  readonly discoveryUrl: string;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  /** With a password, the resource-owner password grant; otherwise client credentials. */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** A token is refreshed this long before it expires (at most half its lifetime). @default 30 */
  readonly refreshMarginSeconds?: number;
  readonly caCertPath?: string | undefined;
  /** @default true */
  readonly verifySsl?: boolean;
  /** @default 10000 */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/** Lifetime assumed when the token endpoint does not say (`expires_in` missing). */
const DEFAULT_LIFETIME_SECONDS = 60;

interface Cached {
  readonly token: string;
  readonly refreshAtMs: number;
}

/**
 * Fetches access tokens from the provider's token endpoint (found by discovery) with the client
 * credentials or password grant, caches each until shortly before it expires, and shares one request
 * between concurrent callers.
 */
export function oidcGrantProvider(options: OidcGrantOptions): TokenProvider {
  const now = options.now ?? Date.now;
  const marginMs = (options.refreshMarginSeconds ?? 30) * 1000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const caPem = options.caCertPath === undefined ? undefined : readFileSync(options.caCertPath);
  const tls = { ...(caPem === undefined ? {} : { caPem }), rejectUnauthorized: options.verifySsl ?? true };
  let tokenEndpoint: string | undefined;
  let cached: Cached | undefined;
  let inFlight: Promise<Cached> | undefined;

  async function fetchToken(): Promise<Cached> {
    if (tokenEndpoint === undefined) {
      const discovery = await fetchDiscovery(options.discoveryUrl, { ...tls, timeoutMs });
      if (discovery.tokenEndpoint === undefined) {
        throw new UnavailableError("The identity provider's discovery document has no token_endpoint");
      }
      tokenEndpoint = discovery.tokenEndpoint;
    }
    const form = new URLSearchParams({ client_id: options.clientId });
    if (options.clientSecret !== undefined) form.set("client_secret", options.clientSecret);
    if (options.username !== undefined && options.password !== undefined) {
      form.set("grant_type", "password");
      form.set("username", options.username);
      form.set("password", options.password);
    } else {
      form.set("grant_type", "client_credentials");
    }
    let status: number;
    let json: unknown;
    const requestedAtMs = now();
    try {
      ({ status, json } = await requestJson({
        url: tokenEndpoint,
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
        ...tls,
        timeoutMs,
      }));
    } catch (error) {
      throw new UnavailableError("The identity provider's token endpoint could not be reached", { cause: error });
    }
    if (status !== 200 || !isRecord(json) || typeof json.access_token !== "string") {
      const reason = isRecord(json) && typeof json.error === "string" ? ` (${json.error})` : "";
      if (status >= 500 || status === 0) {
        throw new UnavailableError(`The identity provider's token endpoint answered HTTP ${status}${reason}`);
      }
      throw new UnauthenticatedError(
        `The identity provider refused the token request: HTTP ${status}${reason}; check auth.client_id, client_secret, username and password`,
      );
    }
    const lifetimeMs =
      (typeof json.expires_in === "number" && json.expires_in > 0 ? json.expires_in : DEFAULT_LIFETIME_SECONDS) * 1000;
    // Refresh `margin` before expiry, but never later than half-way for short-lived tokens.
    const refreshAtMs = requestedAtMs + lifetimeMs - Math.min(marginMs, lifetimeMs / 2);
    return { token: json.access_token, refreshAtMs };
  }

  return {
    async token() {
      if (cached !== undefined && now() < cached.refreshAtMs) return cached.token;
      if (inFlight === undefined) {
        const attempt = fetchToken();
        inFlight = attempt;
        attempt.then(
          (fresh) => {
            cached = fresh;
            inFlight = undefined;
          },
          () => {
            inFlight = undefined;
          },
        );
      }
      return (await inFlight).token;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
