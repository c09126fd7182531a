import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Code,
  ConnectError,
  createTokenProvider,
  kPrincipal,
  oidcGrantProvider,
  silentLogger,
  validateAuthConfig,
  type LarderServer,
  type Principal,
} from "@larder/core";
import { RegistryStore, RemoteRegistry, createRegistryServer, createSqliteBackend } from "@larder/registry";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { oidcAuthYaml, startOidcIssuer, type OidcIssuer } from "../harness/oidc-issuer.js";

// Client-side tokens against a real issuer's token endpoint and a RegistryServer with auth oidc:
// tokens are cached and refreshed before they expire, and an UNAUTHENTICATED answer makes the client
// refresh once and retry once.

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let issuer: OidcIssuer;
let server: LarderServer;
let target: string;
const seen: Principal[] = [];

beforeAll(async () => {
  issuer = await startOidcIssuer({
    users: { alice: { password: "alice-pw", claims: { roles: ["writer"] } } },
  });
  const dir = await mkdtemp(join(tmpdir(), "larder-auth-client-"));
  await mkdir(join(dir, "data"));
  const store = await RegistryStore.open(createSqliteBackend(join(dir, "data", "registry.db")));
  // No clock tolerance: a token is refused the second it expires.
  const auth = validateAuthConfig(oidcAuthYaml(issuer, { clock_tolerance_seconds: 0 }));
  server = createRegistryServer(store, { server: { port: 0 }, auth }, silentLogger());
  server.addInterceptor({ name: "test-recorder", enter: (call) => void seen.push(call.values.get(kPrincipal)) });
  const { port } = await server.listen();
  target = `127.0.0.1:${port}`;
});
afterAll(async () => {
  await server.shutdown();
  await issuer.close();
});
afterEach(() => {
  issuer.tokenLifetimeSeconds = 300;
  issuer.advertisedExpiresInSeconds = undefined;
  issuer.tokenAudience = "larder";
});

function clientConfig(extra: Record<string, unknown> = {}) {
  return validateAuthConfig(oidcAuthYaml(issuer, { client_secret: "larder-secret", ...extra }));
}

describe("oidcGrantProvider", () => {
  it("caches a token and shares one request between concurrent callers", async () => {
    const provider = oidcGrantProvider({
      discoveryUrl: issuer.discoveryUrl,
      clientId: "larder",
      clientSecret: "larder-secret",
    });
    const before = issuer.issuedTokens;
    const tokens = await Promise.all([provider.token(), provider.token(), provider.token()]);
    expect(new Set(tokens).size).toBe(1);
    expect(await provider.token()).toBe(tokens[0]);
    expect(issuer.issuedTokens - before).toBe(1);
  });

  it("refreshes a short-lived token before it expires", async () => {
    issuer.tokenLifetimeSeconds = 3;
    const provider = oidcGrantProvider({
      discoveryUrl: issuer.discoveryUrl,
      clientId: "larder",
      clientSecret: "larder-secret",
      refreshMarginSeconds: 1,
    });
    const before = issuer.issuedTokens;
    const first = await provider.token();
    const firstExpMs = Date.now() + 3000;
    await sleep(1200);
    expect(await provider.token()).toBe(first);
    await sleep(1000); // now past exp − margin, still before exp
    const second = await provider.token();
    expect(Date.now()).toBeLessThan(firstExpMs);
    expect(second).not.toBe(first);
    expect(issuer.issuedTokens - before).toBe(2);
  });

  it("refuses bad client credentials with UNAUTHENTICATED naming what to check", async () => {
    const provider = oidcGrantProvider({ discoveryUrl: issuer.discoveryUrl, clientId: "larder", clientSecret: "nope" });
    await expect(provider.token()).rejects.toMatchObject({ code: Code.Unauthenticated });
  });
});

describe("RemoteRegistry with a token provider", () => {
  it("calls a RegistryServer with auth using a client-credentials token", async () => {
    const registry = new RemoteRegistry({ target, tokenProvider: createTokenProvider(clientConfig()) });
    await expect(registry.version()).resolves.toMatchObject({ version: expect.any(BigInt) as unknown });
    expect(seen.at(-1)?.username).toBe("service-account-larder");
  });

  it("uses the password grant when username and password are set", async () => {
    const provider = createTokenProvider(clientConfig({ username: "alice", password: "alice-pw" }));
    await new RemoteRegistry({ target, tokenProvider: provider }).version();
    expect(seen.at(-1)).toMatchObject({ username: "alice", roles: ["writer"] });
  });

  it("is refused without a token", async () => {
    const registry = new RemoteRegistry({
      target,
      tokenProvider: createTokenProvider(validateAuthConfig("no_auth"), { env: {} }),
    });
    await expect(registry.version()).rejects.toMatchObject({ code: Code.Unauthenticated });
  });

  it("refreshes once and retries once when the server answers UNAUTHENTICATED", async () => {
    // The token really lives 1 s but the issuer says an hour, so the client still holds it when the server refuses it.
    issuer.tokenLifetimeSeconds = 1;
    issuer.advertisedExpiresInSeconds = 3600;
    const registry = new RemoteRegistry({ target, tokenProvider: createTokenProvider(clientConfig()) });
    await registry.version();
    const before = issuer.tokenRequests;
    await sleep(2100);
    issuer.tokenLifetimeSeconds = 300;
    await expect(registry.version()).resolves.toBeDefined();
    expect(issuer.tokenRequests - before).toBe(1);
  });

  it("gives up after one retry when the fresh token is refused too", async () => {
    issuer.tokenLifetimeSeconds = 1;
    issuer.advertisedExpiresInSeconds = 3600;
    const registry = new RemoteRegistry({ target, tokenProvider: createTokenProvider(clientConfig()) });
    await registry.version();
    await sleep(2100);
    issuer.tokenAudience = "someone-else";
    const before = issuer.tokenRequests;
    const error = await registry.version().then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(error?.code).toBe(Code.Unauthenticated);
    expect(issuer.tokenRequests - before).toBe(1);
  });
});

describe("createTokenProvider", () => {
  it("prefers auth.token, then token_env_var, then LARDER_AUTH_TOKEN", async () => {
    const env = { MY_TOKEN: "from-my-env", LARDER_AUTH_TOKEN: "from-larder-env" };
    const fixed = validateAuthConfig({ type: "oidc", token: "fixed" });
    expect(await createTokenProvider(fixed, { env }).token()).toBe("fixed");
    const named = validateAuthConfig({ type: "oidc", token_env_var: "MY_TOKEN" });
    expect(await createTokenProvider(named, { env }).token()).toBe("from-my-env");
    expect(await createTokenProvider(named, { env: { LARDER_AUTH_TOKEN: "from-larder-env" } }).token()).toBe(
      "from-larder-env",
    );
    expect(await createTokenProvider(validateAuthConfig("no_auth"), { env }).token()).toBe("from-larder-env");
    const missing = join(tmpdir(), `no-such-${randomUUID()}`);
    expect(
      await createTokenProvider(validateAuthConfig("no_auth"), { env: {}, serviceAccountTokenPath: missing }).token(),
    ).toBeUndefined();
  });

  it("reads the mounted service-account token for kubernetes, re-reading it after invalidate", async () => {
    const dir = await mkdtemp(join(tmpdir(), "larder-sa-client-"));
    const path = join(dir, "token");
    await writeFile(path, "sa-token-1\n");
    const provider = createTokenProvider(validateAuthConfig("kubernetes"), { env: {}, serviceAccountTokenPath: path });
    expect(await provider.token()).toBe("sa-token-1");
    await writeFile(path, "sa-token-2\n");
    expect(await provider.token()).toBe("sa-token-1");
    provider.invalidate();
    expect(await provider.token()).toBe("sa-token-2");
    const user = validateAuthConfig({ type: "kubernetes", user_token: "user-token" });
    expect(await createTokenProvider(user, { env: {}, serviceAccountTokenPath: path }).token()).toBe("user-token");
  });
});
