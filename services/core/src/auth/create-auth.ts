import type { AuthConfig } from "../config/auth-config.js";
import type { Logger } from "../logger.js";
import type { CallInterceptor } from "../server/interceptor.js";
import { createAuthInterceptor } from "./auth-interceptor.js";
import { kubeConnection, type KubeConnectionOptions } from "./kubernetes/in-cluster.js";
import { createKubernetesVerifier } from "./kubernetes/kubernetes-verifier.js";
import { createOidcVerifier } from "./oidc/oidc-verifier.js";
import type { TokenVerifier } from "./token-verifier.js";

export interface AuthSetupOptions extends KubeConnectionOptions {
  readonly logger?: Logger;
}

/** The token verifier `auth` asks for, or undefined under no_auth (every caller is ANONYMOUS). */
export function createTokenVerifier(config: AuthConfig, options: AuthSetupOptions = {}): TokenVerifier | undefined {
  const logger = options.logger === undefined ? {} : { logger: options.logger };
  switch (config.type) {
    case "no_auth":
      return undefined;
    case "oidc":
      return createOidcVerifier(config, logger);
    case "kubernetes":
      return createKubernetesVerifier(kubeConnection(config, options), logger);
  }
}

/**
 * The auth interceptor both servers install from `feature_store.yaml`'s `auth` section; undefined
 * under no_auth. Install it before any permission check so that checks see the principal.
 */
export function authInterceptorFor(config: AuthConfig, options: AuthSetupOptions = {}): CallInterceptor | undefined {
  const verifier = createTokenVerifier(config, options);
  return verifier === undefined ? undefined : createAuthInterceptor(verifier);
}
