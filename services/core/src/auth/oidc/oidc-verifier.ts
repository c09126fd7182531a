import { readFileSync } from "node:fs";
import {
  createRemoteJWKSet,
  customFetch,
  errors as joseErrors,
  jwtVerify,
  type FetchImplementation,
  type JWTVerifyGetKey,
} from "jose";
import type { OidcAuthConfig } from "../../config/auth-config.js";
import { ConfigError, LarderError, UnauthenticatedError, UnavailableError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { requestJson } from "../http-json.js";
import type { Principal } from "../principal.js";
import type { TokenVerifier } from "../token-verifier.js";
import { VerifiedTokenCache } from "../verified-token-cache.js";
import { principalFromClaims } from "./claims.js";
import { fetchDiscovery } from "./discovery.js";

/** Message of every refused token: it never says which check failed (the log does). */
export const INVALID_TOKEN_MESSAGE = "Invalid or expired access token";

export interface OidcVerifierOptions {
  readonly logger?: Logger;
  /** Verified tokens remembered (LRU). 0 disables the cache. @default 10000 */
  readonly cacheMaxEntries?: number;
  /** Longest a verified token is remembered, even if it expires later. @default 60000 */
  readonly cacheMaxAgeMs?: number;
  /** Least time between two discovery attempts after a failure. @default 1000 */
  readonly discoveryRetryMs?: number;
}

interface Keys {
  readonly issuer: string;
  readonly jwks: JWTVerifyGetKey;
}

/** A fetch for jose's remote key set that trusts `ca_cert_path` or skips verification (`verify_ssl: false`). */
function privateCaFetch(
  caPem: Buffer | undefined,
  rejectUnauthorized: boolean,
  timeoutMs: number,
): FetchImplementation {
  return async (url, options) => {
    const { status, json } = await requestJson({
      url,
      headers: Object.fromEntries(new Headers(options.headers).entries()),
      ...(caPem === undefined ? {} : { caPem }),
      rejectUnauthorized,
      timeoutMs,
    });
    return new Response(JSON.stringify(json ?? null), { status, headers: { "content-type": "application/json" } });
  };
}

/** Whether a jose failure means the key set could not be fetched (UNAVAILABLE) rather than a bad token. */
function isKeySetOutage(error: unknown): boolean {
  if (error instanceof joseErrors.JWKSTimeout) return true;
  if (error instanceof joseErrors.JOSEError) return error.code === "ERR_JOSE_GENERIC";
  // fetch failures (TypeError "fetch failed", ECONNREFUSED) are not JOSE errors.
  return true;
}

/**
 * Verifies OIDC access tokens: discovery once (its issuer must equal `issuer` when configured), keys
 * from the provider's JWKS through jose's remote key set (cooldown, max age and timeout from the
 * config), an explicit algorithm allow-list, `exp` required, audience and issuer checked unless
 * disabled, and a small clock tolerance. Verified tokens are cached until they expire.
 */
export function createOidcVerifier(config: OidcAuthConfig, options: OidcVerifierOptions = {}): TokenVerifier {
  const discoveryUrl = config.authDiscoveryUrl;
  if (discoveryUrl === undefined) {
    throw new ConfigError("auth.auth_discovery_url is required to verify OIDC tokens on a server");
  }
  if (config.verifyAudience && config.audience === undefined) {
    throw new ConfigError("auth.audience (or auth.client_id) is required while auth.verify_audience is true");
  }
  const logger = options.logger;
  const caPem = config.caCertPath === undefined ? undefined : readFileSync(config.caCertPath);
  const cache = new VerifiedTokenCache(options.cacheMaxEntries ?? 10_000, options.cacheMaxAgeMs ?? 60_000);
  const retryMs = options.discoveryRetryMs ?? 1000;
  let keys: Promise<Keys> | undefined;
  let lastFailure: { atMs: number; error: unknown } | undefined;

  async function discover(url: string): Promise<Keys> {
    const discovery = await fetchDiscovery(url, {
      caPem,
      rejectUnauthorized: config.verifySsl,
      timeoutMs: config.jwksTimeoutMs,
    });
    if (config.issuer !== undefined && discovery.issuer !== config.issuer) {
      // Refuse to trust keys of a provider that is not the configured one.
      logger?.error(
        { configured: config.issuer, discovered: discovery.issuer },
        "OIDC discovery issuer does not match auth.issuer; refusing all tokens",
      );
      throw new UnavailableError("The identity provider's issuer does not match the configured issuer");
    }
    const custom = caPem !== undefined || !config.verifySsl;
    const jwks = createRemoteJWKSet(new URL(discovery.jwksUri), {
      cooldownDuration: config.jwksCooldownSeconds * 1000,
      cacheMaxAge: config.jwksCacheMaxAgeSeconds * 1000,
      timeoutDuration: config.jwksTimeoutMs,
      ...(custom ? { [customFetch]: privateCaFetch(caPem, config.verifySsl, config.jwksTimeoutMs) } : {}),
    });
    return { issuer: config.issuer ?? discovery.issuer, jwks };
  }

  function loadKeys(url: string): Promise<Keys> {
    if (keys !== undefined) return keys;
    if (lastFailure !== undefined && Date.now() - lastFailure.atMs < retryMs) {
      return Promise.reject(lastFailure.error instanceof Error ? lastFailure.error : new UnavailableError("discovery"));
    }
    const attempt = discover(url);
    keys = attempt;
    attempt.catch((error: unknown) => {
      keys = undefined;
      lastFailure = { atMs: Date.now(), error };
      logger?.warn({ err: error }, "OIDC discovery failed");
    });
    return attempt;
  }

  // Warm up at startup so that a wrong discovery URL or issuer shows in the log before the first call.
  loadKeys(discoveryUrl).catch(() => undefined);

  return {
    kind: "oidc",
    async verify(token: string): Promise<Principal> {
      const cached = cache.get(token);
      if (cached !== undefined) return cached;
      const { issuer, jwks } = await loadKeys(discoveryUrl);
      let payload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          algorithms: [...config.algorithms],
          requiredClaims: ["exp"],
          clockTolerance: config.clockToleranceSeconds,
          ...(config.verifyIssuer ? { issuer } : {}),
          ...(config.verifyAudience && config.audience !== undefined ? { audience: config.audience } : {}),
        }));
      } catch (error) {
        if (isKeySetOutage(error)) {
          logger?.warn({ err: error }, "OIDC key set could not be fetched");
          throw new UnavailableError("The identity provider's keys could not be fetched", { cause: error });
        }
        logger?.debug({ reason: error instanceof Error ? error.message : String(error) }, "OIDC token refused");
        throw new UnauthenticatedError(INVALID_TOKEN_MESSAGE, { cause: error });
      }
      let principal: Principal;
      try {
        principal = principalFromClaims(payload, config);
      } catch (error) {
        if (error instanceof LarderError) throw error;
        throw new UnauthenticatedError(INVALID_TOKEN_MESSAGE, { cause: error });
      }
      if (typeof payload.exp === "number") cache.set(token, principal, payload.exp * 1000);
      return principal;
    },
  };
}
