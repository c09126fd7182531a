import { createContextKey } from "@connectrpc/connect";

/** Who is calling, as the auth interceptor established it. Never holds the token itself. */
export interface Principal {
  /** User name (OIDC: preferred_username, upn, azp, appid, sub; Kubernetes: TokenReview user). */
  readonly username: string;
  readonly roles: readonly string[];
  readonly groups: readonly string[];
  /** Kubernetes namespaces the caller belongs to (service accounts: their own namespace). */
  readonly namespaces: readonly string[];
  /** How the principal was established. */
  readonly source: "no_auth" | "oidc" | "kubernetes";
}

/** The caller under `auth.type: no_auth`: unauthenticated, allowed everything. */
export const ANONYMOUS: Principal = Object.freeze({
  username: "anonymous",
  roles: Object.freeze([]),
  groups: Object.freeze([]),
  namespaces: Object.freeze([]),
  source: "no_auth",
});

/** Per-call value holding the authenticated principal (set by the auth interceptor). */
export const kPrincipal = createContextKey<Principal>(ANONYMOUS, { description: "larder principal" });
