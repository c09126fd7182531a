import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Code,
  createKubernetesVerifier,
  kubeConnection,
  validateAuthConfig,
  type KubernetesAuthConfig,
  type TokenVerifier,
} from "@larder/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeKubeApi, type FakeKubeApi } from "../../../../test/harness/fake-kube-api.js";
import { freePort } from "../../../../test/harness/ports.js";

// The Kubernetes verifier against a fake API server on loopback: identity only from TokenReview,
// roles from RoleBindings in the server's namespace (service accounts) or from RoleBindings and
// ClusterRoleBindings (users), and an unreachable API server is UNAVAILABLE, never a pass.

function kubeConfig(url: string, namespace = "feast"): KubernetesAuthConfig {
  const config = validateAuthConfig({ type: "kubernetes", api_server_url: url, namespace });
  if (config.type !== "kubernetes") throw new Error("expected a kubernetes config");
  return config;
}

/** A JWT-shaped token whose claims say it is an admin service account: only TokenReview may decide. */
function forgedServiceAccountToken(): string {
  const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "RS256", kid: "x" })}.${part({
    iss: "kubernetes/serviceaccount",
    sub: "system:serviceaccount:feast:admin",
    "kubernetes.io": { namespace: "feast", serviceaccount: { name: "admin" } },
  })}.${Buffer.from("forged").toString("base64url")}`;
}

describe("createKubernetesVerifier", () => {
  let api: FakeKubeApi;
  let verifier: TokenVerifier;
  let saDir: string;

  beforeAll(async () => {
    api = await startFakeKubeApi();
    api.addServiceAccount("feast", "reader-sa", "sa-reader-token");
    api.addServiceAccount("other", "stranger", "sa-stranger-token");
    api.tokens.set("user-token", { username: "jane", groups: ["data-science", "system:authenticated"] });
    api.roleBindings.push(
      {
        name: "feast-readers",
        namespace: "feast",
        roleName: "feast-reader",
        subjects: [{ kind: "ServiceAccount", name: "reader-sa", namespace: "feast" }],
      },
      {
        name: "feast-writers-elsewhere",
        namespace: "other",
        roleName: "feast-writer",
        subjects: [{ kind: "ServiceAccount", name: "reader-sa", namespace: "feast" }],
      },
      {
        name: "ds-dashboard",
        namespace: "team-ds",
        roleName: "ds-editor",
        subjects: [{ kind: "Group", name: "data-science" }],
      },
      { name: "jane-view", namespace: "feast", roleName: "viewer", subjects: [{ kind: "User", name: "jane" }] },
    );
    api.clusterRoleBindings.push(
      { name: "ds-global", roleName: "ds-cluster-reader", subjects: [{ kind: "Group", name: "data-science" }] },
      { name: "someone-else", roleName: "cluster-admin", subjects: [{ kind: "User", name: "bob" }] },
    );
    saDir = await mkdtemp(join(tmpdir(), "larder-sa-"));
    await writeFile(join(saDir, "token"), "server-own-token\n");
    verifier = createKubernetesVerifier(kubeConnection(kubeConfig(api.url), { serviceAccountDir: saDir }), {
      cacheMaxEntries: 0,
    });
  });
  afterAll(async () => {
    await api.close();
  });

  it("gives a service account the roles bound to it in the server's namespace only", async () => {
    const principal = await verifier.verify("sa-reader-token");
    expect(principal).toEqual({
      username: "feast:reader-sa",
      roles: ["feast-reader"],
      groups: ["system:serviceaccounts", "system:serviceaccounts:feast", "system:authenticated"],
      namespaces: ["feast"],
      source: "kubernetes",
    });
    // The server presents its own mounted service-account token to the API server.
    expect(api.lastAuthorization).toBe("Bearer server-own-token");
  });

  it("gives a service account from another namespace no roles", async () => {
    expect(await verifier.verify("sa-stranger-token")).toMatchObject({
      username: "other:stranger",
      roles: [],
      namespaces: ["other"],
    });
  });

  it("gives a user the roles of RoleBindings and ClusterRoleBindings naming it or its groups", async () => {
    const principal = await verifier.verify("user-token");
    expect(principal.username).toBe("jane");
    expect([...principal.roles].sort()).toEqual(["ds-cluster-reader", "ds-editor", "viewer"]);
    expect([...principal.namespaces].sort()).toEqual(["feast", "team-ds"]);
    expect(principal.groups).toEqual(["data-science", "system:authenticated"]);
  });

  it("refuses a forged service-account token that TokenReview does not authenticate", async () => {
    const reviews = api.tokenReviews;
    await expect(verifier.verify(forgedServiceAccountToken())).rejects.toMatchObject({ code: Code.Unauthenticated });
    expect(api.tokenReviews).toBe(reviews + 1);
  });

  it("refuses a rejected token again without another TokenReview until the refusal ages out", async () => {
    const remembering = createKubernetesVerifier(kubeConnection(kubeConfig(api.url)), { rejectedMaxAgeMs: 300 });
    const token = forgedServiceAccountToken();
    const reviews = api.tokenReviews;
    for (let i = 0; i < 5; i++) {
      await expect(remembering.verify(token)).rejects.toMatchObject({ code: Code.Unauthenticated });
    }
    expect(api.tokenReviews).toBe(reviews + 1);
    await new Promise((resolve) => setTimeout(resolve, 350));
    await expect(remembering.verify(token)).rejects.toMatchObject({ code: Code.Unauthenticated });
    expect(api.tokenReviews).toBe(reviews + 2);
  });

  it("caps TokenReviews in flight: a flood of distinct forged tokens costs at most the cap, known tokens still pass", async () => {
    const capped = createKubernetesVerifier(kubeConnection(kubeConfig(api.url)), { maxConcurrentReviews: 4 });
    await capped.verify("sa-reader-token");
    const reviews = api.tokenReviews;
    const flood = Array.from({ length: 50 }, (_, i) =>
      capped.verify(`forged-${i}`).then(
        () => "ok",
        (error: { code?: Code }) => error.code,
      ),
    );
    // A cached token is answered while the flood is in flight.
    expect((await capped.verify("sa-reader-token")).username).toBe("feast:reader-sa");
    const outcomes = await Promise.all(flood);
    expect(outcomes.filter((c) => c === Code.Unauthenticated)).toHaveLength(4);
    expect(outcomes.filter((c) => c === Code.ResourceExhausted)).toHaveLength(46);
    expect(api.tokenReviews).toBe(reviews + 4);
  });

  it("refuses an unknown opaque token", async () => {
    await expect(verifier.verify("nope")).rejects.toMatchObject({ code: Code.Unauthenticated });
  });

  it("caches a reviewed token so repeated calls do not hit the API server", async () => {
    const cached = createKubernetesVerifier(kubeConnection(kubeConfig(api.url)));
    await cached.verify("sa-reader-token");
    const reviews = api.tokenReviews;
    const lists = api.listRequests;
    await cached.verify("sa-reader-token");
    expect(api.tokenReviews).toBe(reviews);
    expect(api.listRequests).toBe(lists);
  });

  it("shares one TokenReview between concurrent calls with the same token", async () => {
    const shared = createKubernetesVerifier(kubeConnection(kubeConfig(api.url)));
    const reviews = api.tokenReviews;
    const principals = await Promise.all(Array.from({ length: 20 }, () => shared.verify("user-token")));
    expect(new Set(principals).size).toBe(1);
    expect(api.tokenReviews).toBe(reviews + 1);
  });

  it("answers UNAVAILABLE when the API server cannot be reached", async () => {
    const port = await freePort();
    const down = createKubernetesVerifier(kubeConnection(kubeConfig(`http://127.0.0.1:${port}`)));
    await expect(down.verify("sa-reader-token")).rejects.toMatchObject({ code: Code.Unavailable });
  });

  it("finds the in-cluster API server from KUBERNETES_SERVICE_HOST and the mounted namespace", async () => {
    await writeFile(join(saDir, "namespace"), "prod\n");
    const inCluster = validateAuthConfig({ type: "kubernetes" });
    if (inCluster.type !== "kubernetes") throw new Error("expected a kubernetes config");
    const connection = kubeConnection(inCluster, {
      env: { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "6443" },
      serviceAccountDir: saDir,
    });
    expect(connection.apiServerUrl).toBe("https://10.0.0.1:6443");
    expect(connection.namespace).toBe("prod");
    expect(() => kubeConnection(inCluster, { env: {}, serviceAccountDir: saDir })).toThrow(/api_server_url/);
  });
});
