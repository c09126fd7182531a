// `npm run bench -- push`: rows/s pushed over gRPC (PushService.Push, mode online) to a FeatureServer
// with a Redis online store, in batches of 1 and 100 rows of 10 features, beside a raw pipelined Redis
// write of the same rows in the same run: Larder's own keys and packed rows (read back after the push)
// SET again with ioredis, one pipeline per push-sized batch, as many in flight as the push client has.
// The FeatureServer runs pinned to core 0, the push client and the raw writer on core 1. The server's CPU
// time per pushed row (from /proc, user + system) is printed too: it survives a busy machine.
// Environment: LARDER_BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the FeatureServer there (on exit);
// LARDER_BENCH_PUSH_BASELINE=<module exporting mountPush> runs a second FeatureServer mounting that
// push implementation (e.g. a copy of services/push/src from before a change) and alternates the two
// on every shape, for an A/B in the same run; LARDER_BENCH_PUSH_SCALE=<fraction> sends that fraction of
// the requests (shorter runs on a busy machine; the CPU per row needs fewer).
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { DuckDBInstance } from "@duckdb/node-api";
import * as grpc from "@grpc/grpc-js";
import { defineRepoConfig, silentLogger, type RepoConfig } from "@larder/core";
import { PushMode, PushRequestSchema, PushResponseSchema } from "@larder/gen/es/larder/push/v1/push_service_pb";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { createOfflineStore } from "@larder/materialization";
import { mountPush } from "@larder/push";
import { openRegistry } from "@larder/registry";
import { Entity, FeatureStore, FeatureView, Field, FileSource, PushSource, ValueType, types } from "@larder/sdk";
import { createFeatureServer, createOnlineStore } from "@larder/serving";
import { Redis } from "ioredis";
import {
  killAllNow,
  nodeScript,
  pinningAvailable,
  processCpuMs,
  runToEnd,
  startServer,
  stopAll,
  type Server,
} from "./bench-process.js";

const REDIS_HOST = "127.0.0.1";
const REDIS_PORT = 6379;
const JOIN_KEY = "driver_id";
const FEATURES = 10;
const VIEW = "push_f10";
const PUSH_SOURCE = "bench_push";
const PUSH_PATH = "/larder.push.v1.PushService/Push";
/** Distinct entities the pushes spread over. */
const ENTITY_POOL = 10_000;

interface Shape {
  readonly batch: number;
  readonly requests: number;
  readonly inFlight: number;
}
const SHAPES: readonly Shape[] = [
  { batch: 1, requests: 20_000, inFlight: 32 },
  { batch: 100, requests: 600, inFlight: 8 },
];

const featureName = (i: number): string => `f${String(i).padStart(2, "0")}`;
const isFloat = (i: number): boolean => i % 2 === 0;

function benchConfig(project: string, repoPath: string): RepoConfig {
  return defineRepoConfig(
    {
      project,
      registry: "data/registry.db",
      online_store: { type: "redis", connection_string: `${REDIS_HOST}:${REDIS_PORT}` },
    },
    { repoPath },
  );
}

function definitions() {
  const driver = new Entity({ name: "driver", joinKeys: [JOIN_KEY], valueType: ValueType.INT64 });
  const batch = new FileSource({ name: "push_batch", path: "data/push.parquet", timestampField: "event_timestamp" });
  const push = new PushSource({ name: PUSH_SOURCE, batchSource: batch });
  const view = new FeatureView({
    name: VIEW,
    entities: [driver],
    ttl: 0,
    schema: Array.from(
      { length: FEATURES },
      (_, i) => new Field({ name: featureName(i), dtype: isFloat(i) ? types.Float32 : types.Int64 }),
    ),
    source: push,
  });
  return [driver, batch, push, view];
}

async function writeBatchSource(path: string): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const features = Array.from({ length: FEATURES }, (_, i) =>
      isFloat(i) ? `0.5::FLOAT AS ${featureName(i)}` : `1::BIGINT AS ${featureName(i)}`,
    );
    await connection.run(
      `COPY (SELECT 1::BIGINT AS ${JOIN_KEY}, TIMESTAMPTZ '2020-01-01 00:00:00+00' AS event_timestamp, ` +
        `${features.join(", ")}) TO '${path.replace(/'/g, "''")}' (FORMAT parquet)`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

// ---- children ----

/** The FeatureServer with push mounted, as `larder serve` builds it (or `mountModule`'s mountPush); prints `PORT <n>`. */
async function childServer(project: string, repoPath: string, mountModule: string): Promise<void> {
  const mount =
    mountModule === ""
      ? mountPush
      : ((await import(pathToFileURL(mountModule).href)) as { mountPush: typeof mountPush }).mountPush;
  const config = benchConfig(project, repoPath);
  const registry = await openRegistry(config.registry);
  const online = createOnlineStore(config.onlineStore);
  const pollIntervalMs = Math.round(config.registry.pollIntervalSeconds * 1000);
  const server = await createFeatureServer({
    project,
    server: { host: "127.0.0.1", port: 0, shutdownGraceMs: 1_000 },
    registry,
    onlineStore: online,
    registryPollIntervalMs: pollIntervalMs,
    maxEntityRows: config.featureServer.maxEntityRows,
    transformTimeoutMs: config.featureServer.transformationTimeoutMs,
    logger: silentLogger(),
  });
  await mount(server, {
    project,
    registry: { api: registry, pollIntervalMs },
    online,
    offline: createOfflineStore(config.offlineStore, { repoPath }),
    logger: silentLogger(),
    featureServer: config.featureServer,
  });
  const { port } = await server.listen();
  process.stdout.write(`PORT ${port}\n`);
  const stop = (): void => {
    void server.shutdown().finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

const int64 = (n: number): Value => create(ValueSchema, { val: { case: "int64Val", value: BigInt(n) } });
const float = (x: number): Value => create(ValueSchema, { val: { case: "floatVal", value: x } });
const str = (s: string): Value => create(ValueSchema, { val: { case: "stringVal", value: s } });

/** Pre-encoded push requests: event times strictly increasing across the run, entities spread over the pool. */
function pushRequests(shape: Shape, t0: number): Buffer[] {
  const requests: Buffer[] = [];
  let row = 0;
  for (let r = 0; r < shape.requests; r++) {
    const ids: Value[] = [];
    const times: Value[] = [];
    const features: Value[][] = Array.from({ length: FEATURES }, () => []);
    for (let j = 0; j < shape.batch; j++, row++) {
      const id = 1 + ((row * 7_919) % ENTITY_POOL);
      ids.push(int64(id));
      times.push(str(new Date(t0 + row).toISOString()));
      for (let i = 0; i < FEATURES; i++)
        features[i]!.push(isFloat(i) ? float((id + row + i) / 97) : int64(row * 10 + i));
    }
    const columns: Record<string, { val: Value[] }> = { [JOIN_KEY]: { val: ids }, event_timestamp: { val: times } };
    features.forEach((val, i) => (columns[featureName(i)] = { val }));
    const message = create(PushRequestSchema, { pushSourceName: PUSH_SOURCE, to: PushMode.ONLINE, columns });
    requests.push(Buffer.from(toBinary(PushRequestSchema, message)));
  }
  return requests;
}

interface LoadResult {
  readonly rows: number;
  readonly ms: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly rowsWrittenOnline: number;
}

/** One load against one server, with the server's CPU time over it. */
interface Measured extends LoadResult {
  readonly serverCpuMs: number;
}

/** Sends every request with `inFlight` calls outstanding; counts rows acknowledged and written online. */
async function childLoad(port: number, batch: number, requestCount: number, inFlight: number, t0: number) {
  const shape = { batch, requests: requestCount, inFlight };
  const requests = pushRequests(shape, t0);
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = (body: Buffer): Promise<Buffer> =>
    new Promise((resolve, reject) =>
      client.makeUnaryRequest(
        PUSH_PATH,
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        new grpc.Metadata(),
        { deadline: Date.now() + 30_000 },
        (error, reply) => (error !== null ? reject(error) : resolve(reply ?? Buffer.alloc(0))),
      ),
    );
  // Warm-up: connection, registry snapshot, first compile paths (not counted; rows overwritten later).
  await call(requests[0]!);
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  let rowsWrittenOnline = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < requests.length) {
        const body = requests[next++]!;
        try {
          // Awaited before the +=, which would otherwise read the total from before the await (lanes overwrite).
          const reply = await call(body);
          rowsWrittenOnline += Number(fromBinary(PushResponseSchema, reply).rowsWrittenOnline);
        } catch (error) {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    }),
  );
  const ms = performance.now() - started;
  client.close();
  const result: LoadResult = { rows: batch * requestCount, ms, errors, firstError, rowsWrittenOnline };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Larder's keys and packed rows of the view, written raw: one pipeline per push-sized batch, `inFlight` at once. */
async function childRaw(project: string, batch: number, requestCount: number, inFlight: number): Promise<void> {
  const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
  const keys: Buffer[] = [];
  let cursor = "0";
  do {
    const [nextCursor, found] = await redis.scanBuffer(cursor, "MATCH", `${project}:${VIEW}:*`, "COUNT", 10_000);
    cursor = nextCursor.toString();
    keys.push(...found);
  } while (cursor !== "0");
  const values = (await redis.mgetBuffer(...keys)).map((v) => v ?? Buffer.alloc(0));
  const rawKeys = keys.map((k) => Buffer.concat([Buffer.from("benchraw:"), k]));
  let next = 0;
  const total = batch * requestCount;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const from = next;
        next += batch;
        const pipeline = redis.pipeline();
        for (let row = from; row < from + batch; row++) {
          const k = (row * 7_919) % keys.length;
          pipeline.set(rawKeys[k]!, values[k]!);
        }
        await pipeline.exec();
      }
    }),
  );
  const ms = performance.now() - started;
  for (let i = 0; i < rawKeys.length; i += 10_000) await redis.unlink(...rawKeys.slice(i, i + 10_000));
  redis.disconnect();
  process.stdout.write(
    `${JSON.stringify({ rows: total, ms, errors: 0, firstError: undefined, rowsWrittenOnline: total })}\n`,
  );
}

// ---- orchestration ----

const fmt = (x: number, digits = 0): string =>
  Number.isFinite(x)
    ? x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "—";

/** Node flags of the FeatureServer child: `LARDER_BENCH_CPU_PROF=<dir>` profiles it (written on exit). */
function serverNodeFlags(): string[] {
  const dir = process.env.LARDER_BENCH_CPU_PROF;
  return dir === undefined || dir === "" ? [] : ["--cpu-prof", `--cpu-prof-dir=${dir}`];
}

/** Runs one load child against `server`, reading the server's CPU time before and after. */
async function measured(server: Server, args: string[]): Promise<Measured> {
  const pid = server.child.pid ?? -1;
  const before = processCpuMs(pid) ?? Number.NaN;
  const result = await onCore1(args);
  return { ...result, serverCpuMs: (processCpuMs(pid) ?? Number.NaN) - before };
}

async function onCore1(args: string[]): Promise<LoadResult> {
  const run = await runToEnd(1, process.execPath, nodeScript("bench/push.ts", args), 600_000);
  const line = run.stdout.trim().split("\n").pop() ?? "";
  if (run.code !== 0 || !line.startsWith("{")) {
    throw new Error(`push bench child ${args[0]} failed (code ${String(run.code)}):\n${run.stdout}\n${run.stderr}`);
  }
  return JSON.parse(line) as LoadResult;
}

/** Runs the push benchmark; returns the process exit code. */
export async function runPushBenchmark(): Promise<number> {
  const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
  } catch {
    console.error(`Redis is not reachable on ${REDIS_HOST}:${REDIS_PORT}; start redis-server and retry.`);
    redis.disconnect();
    return 1;
  }
  const project = `benchpush_${randomBytes(4).toString("hex")}`;
  const repoPath = mkdtempSync(join(tmpdir(), "larder-bench-push-"));
  mkdirSync(join(repoPath, "data"));
  let store: FeatureStore | undefined;
  const cleanup = async (): Promise<void> => {
    killAllNow();
    await stopAll();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${project}:*`, "COUNT", 10_000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== "0");
    await store?.close().catch(() => undefined);
    redis.disconnect();
    rmSync(repoPath, { recursive: true, force: true });
  };
  const onSignal = (): void => {
    console.error("\ninterrupted: stopping children and deleting the benchmark's keys…");
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  try {
    console.log(
      `Larder push benchmark — node ${process.version}, ${availableParallelism()} cores, ` +
        `${pinningAvailable() ? "FeatureServer on core 0, client and raw writer on core 1" : "UNPINNED"}, ` +
        `Redis on ${REDIS_HOST}:${REDIS_PORT}, ${FEATURES} features per row, project ${project}`,
    );
    await writeBatchSource(join(repoPath, "data/push.parquet"));
    store = await FeatureStore.open({ config: benchConfig(project, repoPath), repoPath });
    await store.apply(definitions());
    const baselineModule = process.env.LARDER_BENCH_PUSH_BASELINE ?? "";
    const scale = Number(process.env.LARDER_BENCH_PUSH_SCALE ?? "1") || 1;
    const start = (mountModule: string): Promise<Server> =>
      startServer(
        0,
        process.execPath,
        nodeScript("bench/push.ts", ["server", project, repoPath, mountModule], serverNodeFlags()),
      );
    const servers: Array<{ label: string; server: Server }> = [{ label: "Larder", server: await start("") }];
    if (baselineModule !== "") servers.push({ label: "baseline", server: await start(baselineModule) });
    const results: Array<{ shape: Shape; label: string; larder: Measured; raw: LoadResult }> = [];
    let t0 = Date.UTC(2025, 0, 1);
    try {
      for (const shape of SHAPES) {
        const requests = Math.max(shape.inFlight, Math.round(shape.requests * scale));
        const args = [String(shape.batch), String(requests), String(shape.inFlight)];
        // With a baseline: baseline, Larder, baseline, Larder (each shape alternated, twice).
        const order = servers.length === 1 ? servers : [servers[1]!, servers[0]!, servers[1]!, servers[0]!];
        const runs: Array<{ label: string; larder: Measured }> = [];
        for (const { label, server } of order) {
          const larder = await measured(server, ["load", String(server.port), ...args, String(t0)]);
          t0 += shape.batch * requests + 1_000;
          runs.push({ label, larder });
          console.log(
            `batch ${shape.batch}: ${label} ${fmt((larder.rows / larder.ms) * 1000)} rows/s, ` +
              `${fmt((larder.serverCpuMs * 1000) / larder.rows, 1)} server CPU µs per row`,
          );
        }
        let keys = 0;
        let cursor = "0";
        do {
          const [next, found] = await redis.scan(cursor, "MATCH", `${project}:${VIEW}:*`, "COUNT", 10_000);
          cursor = next;
          keys += found.length;
        } while (cursor !== "0");
        console.log(`batch ${shape.batch}: ${fmt(keys)} keys of the view in Redis after the pushes`);
        const raw = await onCore1(["raw", project, ...args]);
        console.log(`batch ${shape.batch}: raw ${fmt((raw.rows / raw.ms) * 1000)} rows/s`);
        for (const run of runs) results.push({ shape, ...run, raw });
      }
    } finally {
      for (const { server } of servers) await server.stop();
    }
    console.log("");
    const header = [
      "rows per push",
      "calls in flight",
      "server",
      "rows/s",
      "pushes/s",
      "server CPU µs/row",
      "raw Redis rows/s",
      "ratio",
    ];
    const lines = results.map(({ shape, label, larder, raw }) => {
      const lr = (larder.rows / larder.ms) * 1000;
      const rr = (raw.rows / raw.ms) * 1000;
      return [
        String(shape.batch),
        String(shape.inFlight),
        label,
        fmt(lr),
        fmt(lr / shape.batch),
        fmt((larder.serverCpuMs * 1000) / larder.rows, 1),
        fmt(rr),
        `${fmt(lr / rr, 2)}×`,
      ];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
    const render = (cells: readonly string[]): string =>
      `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(" | ")} |`;
    console.log(
      [render(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...lines.map(render)].join("\n"),
    );
    let failed = false;
    for (const { shape, label, larder } of results) {
      console.log(
        `batch ${shape.batch} (${label}): ${larder.errors} failed pushes${larder.errors > 0 ? ` (first: ${larder.firstError ?? "-"})` : ""}; ` +
          `${fmt(larder.rowsWrittenOnline)} of ${fmt(larder.rows)} rows acknowledged as written online`,
      );
      if (larder.errors > 0) failed = true;
    }
    return failed ? 1 : 0;
  } finally {
    await cleanup();
    process.off("SIGINT", onSignal);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [mode, ...args] = process.argv.slice(2);
  const n = (i: number): number => Number(args[i]);
  if (mode === "server") await childServer(args[0] ?? "", args[1] ?? "", args[2] ?? "");
  else if (mode === "load") await childLoad(n(0), n(1), n(2), n(3), n(4));
  else if (mode === "raw") await childRaw(args[0] ?? "", n(1), n(2), n(3));
}
