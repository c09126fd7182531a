import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { RegistryService } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { ServingService } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { larder, spawnLarder } from "../harness/larder-cli.js";
import { oidcAuthYaml, startOidcIssuer, type OidcIssuer } from "../harness/oidc-issuer.js";
import type { SpawnedProcess } from "../harness/processes.js";

// `larder serve-registry` and `larder serve` as a user runs them, with `auth: oidc` in
// feature_store.yaml and `--key/--cert` (and `--ca --require-client-cert`): gRPC and HTTPS on one TLS
// port, tokens checked, and the CLI as a client of the remote registry fetching its own token.

interface Pki {
  readonly dir: string;
  readonly ca: Buffer;
  readonly clientKey: Buffer;
  readonly clientCert: Buffer;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

/** A throwaway CA, a server certificate for 127.0.0.1/localhost and a client certificate, all signed by it. */
function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), "larder-pki-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(dir, [
    "req",
    "-x509",
    ...ec,
    "-days",
    "1",
    "-subj",
    "/CN=Larder Test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
  ]);
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  for (const [name, ext] of [
    ["server", ["-extfile", "server.ext"]],
    ["client", []],
  ] as const) {
    openssl(dir, ["req", ...ec, "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`]);
    openssl(dir, [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "1",
      "-out",
      `${name}.crt`,
      ...ext,
    ]);
  }
  return {
    dir,
    ca: readFileSync(join(dir, "ca.crt")),
    clientKey: readFileSync(join(dir, "client.key")),
    clientCert: readFileSync(join(dir, "client.crt")),
  };
}

function httpsGet(
  url: string,
  options: { ca: Buffer; token?: string; method?: string; body?: string; key?: Buffer; cert?: Buffer },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: options.method ?? "GET",
        ca: options.ca,
        ...(options.key === undefined ? {} : { key: options.key, cert: options.cert }),
        headers: {
          "content-type": "application/json",
          ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

function grpcTransport(port: number, pki: Pki, token?: string, clientCert = false) {
  const bearer: Interceptor = (next) => (req) => {
    if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  return createGrpcTransport({
    baseUrl: `https://127.0.0.1:${port}`,
    interceptors: [bearer],
    nodeOptions: { ca: pki.ca, ...(clientCert ? { key: pki.clientKey, cert: pki.clientCert } : {}) },
  });
}

async function codeOf(call: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

let pki: Pki;
let issuer: OidcIssuer;
let serverRepo: string;

beforeAll(async () => {
  pki = makePki();
  issuer = await startOidcIssuer();
  serverRepo = mkdtempSync(join(tmpdir(), "larder-auth-server-"));
  // YAML is a superset of JSON: the auth mapping goes in as a flow mapping.
  writeFileSync(
    join(serverRepo, "feature_store.yaml"),
    `project: secured\nregistry: data/registry.db\nauth: ${JSON.stringify(oidcAuthYaml(issuer))}\n`,
  );
});

afterAll(async () => {
  await issuer.close();
});

describe("larder serve-registry --key --cert with auth oidc", () => {
  let server: SpawnedProcess;
  let port: number;
  const path = `/${RegistryService.typeName}/GetVersion`;

  beforeAll(async () => {
    server = spawnLarder([
      "-c",
      serverRepo,
      "serve-registry",
      "--port",
      "0",
      "--key",
      join(pki.dir, "server.key"),
      "--cert",
      join(pki.dir, "server.crt"),
    ]);
    port = Number((await server.waitFor(/listening on [^:]+:(\d+)/))[1]);
  });
  afterAll(async () => {
    await server.stop();
  });

  it("answers gRPC over TLS only with a valid token", async () => {
    const token = await issuer.sign({ preferred_username: "alice" });
    expect(await codeOf(createClient(RegistryService, grpcTransport(port, pki, token)).getVersion({}))).toBe("ok");
    expect(await codeOf(createClient(RegistryService, grpcTransport(port, pki)).getVersion({}))).toBe(
      Code.Unauthenticated,
    );
    const expired = await issuer.sign({ preferred_username: "alice" }, { expiresInSeconds: -60 });
    expect(await codeOf(createClient(RegistryService, grpcTransport(port, pki, expired)).getVersion({}))).toBe(
      Code.Unauthenticated,
    );
  });

  it("answers HTTPS: health open, calls 401 without a token and 200 with one", async () => {
    const base = `https://127.0.0.1:${port}`;
    expect(await httpsGet(`${base}/health`, { ca: pki.ca })).toBe(200);
    expect(await httpsGet(`${base}/docs`, { ca: pki.ca })).toBe(200);
    expect(await httpsGet(`${base}${path}`, { ca: pki.ca, method: "POST", body: "{}" })).toBe(401);
    const token = await issuer.sign({ preferred_username: "alice" });
    expect(await httpsGet(`${base}${path}`, { ca: pki.ca, method: "POST", body: "{}", token })).toBe(200);
  });

  it("lets the CLI use it as a remote registry with a client-credentials token over TLS", async () => {
    const clientRepo = mkdtempSync(join(tmpdir(), "larder-auth-client-"));
    const registryYaml = `registry:\n  registry_type: remote\n  path: 127.0.0.1:${port}\n  tls: true\n  cert: ${join(pki.dir, "ca.crt")}\n`;
    const auth = oidcAuthYaml(issuer, { client_secret: "larder-secret" });
    writeFileSync(
      join(clientRepo, "feature_store.yaml"),
      `project: secured\n${registryYaml}auth: ${JSON.stringify(auth)}\n`,
    );
    const before = issuer.issuedTokens;
    const listed = await larder(["entities", "list"], { cwd: clientRepo });
    expect(listed.stderr).toBe("");
    expect(listed.code).toBe(0);
    expect(issuer.issuedTokens - before).toBe(1);

    // Without credentials the same command is refused, with the code in the error line.
    const anonymous = mkdtempSync(join(tmpdir(), "larder-auth-anon-"));
    writeFileSync(join(anonymous, "feature_store.yaml"), `project: secured\n${registryYaml}`);
    const refused = await larder(["entities", "list"], { cwd: anonymous, env: { LARDER_AUTH_TOKEN: undefined } });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.toLowerCase()).toContain("unauthenticated");

    // A token in LARDER_AUTH_TOKEN is enough.
    const token = await issuer.sign({ preferred_username: "ci" });
    const withEnv = await larder(["entities", "list"], { cwd: anonymous, env: { LARDER_AUTH_TOKEN: token } });
    expect(withEnv.code).toBe(0);
  });
});

describe("larder serve --key --cert --ca --require-client-cert with auth oidc", () => {
  let server: SpawnedProcess;
  let port: number;

  beforeAll(async () => {
    server = spawnLarder([
      "-c",
      serverRepo,
      "serve",
      "--port",
      "0",
      "--key",
      join(pki.dir, "server.key"),
      "--cert",
      join(pki.dir, "server.crt"),
      "--ca",
      join(pki.dir, "ca.crt"),
      "--require-client-cert",
    ]);
    port = Number((await server.waitFor(/listening on [^:]+:(\d+)/, 60_000))[1]);
  });
  afterAll(async () => {
    await server.stop();
  });

  it("refuses a client without a certificate at the TLS handshake", async () => {
    await expect(httpsGet(`https://127.0.0.1:${port}/health`, { ca: pki.ca })).rejects.toThrow();
  });

  it("serves a client with a certificate, still asking for a token", async () => {
    const withCert = { ca: pki.ca, key: pki.clientKey, cert: pki.clientCert };
    expect(await httpsGet(`https://127.0.0.1:${port}/health`, withCert)).toBe(200);
    const body = JSON.stringify({ features: ["nope:x"], entities: { driver_id: [1] } });
    const url = `https://127.0.0.1:${port}/get-online-features`;
    expect(await httpsGet(url, { ...withCert, method: "POST", body })).toBe(401);
    const token = await issuer.sign({ preferred_username: "alice" });
    expect(await httpsGet(url, { ...withCert, method: "POST", body, token })).toBe(404);
    const serving = (t?: string) => createClient(ServingService, grpcTransport(port, pki, t, true));
    expect(await codeOf(serving(token).getServingInfo({}))).toBe("ok");
    expect(await codeOf(serving().getServingInfo({}))).toBe(Code.Unauthenticated);
  });
});
