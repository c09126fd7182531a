// The Docker image's entrypoint (deploy/docker/entrypoint.sh) run as a plain process, the way the Helm
// chart runs it: `larder --chdir=/etc/larder serve-registry|serve|worker ...` with feature_store.yaml
// files shaped like the chart's ConfigMap (PostgreSQL registry URL from the environment, the FeatureServer
// and worker reading the RegistryServer), a private TMPDIR standing in for the pod's /tmp emptyDir.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@larder/gen/es/grpc/health/v1/health_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.js";
import { REPO_ROOT, spawnProcess, type SpawnedProcess } from "../harness/processes.js";
import { startPrivateRedis, type PrivateRedis } from "../harness/redis.js";

const ENTRYPOINT = join(REPO_ROOT, "deploy/docker/entrypoint.sh");

let db: TestDatabase;
let redis: PrivateRedis;
let work: string;
const spawned: SpawnedProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await startPrivateRedis();
  work = mkdtempSync(join(tmpdir(), "larder-deploy-"));
});

afterAll(async () => {
  await Promise.all(spawned.splice(0).map((p) => p.stop(3_000)));
  await redis.stop();
  await db.drop();
  rmSync(work, { recursive: true, force: true });
});

/** A config folder like the chart's /etc/larder mount. */
function configDir(name: string, yaml: string): string {
  const dir = mkdtempSync(join(work, `${name}-`));
  writeFileSync(join(dir, "feature_store.yaml"), yaml);
  return dir;
}

function entrypoint(args: string[], env: Record<string, string> = {}): SpawnedProcess {
  const tmp = mkdtempSync(join(work, "tmp-"));
  const proc = spawnProcess("sh", [ENTRYPOINT, ...args], {
    cwd: work,
    env: { LARDER_HOME: REPO_ROOT, TMPDIR: tmp, ...env },
  });
  spawned.push(proc);
  return proc;
}

function healthCheck(port: number): Promise<ServingStatus> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const body = Buffer.from(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service: "" })));
  return new Promise<ServingStatus>((resolve, reject) => {
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      new grpc.Metadata(),
      { deadline: Date.now() + 5_000 },
      (error, reply) => {
        client.close();
        if (error !== null) reject(error);
        else resolve(fromBinary(HealthCheckResponseSchema, reply ?? Buffer.alloc(0)).status);
      },
    );
  });
}

const STORES = (redisPort: number): string =>
  [
    "online_store:",
    "  type: redis",
    `  connection_string: "127.0.0.1:${redisPort}"`,
    "batch_engine:",
    "  type: bullmq",
    `  redis_url: "redis://127.0.0.1:${redisPort}"`,
    "  queue_name: deploy-test",
    "",
  ].join("\n");

describe("the Docker entrypoint as a plain process", () => {
  let registryPort = 0;

  it("refuses to start without a Larder installation at LARDER_HOME", async () => {
    const proc = spawnProcess("sh", [ENTRYPOINT, "--help"], { env: { LARDER_HOME: join(work, "nowhere") } });
    const { code } = await proc.exited;
    expect(code).toBe(127);
    expect(proc.stderr()).toContain("no Larder installation at LARDER_HOME=");
  });

  it("starts serve-registry on PostgreSQL from the environment, answers gRPC health, and ages connections out", async () => {
    const dir = configDir(
      "registry",
      `project: deploy_demo\nregistry:\n  registry_type: sql\n  path: \${LARDER_REGISTRY_URL}\n${STORES(redis.port)}`,
    );
    const proc = entrypoint(
      [`--chdir=${dir}`, "serve-registry", "--host=127.0.0.1", "--port=0", "--max-connection-age-ms=1500"],
      { LARDER_REGISTRY_URL: db.url },
    );
    const match = await proc.waitFor(/Registry server listening on [^:]+:(\d+)/, 60_000);
    registryPort = Number(match[1]);
    expect(await healthCheck(registryPort)).toBe(ServingStatus.SERVING);

    // --max-connection-age-ms reaches the server: an idle HTTP/2 connection gets a GOAWAY after ~1.5 s.
    const session = http2.connect(`http://127.0.0.1:${registryPort}`);
    const started = Date.now();
    const goaway = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no GOAWAY within 10 s")), 10_000);
      session.once("goaway", () => {
        clearTimeout(timer);
        resolve(Date.now() - started);
      });
      session.once("error", reject);
    });
    session.destroy();
    expect(goaway).toBeGreaterThanOrEqual(1_000);
    expect(goaway).toBeLessThan(8_000);
  });

  it("starts serve against the RegistryServer and Redis, answers health, and exits 0 on SIGTERM", async () => {
    expect(registryPort).toBeGreaterThan(0);
    const dir = configDir(
      "server",
      `project: deploy_demo\nregistry:\n  registry_type: remote\n  path: 127.0.0.1:${registryPort}\n${STORES(redis.port)}`,
    );
    const proc = entrypoint([
      `--chdir=${dir}`,
      "serve",
      "--host=127.0.0.1",
      "--port=0",
      "--grace-ms=2000",
      "--max-connection-age-ms=300000",
    ]);
    const match = await proc.waitFor(/Feature server listening on [^:]+:(\d+)/, 60_000);
    const port = Number(match[1]);
    expect(await healthCheck(port)).toBe(ServingStatus.SERVING);
    const rest = await fetch(`http://127.0.0.1:${port}/health`);
    expect(rest.status).toBe(200);
    // exec: the signal reaches Node itself, which shuts down gracefully.
    const exit = await proc.stop(10_000);
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it("starts a worker on the bullmq queue and stops it cleanly on SIGTERM", async () => {
    expect(registryPort).toBeGreaterThan(0);
    const dir = configDir(
      "worker",
      `project: deploy_demo\nregistry:\n  registry_type: remote\n  path: 127.0.0.1:${registryPort}\n${STORES(redis.port)}`,
    );
    const proc = entrypoint([`--chdir=${dir}`, "worker", "--concurrency=2"]);
    await proc.waitFor(/Worker ready \(queue deploy-test\)/, 60_000);
    const exit = await proc.stop(10_000);
    expect(exit.code).toBe(0);
    expect(proc.stdout()).toContain("Worker stopped");
  });

  it("passes a command's exit code through (a worker without bullmq is a client mistake: 2)", async () => {
    const dir = configDir("local", "project: deploy_demo\nregistry: data/registry.db\n");
    const proc = entrypoint([`--chdir=${dir}`, "worker"]);
    const { code } = await proc.exited;
    expect(code).toBe(2);
    expect(proc.stderr()).toContain("larder worker needs batch_engine type bullmq");
  });
});

describe("the Dockerfile", () => {
  const dockerfile = readFileSync(join(REPO_ROOT, "deploy/docker/Dockerfile"), "utf8");
  const workspaces = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { workspaces: string[] })
    .workspaces;

  it("copies every workspace's manifest before npm ci, so the install layer matches the lockfile", () => {
    const install = dockerfile.indexOf("RUN npm ci --omit=dev");
    expect(install).toBeGreaterThan(0);
    for (const workspace of workspaces) {
      const copy = dockerfile.indexOf(`COPY ${workspace}/package.json ${workspace}/`);
      expect(copy, `${workspace}/package.json is not copied`).toBeGreaterThan(0);
      expect(copy).toBeLessThan(install);
      // The sources: the workspace folder itself or a parent folder (services/) is copied.
      const copied = [...dockerfile.matchAll(/^COPY (\S+) (\S+)$/gm)].map((m) => m[1]!);
      const covered = copied.some((dir) => workspace === dir || workspace.startsWith(`${dir}/`));
      expect(covered, `${workspace} sources are not copied`).toBe(true);
    }
  });

  it("runs as a numeric non-root user with the larder entrypoint", () => {
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/m);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-slim$/m);
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["larder"\]$/m);
    expect(dockerfile).toContain("COPY deploy/docker/entrypoint.sh /usr/local/bin/larder");
  });

  it("needs nothing at run time that npm ci --omit=dev leaves out (tsx is a runtime dependency of the CLI)", () => {
    const cli = JSON.parse(readFileSync(join(REPO_ROOT, "cli/package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(cli.dependencies.tsx).toBeDefined();
  });
});
