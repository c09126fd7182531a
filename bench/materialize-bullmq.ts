// `npm run bench -- materialize-bullmq [--entities N] [--rounds R] [--shards S] [--cpu-prof DIR]`: the
// bullmq engine materializing N entities (two events each) × 10 and 50 features from Parquet into Redis
// with 1, then 2 real `larder worker` processes (S shards per view; default: the engine's), beside
// measurements of the same run:
//   - the local engine on the same view (what sharding through BullMQ costs a worker);
//   - the same bytes Larder wrote, written raw: pipelined SETs of Larder's own keys and packed rows (the
//     write floor), measured right after each Larder run.
// Each is measured R times, alternating (local engine, then bullmq with 1 worker), and medians are printed.
// Pinning (2 cores): the local engine, the raw write and the single worker run pinned to core 1; with two
// workers, one is pinned to each core. The coordinator (this process: it only queues shards and follows
// their events) and Redis run wherever the OS puts them. Besides wall-clock rows/s, the workers' CPU time
// per row (from /proc, all workers together) is printed: it survives a loaded machine better than rows/s.
// --cpu-prof DIR writes each worker's V8 CPU profile there.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { defineRepoConfig, type BullmqBatchEngineConfig, type RepoConfig } from "@larder/core";
import { createBullmqEngine, createLocalEngine, createOfflineStore, materialize } from "@larder/materialization";
import { openRegistry } from "@larder/registry";
import { Entity, FeatureStore, FeatureView, Field, FileSource, ValueType, types } from "@larder/sdk";
import { createOnlineStore } from "@larder/serving";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { stringify } from "yaml";
import {
  REPO_ROOT,
  killAllNow,
  launch,
  nodeScript,
  pinningAvailable,
  processCpuMs,
  runToEnd,
  stopAll,
  type Core,
} from "./bench-process.js";

const REDIS_HOST = "127.0.0.1";
const REDIS_PORT = 6379;
const JOIN_KEY = "driver_id";
const FEATURE_COUNTS = [10, 50] as const;
const WORKER_COUNTS = [1, 2] as const;
const WINDOW = { startMs: Date.UTC(2024, 0, 1), endMs: Date.UTC(2024, 0, 2) };
/** Rows per write in the raw baseline: the engines' batch size. */
const RAW_BATCH = 10_000;
const LARDER_BIN = join(REPO_ROOT, "cli/bin/larder.mjs");

interface ChildJob {
  readonly kind: "local" | "raw-write";
  readonly project: string;
  readonly repoPath: string;
  readonly view: string;
}

interface Measured {
  readonly rows: number;
  readonly ms: number;
  /** CPU time of the measured process(es), summed. */
  readonly cpuMs: number;
}

const viewName = (features: number): string => `matq_f${features}`;
const featureName = (i: number): string => `f${String(i).padStart(2, "0")}`;
const isFloat = (i: number): boolean => i % 2 === 0;

/** The repo's feature_store.yaml as an object: Redis online store, bullmq engine on the same Redis. */
function rawConfig(project: string, queueName: string, shards: number | undefined) {
  return {
    project,
    registry: "data/registry.db",
    online_store: { type: "redis", connection_string: `${REDIS_HOST}:${REDIS_PORT}` },
    batch_engine: {
      type: "bullmq",
      redis_url: `redis://${REDIS_HOST}:${REDIS_PORT}`,
      queue_name: queueName,
      ...(shards === undefined ? {} : { shards_per_view: shards }),
    },
  };
}

/** N entities × 2 events in the window, 50 features (even Float32, odd Int64), as Parquet (as bench/materialize.ts). */
async function writeSource(path: string, entities: number): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const features = Array.from({ length: 50 }, (_, i) =>
      isFloat(i)
        ? `((hash(e, v, ${i}) % 100000) / 1000.0)::FLOAT AS ${featureName(i)}`
        : `(hash(e, v, ${i}) % 1000000)::BIGINT AS ${featureName(i)}`,
    );
    const start = WINDOW.startMs / 1000;
    await connection.run(`
      COPY (
        SELECT e::BIGINT AS ${JOIN_KEY},
          to_timestamp(${start} + v * 36000 + e % 3600) AS event_timestamp,
          to_timestamp(${start} + v * 36000 + e % 3600 + 60) AS created,
          ${features.join(",\n          ")}
        FROM range(1, ${entities + 1}) AS t(e), range(2) AS t2(v)
      ) TO '${path.replace(/'/g, "''")}' (FORMAT parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function definitions() {
  const driver = new Entity({ name: "driver", joinKeys: [JOIN_KEY], valueType: ValueType.INT64 });
  const source = new FileSource({
    name: "matq_source",
    path: "data/source.parquet",
    timestampField: "event_timestamp",
    createdTimestampColumn: "created",
  });
  const views = FEATURE_COUNTS.map(
    (features) =>
      new FeatureView({
        name: viewName(features),
        entities: [driver],
        ttl: 0,
        schema: Array.from(
          { length: features },
          (_, i) => new Field({ name: featureName(i), dtype: isFloat(i) ? types.Float32 : types.Int64 }),
        ),
        source,
      }),
  );
  return [driver, ...views];
}

// ---- child measurements (each in its own pinned process) ----

const cpuNowMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** The local engine on the same view, in this process. */
async function childLocal(job: ChildJob, config: RepoConfig): Promise<Measured> {
  const registry = await openRegistry(config.registry);
  const offline = createOfflineStore(config.offlineStore, { repoPath: job.repoPath });
  const online = createOnlineStore(config.onlineStore, { commandTimeoutMs: 30_000 });
  try {
    await online.ready();
    const cpu = cpuNowMs();
    const started = performance.now();
    const results = await materialize(
      { project: job.project, registry, engine: createLocalEngine(offline, online) },
      { kind: "range", startMs: WINDOW.startMs, endMs: WINDOW.endMs, views: [job.view] },
    );
    const ms = performance.now() - started;
    return { rows: results.reduce((n, r) => n + r.rows, 0), ms, cpuMs: cpuNowMs() - cpu };
  } finally {
    await online.close();
    await offline.close();
    await registry.close();
  }
}

/** Larder's own keys and packed rows (read back, untimed), written again raw to other keys with pipelined SETs. */
async function childRawWrite(job: ChildJob): Promise<Measured> {
  const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
  try {
    const keys: Buffer[] = [];
    let cursor = "0";
    do {
      const [next, found] = await redis.scanBuffer(cursor, "MATCH", `${job.project}:${job.view}:*`, "COUNT", 10_000);
      cursor = next.toString();
      keys.push(...found);
    } while (cursor !== "0");
    const values: Buffer[] = [];
    for (let i = 0; i < keys.length; i += RAW_BATCH) {
      for (const v of await redis.mgetBuffer(...keys.slice(i, i + RAW_BATCH))) values.push(v ?? Buffer.alloc(0));
    }
    const rawKeys = keys.map((k) => Buffer.concat([Buffer.from("benchraw:"), k]));
    const cpu = cpuNowMs();
    const started = performance.now();
    for (let i = 0; i < rawKeys.length; i += RAW_BATCH) {
      const pipeline = redis.pipeline();
      for (let j = i; j < Math.min(i + RAW_BATCH, rawKeys.length); j++) pipeline.set(rawKeys[j]!, values[j]!);
      await pipeline.exec();
    }
    const ms = performance.now() - started;
    const cpuMs = cpuNowMs() - cpu;
    for (let i = 0; i < rawKeys.length; i += RAW_BATCH) await redis.unlink(...rawKeys.slice(i, i + RAW_BATCH));
    return { rows: keys.length, ms, cpuMs };
  } finally {
    redis.disconnect();
  }
}

async function runChild(json: string): Promise<void> {
  const job = JSON.parse(json) as ChildJob;
  const config = defineRepoConfig(rawConfig(job.project, "unused", undefined), { repoPath: job.repoPath });
  const result = job.kind === "local" ? await childLocal(job, config) : await childRawWrite(job);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---- orchestration ----

async function measureChild(job: ChildJob): Promise<Measured> {
  const run = await runToEnd(
    1,
    process.execPath,
    nodeScript("bench/materialize-bullmq.ts", ["child", JSON.stringify(job)]),
    900_000,
  );
  const line = run.stdout.trim().split("\n").pop() ?? "";
  if (run.code !== 0 || !line.startsWith("{")) {
    throw new Error(`${job.kind} ${job.view} failed (code ${String(run.code)}):\n${run.stdout}\n${run.stderr}`);
  }
  return JSON.parse(line) as Measured;
}

interface WorkerProcess {
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts `larder worker` pinned to `core`; resolves once it prints "Worker ready". */
function startWorker(core: Core, repoPath: string, cpuProfDir: string | undefined): Promise<WorkerProcess> {
  const flags = cpuProfDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", cpuProfDir];
  const child = launch(core, process.execPath, [...flags, LARDER_BIN, "-c", repoPath, "worker"]);
  let stdout = "";
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    stderr = (stderr + s).slice(-20_000);
  });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM"); // graceful: --cpu-prof writes its profile on a normal exit
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`larder worker not ready within 180 s:\n${stderr}`));
    }, 180_000);
    const onEarlyExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`larder worker exited early (code ${String(code)}):\n${stderr}`));
    };
    child.once("exit", onEarlyExit);
    child.stdout?.setEncoding("utf8").on("data", (s: string) => {
      stdout += s;
      if (!/Worker ready/.test(stdout)) return;
      clearTimeout(timer);
      child.off("exit", onEarlyExit);
      child.stdout?.removeAllListeners("data");
      child.stdout?.resume();
      resolve({ pid: child.pid!, stop });
    });
  });
}

/** One bullmq run of `view` with workers already started; CPU is the workers' own, summed. */
async function measureBullmq(
  config: RepoConfig,
  project: string,
  view: string,
  workers: readonly WorkerProcess[],
): Promise<Measured> {
  const registry = await openRegistry(config.registry);
  const engine = createBullmqEngine({ config: config.batchEngine as BullmqBatchEngineConfig, project });
  const cpuOf = (): number => workers.reduce((sum, w) => sum + (processCpuMs(w.pid) ?? Number.NaN), 0);
  try {
    const cpu = cpuOf();
    const started = performance.now();
    const results = await materialize(
      { project, registry, engine },
      { kind: "range", startMs: WINDOW.startMs, endMs: WINDOW.endMs, views: [view] },
    );
    const ms = performance.now() - started;
    return { rows: results.reduce((n, r) => n + r.rows, 0), ms, cpuMs: cpuOf() - cpu };
  } finally {
    await engine.close();
    await registry.close();
  }
}

/** Deletes the keys matching `pattern`, as bytes: Larder's keys end in binary entity keys, which strings would mangle. */
async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scanBuffer(cursor, "MATCH", pattern, "COUNT", 10_000);
    cursor = next.toString();
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== "0");
}

const fmt = (x: number, digits = 0): string =>
  Number.isFinite(x)
    ? x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "—";
const rate = (m: Measured): number => (m.rows / m.ms) * 1000;
const cpuPerRowUs = (m: Measured): number => (m.cpuMs * 1000) / m.rows;

function argValue(name: string, fallback: number | undefined): number | undefined {
  const args = process.argv.slice(3);
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

function argText(name: string): string | undefined {
  const args = process.argv.slice(3);
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
}

/** One engine × feature count: every round's run beside the raw write measured right after it. */
interface Row {
  readonly engine: string;
  readonly workers: number;
  readonly features: number;
  readonly rounds: { readonly larder: Measured; readonly raw: Measured }[];
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const larderRate = (r: Row): number => median(r.rounds.map((x) => rate(x.larder)));
const rawRate = (r: Row): number => median(r.rounds.map((x) => rate(x.raw)));
/** Per worker ÷ raw, taken per round (both measured within seconds of each other), then the median. */
const ratioToRaw = (r: Row): number => median(r.rounds.map((x) => rate(x.larder) / r.workers / rate(x.raw)));

function table(rows: readonly Row[]): string {
  const header = [
    "engine",
    "features",
    "rows/s",
    "rows/s per worker",
    "workers CPU µs/row",
    "raw write rows/s",
    "per worker / raw",
    "raw CPU µs/row",
  ];
  const lines = rows.map((r) => [
    r.engine,
    String(r.features),
    fmt(larderRate(r)),
    fmt(larderRate(r) / r.workers),
    fmt(median(r.rounds.map((x) => cpuPerRowUs(x.larder))), 1),
    fmt(rawRate(r)),
    `${fmt(ratioToRaw(r), 3)}×`,
    fmt(median(r.rounds.map((x) => cpuPerRowUs(x.raw))), 1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  return [render(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...lines.map(render)].join("\n");
}

/** Runs the bullmq materialization benchmark; returns the process exit code. */
export async function runMaterializeBullmqBenchmark(): Promise<number> {
  const entities = argValue("--entities", 20_000)!;
  const rounds = argValue("--rounds", 3)!;
  const shards = argValue("--shards", undefined);
  const cpuProfDir = argText("--cpu-prof");
  const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
  } catch {
    console.error(`Redis is not reachable on ${REDIS_HOST}:${REDIS_PORT}; start redis-server and retry.`);
    redis.disconnect();
    return 1;
  }
  const project = `benchmq_${randomBytes(4).toString("hex")}`;
  const queueName = `larder-bench-${project}`;
  const repoPath = mkdtempSync(join(tmpdir(), "larder-bench-bullmq-"));
  mkdirSync(join(repoPath, "data"));
  const raw = rawConfig(project, queueName, shards);
  writeFileSync(join(repoPath, "feature_store.yaml"), stringify(raw));
  const config = defineRepoConfig(raw, { repoPath });
  const engineConfig = config.batchEngine as BullmqBatchEngineConfig;
  let workers: WorkerProcess[] = [];
  const stopWorkers = async (): Promise<void> => {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
  };
  let store: FeatureStore | undefined;
  const cleanup = async (): Promise<void> => {
    await stopWorkers().catch(() => killAllNow());
    killAllNow();
    await stopAll();
    for (const features of FEATURE_COUNTS) await deleteKeys(redis, `${project}:${viewName(features)}:*`);
    const queue = new Queue(queueName, { connection: { host: REDIS_HOST, port: REDIS_PORT } });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await store?.close().catch(() => undefined);
    redis.disconnect();
    rmSync(repoPath, { recursive: true, force: true });
  };
  const onSignal = (): void => {
    console.error("\ninterrupted: stopping workers and deleting the benchmark's keys…");
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  try {
    const pinned = pinningAvailable();
    console.log(
      `Larder bullmq materialization benchmark — node ${process.version}, ${availableParallelism()} cores, ` +
        `${pinned ? "local engine, raw write and 1 worker pinned to core 1; 2 workers on cores 0 and 1" : "UNPINNED"}, ` +
        `Redis on ${REDIS_HOST}:${REDIS_PORT}, ${fmt(entities)} entities × 2 events, ${rounds} rounds, ` +
        `${engineConfig.shardsPerView} shards per view, project ${project}`,
    );
    const started = Date.now();
    await writeSource(join(repoPath, "data/source.parquet"), entities);
    console.log(`wrote the Parquet source (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    store = await FeatureStore.open({ config, repoPath });
    await store.apply(definitions());

    const rows: Row[] = [];
    const check = (what: string, m: Measured): Measured => {
      if (m.rows !== entities) throw new Error(`${what} wrote ${m.rows} rows, expected ${entities}`);
      return m;
    };
    const rowOf = (engine: string, workerCount: number, features: number): Row => {
      let row = rows.find((r) => r.engine === engine && r.features === features);
      if (row === undefined) rows.push((row = { engine, workers: workerCount, features, rounds: [] }));
      return row;
    };
    /** One Larder run on fresh keys, then the raw write of the same rows right after it. */
    const measurePair = async (row: Row, run: () => Promise<Measured>): Promise<void> => {
      const view = viewName(row.features);
      await deleteKeys(redis, `${project}:${view}:*`);
      const larder = check(row.engine, await run());
      const raw = check("the raw write", await measureChild({ kind: "raw-write", project, repoPath, view }));
      row.rounds.push({ larder, raw });
      console.log(
        `${row.engine} × ${row.features} features: ${fmt(rate(larder))} rows/s ` +
          `(${fmt(cpuPerRowUs(larder), 1)} µs CPU/row), raw write ${fmt(rate(raw))} rows/s`,
      );
    };
    for (const count of WORKER_COUNTS) {
      const cores: Core[] = count === 1 ? [1] : [0, 1];
      workers = await Promise.all(cores.map((core) => startWorker(core, repoPath, cpuProfDir)));
      const engine = `bullmq, ${count} worker${count === 1 ? "" : "s"}`;
      for (const features of FEATURE_COUNTS) {
        const view = viewName(features);
        for (let round = 0; round < rounds; round++) {
          // With one worker (idle meanwhile), the local engine alternates with it on the same core.
          if (count === 1) {
            await measurePair(rowOf("local", 1, features), () =>
              measureChild({ kind: "local", project, repoPath, view }),
            );
          }
          await measurePair(rowOf(engine, count, features), () => measureBullmq(config, project, view, workers));
        }
      }
      await stopWorkers();
    }
    rows.sort((a, b) => a.features - b.features || a.workers - b.workers || (a.engine === "local" ? -1 : 1));
    console.log("");
    console.log(table(rows));
    console.log("");
    const find = (engine: string): Row => rows.find((r) => r.engine === engine && r.features === 10)!;
    const local = find("local");
    const one = find("bullmq, 1 worker");
    const two = find("bullmq, 2 workers");
    console.log(
      `10 features, medians of ${rounds} rounds: 1 worker ${fmt(larderRate(one))} rows/s ` +
        `(${fmt(larderRate(one) / larderRate(local), 2)}× the local engine), 2 workers ${fmt(larderRate(two))} ` +
        `(${fmt(larderRate(two) / larderRate(one), 2)}× 1 worker; 2 cores shared with Redis and the coordinator).`,
    );
    const perWorker = larderRate(one);
    console.log(
      `Goal (issue 4): ≥ 100,000 rows/s per worker for 10 features: ${fmt(perWorker)} rows/s with 1 worker — ` +
        (perWorker >= 100_000 ? "met." : "not met."),
    );
    if (cpuProfDir !== undefined) console.log(`worker CPU profiles in ${cpuProfDir}`);
    return 0;
  } finally {
    await cleanup();
    process.off("SIGINT", onSignal);
  }
}

if (process.argv[2] === "child" && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runChild(process.argv[3] ?? "{}");
}
