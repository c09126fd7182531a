import { join } from "node:path";
import type { AuthConfig } from "../../config/auth-config.js";
import { SERVICE_ACCOUNT_DIR } from "../kubernetes/in-cluster.js";
import { fileTokenProvider } from "./file-token-provider.js";
import { oidcGrantProvider } from "./oidc-grant-provider.js";
import { NO_TOKEN, staticTokenProvider, type TokenProvider } from "./token-provider.js";

/** The environment variable any Larder client reads a token from. */
export const LARDER_AUTH_TOKEN_ENV = "LARDER_AUTH_TOKEN";

export interface TokenProviderOptions {
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The mounted service-account token. @default /var/run/secrets/kubernetes.io/serviceaccount/token */
  readonly serviceAccountTokenPath?: string;
}

/** Tries each source in order; the first that has a token wins. `invalidate` reaches them all. */
function firstOf(sources: readonly TokenProvider[]): TokenProvider {
  if (sources.length === 0) return NO_TOKEN;
  if (sources.length === 1 && sources[0] !== undefined) return sources[0];
  return {
    async token() {
      for (const source of sources) {
        const token = await source.token();
        if (token !== undefined) return token;
      }
      return undefined;
    },
    invalidate() {
      for (const source of sources) source.invalidate();
    },
  };
}

/** Reads an environment variable at each call (a wrapper script may rotate it between commands). */
function envTokenProvider(env: Readonly<Record<string, string | undefined>>, name: string): TokenProvider {
  return {
    token: () => Promise.resolve(env[name]?.trim() || undefined),
    invalidate: () => undefined,
  };
}

/**
 * The token source a client uses for `auth` (Feast's order, with LARDER_AUTH_TOKEN for Feast's
 * FEAST_OIDC_TOKEN/LOCAL_K8S_TOKEN):
 * - oidc: `token`, else the variable `token_env_var`, else the IdP's token endpoint (client
 *   credentials, or password grant with `username`/`password`), else LARDER_AUTH_TOKEN, else the
 *   mounted service-account token;
 * - kubernetes: `user_token`, else LARDER_AUTH_TOKEN, else the mounted service-account token;
 * - no_auth: LARDER_AUTH_TOKEN if set, else no token.
 */
export function createTokenProvider(config: AuthConfig, options: TokenProviderOptions = {}): TokenProvider {
  const env = options.env ?? process.env;
  const saToken = fileTokenProvider(options.serviceAccountTokenPath ?? join(SERVICE_ACCOUNT_DIR, "token"));
  const larderEnv = envTokenProvider(env, LARDER_AUTH_TOKEN_ENV);
  switch (config.type) {
    case "no_auth":
      return larderEnv;
    case "kubernetes":
      return config.userToken !== undefined ? staticTokenProvider(config.userToken) : firstOf([larderEnv, saToken]);
    case "oidc": {
      if (config.token !== undefined) return staticTokenProvider(config.token);
      const sources: TokenProvider[] = [];
      if (config.tokenEnvVar !== undefined) sources.push(envTokenProvider(env, config.tokenEnvVar));
      const canGrant =
        config.authDiscoveryUrl !== undefined &&
        config.clientId !== undefined &&
        (config.clientSecret !== undefined || config.password !== undefined);
      if (canGrant && config.authDiscoveryUrl !== undefined && config.clientId !== undefined) {
        sources.push(
          oidcGrantProvider({
            discoveryUrl: config.authDiscoveryUrl,
            clientId: config.clientId,
            clientSecret: config.clientSecret,
            username: config.username,
            password: config.password,
            refreshMarginSeconds: config.tokenRefreshMarginSeconds,
            caCertPath: config.caCertPath,
            verifySsl: config.verifySsl,
          }),
        );
      }
      sources.push(larderEnv, saToken);
      return firstOf(sources);
    }
  }
}
