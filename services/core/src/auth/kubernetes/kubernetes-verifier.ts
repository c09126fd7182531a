import { createHash } from "node:crypto";
import { ResourceExhaustedError, UnauthenticatedError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import type { Principal } from "../principal.js";
import type { TokenVerifier } from "../token-verifier.js";
import { VerifiedTokenCache } from "../verified-token-cache.js";
import type { KubeConnection } from "./in-cluster.js";
import { KubeApi, type RoleBinding, type RbacSubject } from "./kube-api.js";

export interface KubernetesVerifierOptions {
  readonly logger?: Logger;
  /** Deadline of each API server request. @default 5000 */
  readonly timeoutMs?: number;
  /** How long a reviewed token and its roles are remembered; a revoked token lives this long. @default 30000 */
  readonly cacheMaxAgeMs?: number;
  /** @default 10000 */
  readonly cacheMaxEntries?: number;
  /**
   * How long a token TokenReview refused is refused again without asking (a client retrying a bad token
   * in a loop costs the API server one review per this period). @default 5000
   */
  readonly rejectedMaxAgeMs?: number;
  /**
   * TokenReviews in flight at most; past it a call with a token not yet known is answered
   * RESOURCE_EXHAUSTED at once, so a flood of distinct forged tokens cannot turn into a flood of reviews
   * against the API server. Known tokens (cached) are unaffected. @default 32
   */
  readonly maxConcurrentReviews?: number;
}

/** A principal that never authenticates: the marker of a refused token in the cache. */
const REFUSED = Object.freeze({
  username: "",
  roles: [],
  groups: [],
  namespaces: [],
  source: "kubernetes",
}) as Principal;

const SERVICE_ACCOUNT = /^system:serviceaccount:([^:]+):([^:]+)$/;

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

function names(
  subject: RbacSubject,
  binding: RoleBinding,
  who: { user?: string; serviceAccount?: { namespace: string; name: string }; groups: readonly string[] },
): boolean {
  switch (subject.kind) {
    case "User":
      return who.user !== undefined && subject.name === who.user;
    case "Group":
      return who.groups.includes(subject.name);
    case "ServiceAccount":
      return (
        who.serviceAccount !== undefined &&
        subject.name === who.serviceAccount.name &&
        (subject.namespace ?? binding.namespace) === who.serviceAccount.namespace
      );
    default:
      return false;
  }
}

/**
 * Verifies Kubernetes tokens with TokenReview: identity only from an authenticated review (never from
 * the token's own claims). Service accounts (`system:serviceaccount:<ns>:<sa>`) become user `<ns>:<sa>`
 * with namespace `<ns>` and the roles of RoleBindings in the server's namespace naming them; users get
 * the roles of RoleBindings (any namespace) and ClusterRoleBindings naming them or one of their
 * groups, and the namespaces of those RoleBindings. Groups come from the review.
 */
export function createKubernetesVerifier(
  connection: KubeConnection,
  options: KubernetesVerifierOptions = {},
): TokenVerifier {
  const api = new KubeApi(connection, options.timeoutMs ?? 5000, options.logger);
  const cacheMaxAgeMs = options.cacheMaxAgeMs ?? 30_000;
  const cache = new VerifiedTokenCache(options.cacheMaxEntries ?? 10_000, cacheMaxAgeMs);
  const rejectedMaxAgeMs = options.rejectedMaxAgeMs ?? 5_000;
  const refused = new VerifiedTokenCache(options.cacheMaxEntries ?? 10_000, rejectedMaxAgeMs);
  const maxConcurrentReviews = options.maxConcurrentReviews ?? 32;

  async function principalOf(username: string, groups: readonly string[]): Promise<Principal> {
    const sa = SERVICE_ACCOUNT.exec(username);
    if (sa !== null) {
      const serviceAccount = { namespace: sa[1] ?? "", name: sa[2] ?? "" };
      const bindings = await api.roleBindings(connection.namespace);
      const roles = bindings.filter((b) => b.subjects.some((s) => names(s, b, { serviceAccount, groups })));
      return {
        username: `${serviceAccount.namespace}:${serviceAccount.name}`,
        roles: unique(roles.map((b) => b.roleName)),
        groups,
        namespaces: [serviceAccount.namespace],
        source: "kubernetes",
      };
    }
    const [roleBindings, clusterRoleBindings] = await Promise.all([api.roleBindings(), api.clusterRoleBindings()]);
    const who = { user: username, groups };
    const matching = (b: RoleBinding): boolean => b.subjects.some((s) => names(s, b, who));
    const namespaced = roleBindings.filter(matching);
    return {
      username,
      roles: unique([...namespaced, ...clusterRoleBindings.filter(matching)].map((b) => b.roleName)),
      groups,
      namespaces: unique(namespaced.flatMap((b) => (b.namespace === undefined ? [] : [b.namespace]))),
      source: "kubernetes",
    };
  }

  async function review(token: string): Promise<Principal> {
    const result = await api.tokenReview(token);
    if (!result.authenticated || result.username === undefined) {
      refused.set(token, REFUSED, Date.now() + rejectedMaxAgeMs);
      throw new UnauthenticatedError("Invalid or expired access token");
    }
    const principal = Object.freeze(await principalOf(result.username, Object.freeze(unique(result.groups))));
    cache.set(token, principal, Date.now() + cacheMaxAgeMs);
    return principal;
  }

  // Concurrent calls with the same token share one TokenReview (a client's burst at startup).
  const inFlight = new Map<string, Promise<Principal>>();

  return {
    kind: "kubernetes",
    verify(token: string): Promise<Principal> {
      const cached = cache.get(token);
      if (cached !== undefined) return Promise.resolve(cached);
      if (refused.get(token) !== undefined) {
        return Promise.reject(new UnauthenticatedError("Invalid or expired access token"));
      }
      const key = createHash("sha256").update(token).digest("base64url");
      let pending = inFlight.get(key);
      if (pending === undefined) {
        if (inFlight.size >= maxConcurrentReviews) {
          return Promise.reject(
            new ResourceExhaustedError("Too many access tokens being verified at once; retry shortly"),
          );
        }
        pending = review(token).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
  };
}
