import { UnavailableError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { isRecord, requestJson } from "../http-json.js";
import type { KubeConnection } from "./in-cluster.js";

/** What TokenReview says about a token. Identity is taken from nothing else. */
export interface TokenReviewResult {
  readonly authenticated: boolean;
  readonly username: string | undefined;
  readonly groups: readonly string[];
}

export interface RbacSubject {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
}

/** A RoleBinding (with its namespace) or a ClusterRoleBinding (namespace undefined). */
export interface RoleBinding {
  readonly namespace: string | undefined;
  readonly roleName: string;
  readonly subjects: readonly RbacSubject[];
}

const RBAC = "/apis/rbac.authorization.k8s.io/v1";

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function bindingsOf(json: unknown): RoleBinding[] {
  if (!isRecord(json) || !Array.isArray(json.items)) return [];
  const bindings: RoleBinding[] = [];
  for (const item of json.items as unknown[]) {
    if (!isRecord(item) || !isRecord(item.roleRef) || typeof item.roleRef.name !== "string") continue;
    const namespace =
      isRecord(item.metadata) && typeof item.metadata.namespace === "string" ? item.metadata.namespace : undefined;
    const subjects: RbacSubject[] = [];
    for (const s of Array.isArray(item.subjects) ? (item.subjects as unknown[]) : []) {
      if (!isRecord(s) || typeof s.kind !== "string" || typeof s.name !== "string") continue;
      subjects.push({
        kind: s.kind,
        name: s.name,
        namespace: typeof s.namespace === "string" ? s.namespace : undefined,
      });
    }
    bindings.push({ namespace, roleName: item.roleRef.name, subjects });
  }
  return bindings;
}

/** The few Kubernetes API calls token verification needs, over node:https with the cluster CA. */
export class KubeApi {
  constructor(
    private readonly connection: KubeConnection,
    private readonly timeoutMs: number,
    private readonly logger?: Logger,
  ) {}

  private async call(path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const credential = this.connection.credential();
    try {
      return await requestJson({
        url: `${this.connection.apiServerUrl}${path}`,
        method: body === undefined ? "GET" : "POST",
        headers: {
          ...(credential === undefined ? {} : { authorization: `Bearer ${credential}` }),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(this.connection.caPem === undefined ? {} : { caPem: this.connection.caPem }),
        timeoutMs: this.timeoutMs,
      });
    } catch (error) {
      throw new UnavailableError("The Kubernetes API server could not be reached", { cause: error });
    }
  }

  /** POSTs a TokenReview; an API server that cannot answer it is UNAVAILABLE, never a pass. */
  async tokenReview(token: string): Promise<TokenReviewResult> {
    const { status, json } = await this.call("/apis/authentication.k8s.io/v1/tokenreviews", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      spec: { token },
    });
    if (status < 200 || status > 299 || !isRecord(json)) {
      this.logger?.error({ status }, "Kubernetes TokenReview failed; check the server's RBAC (tokenreviews create)");
      throw new UnavailableError("The Kubernetes API server could not review the token");
    }
    const review = isRecord(json.status) ? json.status : {};
    const user = isRecord(review.user) ? review.user : {};
    return {
      authenticated: review.authenticated === true,
      username: typeof user.username === "string" && user.username.length > 0 ? user.username : undefined,
      groups: strings(user.groups),
    };
  }

  /** RoleBindings of one namespace, or of all namespaces when `namespace` is undefined. */
  roleBindings(namespace?: string): Promise<RoleBinding[]> {
    const path =
      namespace === undefined
        ? `${RBAC}/rolebindings`
        : `${RBAC}/namespaces/${encodeURIComponent(namespace)}/rolebindings`;
    return this.list(path);
  }

  clusterRoleBindings(): Promise<RoleBinding[]> {
    return this.list(`${RBAC}/clusterrolebindings`);
  }

  /** A listing the server may not read yields no bindings (fewer roles, never more), with a warning. */
  private async list(path: string): Promise<RoleBinding[]> {
    const { status, json } = await this.call(path);
    if (status !== 200) {
      this.logger?.warn({ status, path }, "Kubernetes RBAC listing refused; roles from it are ignored");
      return [];
    }
    return bindingsOf(json);
  }
}
