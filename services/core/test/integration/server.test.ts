import { request as httpRequest } from "node:http";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import * as https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@larder/gen/es/grpc/health/v1/health_pb";
import {
  GetOnlineFeaturesRequestSchema,
  GetServingInfoRequestSchema,
  GetServingInfoResponseSchema,
  ServingService,
} from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { afterEach, describe, expect, it } from "vitest";
import { createServer, silentLogger, type LarderServer, type ServerOptionsInput } from "../../src/index.js";
import { slowServingInfo } from "../../../../test/fixtures/slow-serving-info.js";
import { REPO_ROOT, run } from "../../../../test/harness/processes.js";
import { RawGrpcClient } from "./grpc-client.js";

const SERVING_INFO = "/larder.serving.v1.ServingService/GetServingInfo";
const HEALTH_CHECK = "/grpc.health.v1.Health/Check";

let server: LarderServer | undefined;
let clients: RawGrpcClient[] = [];

async function start(options: ServerOptionsInput = {}, observed = { aborted: 0 }): Promise<number> {
  server = createServer(options, silentLogger());
  server.addService(ServingService, {
    ...slowServingInfo(observed),
    getOnlineFeatures() {
      throw new Error('relation "secret_table" does not exist');
    },
  });
  const { port } = await server.listen();
  return port;
}

function client(port: number): RawGrpcClient {
  const c = new RawGrpcClient(port);
  clients.push(c);
  return c;
}

function healthBytes(service = ""): Uint8Array {
  return toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service }));
}

function servingInfoBytes(): Uint8Array {
  return toBinary(GetServingInfoRequestSchema, create(GetServingInfoRequestSchema));
}

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server?.shutdown();
  server = undefined;
});

describe("LarderServer on one port", () => {
  it("answers gRPC health, REST /health and Connect JSON from the same port", async () => {
    const port = await start();
    const healthReply = await client(port).unary(HEALTH_CHECK, healthBytes());
    expect(fromBinary(HealthCheckResponseSchema, healthReply).status).toBe(ServingStatus.SERVING);

    const named = await client(port).unary(HEALTH_CHECK, healthBytes("larder.serving.v1.ServingService"));
    expect(fromBinary(HealthCheckResponseSchema, named).status).toBe(ServingStatus.SERVING);

    const rest = await fetch(`http://127.0.0.1:${port}/health`);
    expect(rest.status).toBe(200);

    const connect = await fetch(`http://127.0.0.1:${port}${SERVING_INFO}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(connect.status).toBe(200);
    expect(await connect.json()).toEqual({ version: "scaffold-test" });

    const grpcReply = await client(port).unary(SERVING_INFO, servingInfoBytes());
    expect(fromBinary(GetServingInfoResponseSchema, grpcReply).version).toBe("scaffold-test");
  });

  it("answers `buf curl` over gRPC with HTTP/2 prior knowledge", async () => {
    const port = await start();
    const result = await run(join(REPO_ROOT, "node_modules/.bin/buf"), [
      "curl",
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      "--schema",
      join(REPO_ROOT, "proto"),
      `http://127.0.0.1:${port}${HEALTH_CHECK}`,
    ]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ status: "SERVING" });
  });

  it("answers NOT_FOUND for the health of an unknown service", async () => {
    const port = await start();
    await expect(client(port).unary(HEALTH_CHECK, healthBytes("no.such.Service"))).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
  });
});

describe("LarderServer bad input", () => {
  it("answers UNIMPLEMENTED for an unknown gRPC method and keeps serving", async () => {
    const port = await start();
    await expect(
      client(port).unary("/larder.serving.v1.ServingService/NoSuchMethod", new Uint8Array()),
    ).rejects.toMatchObject({
      code: grpc.status.UNIMPLEMENTED,
    });
    const reply = await client(port).unary(SERVING_INFO, servingInfoBytes());
    expect(fromBinary(GetServingInfoResponseSchema, reply).version).toBe("scaffold-test");
  });

  it("answers INVALID_ARGUMENT for bytes that are not a valid protobuf message", async () => {
    const port = await start();
    // Field 1, wire type 2 (length-delimited) claiming 100 bytes that are not there.
    const garbage = Uint8Array.from([0x0a, 0x64, 0x01]);
    await expect(
      client(port).unary(HEALTH_CHECK.replace("Health/Check", "Health/Check"), garbage),
    ).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
    await expect(client(port).unary(SERVING_INFO, garbage)).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
    const reply = await client(port).unary(SERVING_INFO, servingInfoBytes());
    expect(fromBinary(GetServingInfoResponseSchema, reply).version).toBe("scaffold-test");
  });

  it("answers RESOURCE_EXHAUSTED for a gRPC message over the size limit", async () => {
    const port = await start({ maxMessageBytes: 64 * 1024 });
    const big = toBinary(
      GetOnlineFeaturesRequestSchema,
      create(GetOnlineFeaturesRequestSchema, { kind: { case: "featureService", value: "x".repeat(100 * 1024) } }),
    );
    await expect(client(port).unary("/larder.serving.v1.ServingService/GetOnlineFeatures", big)).rejects.toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
    });
    const reply = await client(port).unary(SERVING_INFO, servingInfoBytes());
    expect(fromBinary(GetServingInfoResponseSchema, reply).version).toBe("scaffold-test");
  });

  it("answers 400 for invalid JSON, 404 for an unknown path, 429 or 413 over the size limit", async () => {
    const port = await start({ maxMessageBytes: 64 * 1024 });
    const base = `http://127.0.0.1:${port}`;
    const invalid = await fetch(`${base}${SERVING_INFO}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(invalid.status).toBe(400);
    const wrongField = await fetch(`${base}${SERVING_INFO}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ noSuchField: 1 }),
    });
    expect(wrongField.status).toBe(400);
    const unknown = await fetch(`${base}/no-such-path`, { method: "POST", body: "{}" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: "not_found" });
    const big = JSON.stringify({ featureService: "x".repeat(100 * 1024) });
    const overConnect = await fetch(`${base}/larder.serving.v1.ServingService/GetOnlineFeatures`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(overConnect.status).toBe(429);
    server?.addRoute({ method: "POST", path: "/echo", handler: (req) => ({ json: req.body }) });
    const overRest = await fetch(`${base}/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(overRest.status).toBe(413);
    const ok = await fetch(`${base}/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"a":1}',
    });
    expect(await ok.json()).toEqual({ a: 1 });
    const badRest = await fetch(`${base}/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(badRest.status).toBe(400);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it("gives a REST route its HTTP method, path, query, headers and body, and interceptors the RPC's name", async () => {
    const port = await start();
    const seen: string[] = [];
    server?.addInterceptor({
      name: "probe",
      enter: (call) => void seen.push(`${call.protocol} ${call.service}/${call.method}`),
    });
    server?.addRoute({
      method: "POST",
      path: "/probe",
      service: "test.Probe",
      rpc: "Look",
      handler: (req) => ({
        json: {
          method: req.method,
          path: req.path,
          q: req.query.get("q"),
          header: req.headers.get("x-probe"),
          body: req.body,
          aborted: req.signal.aborted,
        },
      }),
    });
    const answer = await fetch(`http://127.0.0.1:${port}/probe?q=a%20b`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-probe": "yes" },
      body: '{"n":1}',
    });
    expect(await answer.json()).toEqual({
      method: "POST",
      path: "/probe",
      q: "a b",
      header: "yes",
      body: { n: 1 },
      aborted: false,
    });
    expect(seen).toEqual(["rest test.Probe/Look"]);
    // A target the plain split does not read as the URL parser does still routes by the parsed path
    // (node:http sends it as written; fetch would normalise it first).
    const dotted = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, method: "POST", path: "/x/../probe?q=1" }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end("{}");
    });
    expect(dotted).toBe(200);
  });

  it("answers INTERNAL with a generic message for an unmapped error, never its text", async () => {
    const port = await start();
    const error = await client(port)
      .unary("/larder.serving.v1.ServingService/GetOnlineFeatures", new Uint8Array())
      .then(
        () => undefined,
        (e: grpc.ServiceError) => e,
      );
    expect(error?.code).toBe(grpc.status.INTERNAL);
    expect(error?.details).not.toContain("secret_table");
    const rest = await fetch(`http://127.0.0.1:${port}/larder.serving.v1.ServingService/GetOnlineFeatures`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(rest.status).toBe(500);
    expect(await rest.text()).not.toContain("secret_table");
  });
});

describe("LarderServer limits and deadlines", () => {
  it("refuses calls past maxConcurrentCalls at once with RESOURCE_EXHAUSTED; health bypasses the limit", async () => {
    const port = await start({ maxConcurrentCalls: 2 });
    const c = client(port);
    const slow = [1, 2].map(() => c.unary(SERVING_INFO, servingInfoBytes(), { "x-test-delay-ms": "1000" }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server?.inFlight).toBe(2);
    const started = Date.now();
    await expect(c.unary(SERVING_INFO, servingInfoBytes())).rejects.toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
    });
    expect(Date.now() - started).toBeLessThan(500);
    const rest = await fetch(`http://127.0.0.1:${port}${SERVING_INFO}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(rest.status).toBe(429);
    const health = await c.unary(HEALTH_CHECK, healthBytes());
    expect(fromBinary(HealthCheckResponseSchema, health).status).toBe(ServingStatus.SERVING);
    await Promise.all(slow);
  });

  it("propagates the client's deadline into the handler as an aborted signal", async () => {
    const observed = { aborted: 0 };
    const port = await start({}, observed);
    await expect(
      client(port).unary(SERVING_INFO, servingInfoBytes(), { "x-test-delay-ms": "5000" }, 200),
    ).rejects.toMatchObject({
      code: grpc.status.DEADLINE_EXCEEDED,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(observed.aborted).toBe(1);
    expect(server?.inFlight).toBe(0);
  });

  it("finishes calls in flight during shutdown and reports NOT_SERVING", async () => {
    const port = await start({ shutdownGraceMs: 5_000 });
    const c = client(port);
    const inFlight = c.unary(SERVING_INFO, servingInfoBytes(), { "x-test-delay-ms": "500" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopping = server!.shutdown();
    expect(server?.health.serving).toBe(false);
    const reply = await inFlight;
    expect(fromBinary(GetServingInfoResponseSchema, reply).version).toBe("scaffold-test");
    await stopping;
    server = undefined;
  });
});

describe("LarderServer with TLS", () => {
  it("serves gRPC (ALPN h2) and HTTPS on one port", async () => {
    const dir = mkdtempSync(join(tmpdir(), "larder-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    const cert = readFileSync(join(dir, "cert.pem"));
    const port = await start({ tls: { keyPem: readFileSync(join(dir, "key.pem")), certPem: cert } });

    const secure = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createSsl(cert), {
      "grpc.ssl_target_name_override": "localhost",
    });
    const reply = await new Promise<Buffer>((resolve, reject) => {
      secure.makeUnaryRequest(
        HEALTH_CHECK,
        (b: Uint8Array) => Buffer.from(b),
        (b: Buffer) => b,
        healthBytes(),
        (e, v) => (e !== null ? reject(e) : resolve(v ?? Buffer.alloc(0))),
      );
    });
    secure.close();
    expect(fromBinary(HealthCheckResponseSchema, reply).status).toBe(ServingStatus.SERVING);

    const status = await new Promise<number | undefined>((resolve, reject) => {
      https
        .get({ host: "127.0.0.1", port, path: "/health", ca: cert, servername: "localhost" }, (res) => {
          res.resume();
          resolve(res.statusCode);
        })
        .on("error", reject);
    });
    expect(status).toBe(200);
  });
});
