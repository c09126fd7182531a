import { Code, ConnectError } from "@connectrpc/connect";
import { ServingService } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { afterEach, describe, expect, it } from "vitest";
import { createServer, silentLogger, type CallInterceptor, type LarderServer } from "../../src/index.js";

let server: LarderServer | undefined;

afterEach(async () => {
  await server?.shutdown();
  server = undefined;
});

/** Starts a scaffold server with one documented REST route and, optionally, an interceptor. */
async function start(interceptor?: CallInterceptor): Promise<string> {
  server = createServer({}, silentLogger());
  server.addService(ServingService, { getServingInfo: () => ({ version: "docs-test" }) });
  server.addRoute({ method: "POST", path: "/echo", handler: (req) => ({ json: req.body }) });
  server.describeRoute({
    method: "POST",
    path: "/echo",
    summary: "Echoes the body",
    requestSchema: { type: "object" },
  });
  if (interceptor !== undefined) server.addInterceptor(interceptor);
  const { port } = await server.listen();
  return `http://127.0.0.1:${port}`;
}

const ASSETS = [
  ["/docs/assets/swagger-ui.css", "text/css"],
  ["/docs/assets/swagger-ui-bundle.js", "text/javascript"],
  ["/docs/assets/swagger-ui-standalone-preset.js", "text/javascript"],
] as const;

describe("LarderServer API docs", () => {
  it("serves /openapi.json with the registered services, health and documented routes", async () => {
    const base = await start();
    const response = await fetch(`${base}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/larder.serving.v1.ServingService/GetOnlineFeatures",
        "/larder.serving.v1.ServingService/GetServingInfo",
        "/grpc.health.v1.Health/Check",
        "/health",
        "/echo",
        "/openapi.json",
        "/docs",
      ]),
    );
  });

  it("serves the Swagger UI page and its assets from swagger-ui-dist", async () => {
    const base = await start();
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    for (const [path] of ASSETS) expect(html).toContain(path);
    expect(html).toContain("/openapi.json");
    expect(html).not.toMatch(/https?:\/\//);

    for (const [path, type] of ASSETS) {
      const asset = await fetch(`${base}${path}`);
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get("content-type")).toContain(type);
      expect(asset.headers.get("cache-control")).toMatch(/max-age=\d+/);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
  });

  it("keeps the docs open while an interceptor refuses every call", async () => {
    const seen: string[] = [];
    const refuseAll: CallInterceptor = {
      name: "refuse-all",
      enter(call) {
        seen.push(call.method);
        throw new ConnectError("no credentials", Code.Unauthenticated);
      },
    };
    const base = await start(refuseAll);
    const rpc = await fetch(`${base}/larder.serving.v1.ServingService/GetServingInfo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(rpc.status).toBe(401);
    expect(((await rpc.json()) as { code: string }).code).toBe("unauthenticated");
    const echo = await fetch(`${base}/echo`, { method: "POST", body: "{}" });
    expect(echo.status).toBe(401);

    for (const path of ["/openapi.json", "/docs", ...ASSETS.map(([p]) => p)]) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(200);
      await response.arrayBuffer();
    }
    expect(seen).toEqual(["GetServingInfo", "/echo"]);
  });
});
