import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Who a token belongs to, as TokenReview reports it. */
export interface KubeIdentity {
  readonly username: string;
  readonly groups?: readonly string[];
}

export interface KubeSubject {
  readonly kind: "User" | "Group" | "ServiceAccount";
  readonly name: string;
  readonly namespace?: string;
}

/** A RoleBinding (namespace set) or ClusterRoleBinding (namespace undefined). */
export interface KubeBinding {
  readonly name: string;
  readonly namespace?: string;
  readonly roleName: string;
  readonly subjects: readonly KubeSubject[];
}

/**
 * The slice of the Kubernetes API server that token verification uses, on loopback over HTTP:
 * TokenReview, RoleBinding lists (one namespace or all) and ClusterRoleBindings. Counts requests.
 */
export interface FakeKubeApi {
  readonly url: string;
  /** Tokens TokenReview authenticates; any other token is reviewed as not authenticated. */
  readonly tokens: Map<string, KubeIdentity>;
  readonly roleBindings: KubeBinding[];
  readonly clusterRoleBindings: KubeBinding[];
  readonly tokenReviews: number;
  readonly listRequests: number;
  /** The `authorization` header of the last request (the verifying server's own credential). */
  readonly lastAuthorization: string | undefined;
  /** Adds a token for service account `<namespace>:<name>` (groups as a kubelet-issued token has). */
  addServiceAccount(namespace: string, name: string, token: string): void;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function bindingJson(kind: string, binding: KubeBinding): unknown {
  return {
    metadata: { name: binding.name, ...(binding.namespace === undefined ? {} : { namespace: binding.namespace }) },
    roleRef: {
      apiGroup: "rbac.authorization.k8s.io",
      kind: kind === "RoleBinding" ? "Role" : "ClusterRole",
      name: binding.roleName,
    },
    subjects: binding.subjects,
  };
}

/** Starts the fake API server on 127.0.0.1 and a free port. */
export async function startFakeKubeApi(): Promise<FakeKubeApi> {
  const tokens = new Map<string, KubeIdentity>();
  const roleBindings: KubeBinding[] = [];
  const clusterRoleBindings: KubeBinding[] = [];
  let tokenReviews = 0;
  let listRequests = 0;
  let lastAuthorization: string | undefined;

  const server = createServer((req, res) => {
    lastAuthorization = req.headers.authorization;
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (req.method === "POST" && path === "/apis/authentication.k8s.io/v1/tokenreviews") {
      tokenReviews += 1;
      void readJson(req).then((body) => {
        const spec = (body as { spec?: { token?: unknown } } | undefined)?.spec;
        const identity = typeof spec?.token === "string" ? tokens.get(spec.token) : undefined;
        send(res, 201, {
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenReview",
          status:
            identity === undefined
              ? { authenticated: false, error: "invalid bearer token" }
              : {
                  authenticated: true,
                  user: { username: identity.username, uid: `uid-${identity.username}`, groups: identity.groups ?? [] },
                },
        });
      });
      return;
    }
    const rbac =
      /^\/apis\/rbac\.authorization\.k8s\.io\/v1\/(?:namespaces\/([^/]+)\/)?(rolebindings|clusterrolebindings)$/.exec(
        path,
      );
    if (req.method === "GET" && rbac !== null) {
      listRequests += 1;
      const [, namespace, resource] = rbac;
      if (resource === "clusterrolebindings") {
        send(res, 200, {
          kind: "ClusterRoleBindingList",
          items: clusterRoleBindings.map((b) => bindingJson("ClusterRoleBinding", b)),
        });
      } else {
        const items = roleBindings.filter(
          (b) => namespace === undefined || b.namespace === decodeURIComponent(namespace),
        );
        send(res, 200, { kind: "RoleBindingList", items: items.map((b) => bindingJson("RoleBinding", b)) });
      }
      return;
    }
    send(res, 404, { kind: "Status", status: "Failure", reason: "NotFound" });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tokens,
    roleBindings,
    clusterRoleBindings,
    get tokenReviews() {
      return tokenReviews;
    },
    get listRequests() {
      return listRequests;
    },
    get lastAuthorization() {
      return lastAuthorization;
    },
    addServiceAccount(namespace, name, token) {
      tokens.set(token, {
        username: `system:serviceaccount:${namespace}:${name}`,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
      });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
