import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  INVALID_TOKEN_MESSAGE,
  kPrincipal,
  silentLogger,
  validateAuthConfig,
  type AuthConfig,
  type LarderServer,
  type Principal,
} from "@larder/core";
import { Health } from "@larder/gen/es/grpc/health/v1/health_pb";
import { RegistryService } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { ServingService } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { RegistryStore, createRegistryServer, createSqliteBackend, openRegistry } from "@larder/registry";
import { Entity, FeatureStore, ValueType } from "@larder/sdk";
import { createFeatureServer, createOnlineStore } from "@larder/serving";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeKubeApi, type FakeKubeApi } from "../harness/fake-kube-api.js";
import { oidcAuthYaml, startOidcIssuer, type OidcIssuer } from "../harness/oidc-issuer.js";

// Authentication on both servers and both protocols: the FeatureServer and the RegistryServer, each
// called over gRPC (HTTP/2) and REST/JSON (HTTP/1.1, fetch), with a real OIDC issuer and a fake
// Kubernetes API server on loopback. Every attack is refused with UNAUTHENTICATED / 401; valid tokens
// reach the handler with the right principal; health, /docs and /openapi.json stay open.

interface Target {
  readonly name: string;
  readonly base: string;
  /** Who the last authenticated call was made by (recorded by an interceptor after auth). */
  readonly seen: Principal[];
  /** One cheap gRPC call; resolves with its code. */
  grpc(token?: string): Promise<Code | "ok">;
  /** One cheap REST call; resolves with its HTTP status. */
  rest(token?: string): Promise<number>;
  /** The REST status a call that passed auth answers. */
  readonly restOk: number;
  /** The REST call's path and body, for tests that set headers themselves. */
  readonly restPath: string;
  readonly restBody: unknown;
  close(): Promise<void>;
}

function transport(base: string, token?: string) {
  const bearer: Interceptor = (next) => (req) => {
    if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  return createGrpcTransport({ baseUrl: base, interceptors: [bearer] });
}

async function codeOf(call: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

async function postJson(base: string, path: string, body: unknown, token?: string): Promise<number> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

function recordPrincipals(server: LarderServer): Principal[] {
  const seen: Principal[] = [];
  server.addInterceptor({ name: "test-recorder", enter: (call) => void seen.push(call.values.get(kPrincipal)) });
  return seen;
}

async function repo(project: string): Promise<{ repoPath: string; store: FeatureStore }> {
  const repoPath = await mkdtemp(join(tmpdir(), "larder-auth-"));
  await mkdir(join(repoPath, "data"));
  const store = await FeatureStore.open({ config: { project, registry: "data/registry.db" }, repoPath });
  await store.apply([new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: ValueType.INT64 })]);
  return { repoPath, store };
}

async function startFeatureServer(auth: AuthConfig): Promise<Target> {
  const project = `auth_${randomUUID().slice(0, 6)}`;
  const { repoPath, store } = await repo(project);
  const server = await createFeatureServer({
    project,
    server: { port: 0 },
    registry: await openRegistry(store.config.registry),
    onlineStore: createOnlineStore({ type: "sqlite", path: join(repoPath, "data", "online.db") } as never),
    registryPollIntervalMs: 1000,
    maxEntityRows: 100,
    transformTimeoutMs: 500,
    logger: silentLogger(),
    auth,
  });
  const seen = recordPrincipals(server);
  const { port } = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  return {
    name: "FeatureServer",
    base,
    seen,
    grpc: (token) => codeOf(createClient(ServingService, transport(base, token)).getServingInfo({})),
    // An unknown view: 404 once past auth, so the status tells auth's verdict apart.
    rest: (token) =>
      postJson(base, "/get-online-features", { features: ["no_such_view:x"], entities: { driver_id: [1] } }, token),
    restOk: 404,
    restPath: "/get-online-features",
    restBody: { features: ["no_such_view:x"], entities: { driver_id: [1] } },
    async close() {
      await server.shutdown();
      await store.close();
    },
  };
}

async function startRegistryServer(auth: AuthConfig): Promise<Target> {
  const { repoPath, store } = await repo(`auth_${randomUUID().slice(0, 6)}`);
  await store.close();
  const registry = await RegistryStore.open(createSqliteBackend(join(repoPath, "data", "registry.db")));
  const server = createRegistryServer(registry, { server: { port: 0 }, auth }, silentLogger());
  const seen = recordPrincipals(server);
  const { port } = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  return {
    name: "RegistryServer",
    base,
    seen,
    grpc: (token) => codeOf(createClient(RegistryService, transport(base, token)).getVersion({})),
    // Connect's JSON protocol over HTTP/1.1, as a browser or curl would call it.
    rest: (token) => postJson(base, `/${RegistryService.typeName}/GetVersion`, {}, token),
    restOk: 200,
    restPath: `/${RegistryService.typeName}/GetVersion`,
    restBody: {},
    close: () => server.shutdown(),
  };
}

const claims = {
  preferred_username: "alice",
  resource_access: { larder: { roles: ["reader"] } },
  roles: ["auditor"],
  groups: ["ml"],
};

describe.each([
  ["FeatureServer", startFeatureServer],
  ["RegistryServer", startRegistryServer],
])("%s with auth oidc", (_name, start) => {
  let issuer: OidcIssuer;
  let target: Target;
  let attacks: Array<[string, string]>;

  beforeAll(async () => {
    issuer = await startOidcIssuer();
    const other = await startOidcIssuer();
    target = await start(validateAuthConfig(oidcAuthYaml(issuer)));
    attacks = [
      ["alg none", await issuer.sign(claims, { alg: "none" })],
      ["HS256 with the RSA public key", await issuer.sign(claims, { alg: "HS256" })],
      ["expired", await issuer.sign(claims, { expiresInSeconds: -60 })],
      ["not yet valid", await issuer.sign(claims, { notBeforeSeconds: 300 })],
      ["wrong aud", await issuer.sign(claims, { audience: "someone-else" })],
      ["wrong iss", await issuer.sign(claims, { issuer: "http://127.0.0.1:1" })],
      ["missing exp", await issuer.sign(claims, { omitExp: true })],
      ["another key under our kid", await other.sign(claims, { issuer: issuer.issuer, kid: issuer.kid })],
      ["garbage", "x.y.z"],
    ];
    await other.close();
  });
  afterAll(async () => {
    await target.close();
    await issuer.close();
  });

  it("refuses a call without a token (gRPC UNAUTHENTICATED, REST 401)", async () => {
    expect(await target.grpc()).toBe(Code.Unauthenticated);
    expect(await target.rest()).toBe(401);
  });

  it("refuses every attack token on gRPC and REST", async () => {
    const outcomes: Record<string, [Code | "ok", number]> = {};
    for (const [name, token] of attacks) outcomes[name] = [await target.grpc(token), await target.rest(token)];
    for (const [name] of attacks) expect(outcomes[name], name).toEqual([Code.Unauthenticated, 401]);
    expect(target.seen).toEqual([]);
  });

  it("answers 401 with a generic message that names no check", async () => {
    const res = await fetch(`${target.base}${target.restPath}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${await issuer.sign(claims, { expiresInSeconds: -60 })}`,
      },
      body: JSON.stringify(target.restBody),
    });
    const body = (await res.json()) as { detail?: string; message?: string; code: string };
    expect(res.status).toBe(401);
    // Feast's REST shape uses `detail`, Connect's JSON protocol `message`; either way the same generic text.
    expect(body.code).toBe("unauthenticated");
    expect(body.detail ?? body.message).toBe(INVALID_TOKEN_MESSAGE);
  });

  it("accepts a valid token on both protocols with the caller's principal", async () => {
    const token = await issuer.sign(claims);
    expect(await target.grpc(token)).toBe("ok");
    expect(await target.rest(token)).toBe(target.restOk);
    expect(target.seen).toHaveLength(2);
    for (const principal of target.seen) {
      expect(principal).toEqual({
        username: "alice",
        roles: ["reader", "auditor"],
        groups: ["ml"],
        namespaces: [],
        source: "oidc",
      });
    }
  });

  it("accepts the scheme case-insensitively and refuses other schemes", async () => {
    const token = await issuer.sign(claims);
    const res = await fetch(`${target.base}${target.restPath}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${token}` },
      body: JSON.stringify(target.restBody),
    });
    expect(res.status).toBe(401);
    const lower = await fetch(`${target.base}${target.restPath}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `bearer ${token}` },
      body: JSON.stringify(target.restBody),
    });
    expect(lower.status).toBe(target.restOk);
  });

  it("survives a flood of unknown key ids without a JWKS fetch storm", async () => {
    await target.grpc(await issuer.sign(claims));
    const before = issuer.jwksFetches;
    const tokens = await Promise.all(Array.from({ length: 100 }, () => issuer.sign(claims, { kid: randomUUID() })));
    const codes = await Promise.all(tokens.map((t, i) => (i % 2 === 0 ? target.grpc(t) : target.rest(t))));
    expect(new Set(codes)).toEqual(new Set([Code.Unauthenticated, 401]));
    expect(issuer.jwksFetches - before).toBeLessThanOrEqual(1);
  });

  it("keeps health, /docs and /openapi.json open without a token", async () => {
    expect((await fetch(`${target.base}/health`)).status).toBe(200);
    expect((await fetch(`${target.base}/docs`)).status).toBe(200);
    expect((await fetch(`${target.base}/openapi.json`)).status).toBe(200);
    const health = createClient(Health, transport(target.base));
    expect((await health.check({ service: "" })).status).toBe(1);
  });
});

describe.each([
  ["FeatureServer", startFeatureServer],
  ["RegistryServer", startRegistryServer],
])("%s with auth kubernetes", (_name, start) => {
  let api: FakeKubeApi;
  let target: Target;

  beforeAll(async () => {
    api = await startFakeKubeApi();
    api.addServiceAccount("feast", "reader", "reader-token");
    api.roleBindings.push({
      name: "readers",
      namespace: "feast",
      roleName: "feast-reader",
      subjects: [{ kind: "ServiceAccount", name: "reader", namespace: "feast" }],
    });
    target = await start(validateAuthConfig({ type: "kubernetes", api_server_url: api.url, namespace: "feast" }));
  });
  afterAll(async () => {
    await target.close();
    await api.close().catch(() => undefined); // already closed by the outage test
  });

  it("refuses a forged service-account token that TokenReview does not authenticate", async () => {
    const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString("base64url");
    const forged = `${part({ alg: "RS256" })}.${part({ sub: "system:serviceaccount:feast:reader" })}.c2ln`;
    const reviews = api.tokenReviews;
    expect(await target.grpc(forged)).toBe(Code.Unauthenticated);
    expect(await target.rest(forged)).toBe(401);
    // One review: the refusal is remembered, so the REST call is refused without asking again.
    expect(api.tokenReviews).toBe(reviews + 1);
    expect(await target.grpc()).toBe(Code.Unauthenticated);
  });

  it("accepts a reviewed service-account token with its roles and namespace", async () => {
    expect(await target.grpc("reader-token")).toBe("ok");
    expect(await target.rest("reader-token")).toBe(target.restOk);
    expect(target.seen.at(-1)).toEqual({
      username: "feast:reader",
      roles: ["feast-reader"],
      groups: ["system:serviceaccounts", "system:serviceaccounts:feast", "system:authenticated"],
      namespaces: ["feast"],
      source: "kubernetes",
    });
  });

  it("answers UNAVAILABLE / 503 while the API server is down", async () => {
    await api.close();
    expect(await target.grpc("another-token")).toBe(Code.Unavailable);
    expect(await target.rest("another-token")).toBe(503);
  });
});
