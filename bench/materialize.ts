// `npm run bench -- materialize [--entities N] [--large N]`: the local engine materializing N entities
// (two events each, so the latest-per-key pull has work to do) × 10 and 50 features from Parquet through
// DuckDB into Redis and into the SQLite online store, beside baselines measured in the same run:
//   - the same latest-per-key query run raw through DuckDB, rows converted to JS values (read floor);
//   - the same bytes Larder wrote, written raw: pipelined SETs of Larder's own keys and packed rows to
//     Redis, plain INSERTs of Larder's own rows into SQLite (write floors).
// Each figure is also given per CPU-second of the child (process.cpuUsage, every thread), which survives
// a busy machine where wall-clock rates do not.
// Every measurement runs in its own child process pinned to core 0 (Redis runs wherever the OS puts it),
// so each peak RSS is its own. The memory check materializes a window `--large` times as big and
// compares peak RSS: streaming in batches keeps it flat.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { DuckDBInstance, JSDuckDBValueConverter } from "@duckdb/node-api";
import { defineRepoConfig, type RepoConfig } from "@larder/core";
import { createLocalEngine, createOfflineStore, materialize } from "@larder/materialization";
import { openRegistry } from "@larder/registry";
import { Entity, FeatureStore, FeatureView, Field, FileSource, ValueType, types } from "@larder/sdk";
import { createOnlineStore } from "@larder/serving";
import { Redis } from "ioredis";
import { killAllNow, nodeScript, pinningAvailable, runToEnd, stopAll } from "./bench-process.js";

const REDIS_HOST = "127.0.0.1";
const REDIS_PORT = 6379;
const JOIN_KEY = "driver_id";
const FEATURE_COUNTS = [10, 50] as const;
const WINDOW = { startMs: Date.UTC(2024, 0, 1), endMs: Date.UTC(2024, 0, 2) };
/** Rows per write in the raw baselines: the local engine's batch size. */
const RAW_BATCH = 10_000;

type OnlineKind = "redis" | "sqlite";

interface ChildJob {
  readonly kind: "larder" | "read" | "redis-write" | "sqlite-write";
  readonly project: string;
  readonly repoPath: string;
  readonly view: string;
  readonly features: number;
  readonly online: OnlineKind;
  readonly source: string;
}

interface ChildResult {
  readonly rows: number;
  readonly ms: number;
  /** CPU time of the measured part (every thread of the child): unlike wall time, it survives a busy machine. */
  readonly cpuMs: number;
  readonly maxRssMb: number;
}

const viewName = (features: number, large: boolean): string => `mat_f${features}${large ? "_large" : ""}`;
const featureName = (i: number): string => `f${String(i).padStart(2, "0")}`;
const isFloat = (i: number): boolean => i % 2 === 0;

function benchConfig(project: string, repoPath: string, online: OnlineKind): RepoConfig {
  return defineRepoConfig(
    {
      project,
      registry: "data/registry.db",
      online_store:
        online === "redis"
          ? { type: "redis", connection_string: `${REDIS_HOST}:${REDIS_PORT}` }
          : { type: "sqlite", path: "data/online.db" },
    },
    { repoPath },
  );
}

/** N entities × 2 events in the window, 50 features (even Float32, odd Int64), as Parquet through DuckDB. */
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

function definitions(sources: { name: string; path: string; large: boolean }[]) {
  const driver = new Entity({ name: "driver", joinKeys: [JOIN_KEY], valueType: ValueType.INT64 });
  const views = sources.flatMap(({ name, path, large }) => {
    const source = new FileSource({ name, path, timestampField: "event_timestamp", createdTimestampColumn: "created" });
    return (large ? [10] : FEATURE_COUNTS).map(
      (features) =>
        new FeatureView({
          name: viewName(features, large),
          entities: [driver],
          ttl: 0,
          schema: Array.from(
            { length: features },
            (_, i) => new Field({ name: featureName(i), dtype: isFloat(i) ? types.Float32 : types.Int64 }),
          ),
          source,
        }),
    );
  });
  return [driver, ...views];
}

// ---- child measurements ----

const maxRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
/** CPU milliseconds since `start` (a process.cpuUsage() reading). */
const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

async function childLarder(job: ChildJob): Promise<ChildResult> {
  const config = benchConfig(job.project, job.repoPath, job.online);
  const registry = await openRegistry(config.registry);
  const offline = createOfflineStore(config.offlineStore, { repoPath: job.repoPath });
  const online = createOnlineStore(config.onlineStore, { commandTimeoutMs: 30_000 });
  try {
    await online.ready();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const results = await materialize(
      { project: job.project, registry, engine: createLocalEngine(offline, online) },
      { kind: "range", startMs: WINDOW.startMs, endMs: WINDOW.endMs, views: [job.view] },
    );
    const ms = performance.now() - started;
    return { rows: results.reduce((n, r) => n + r.rows, 0), ms, cpuMs: cpuMsSince(cpu), maxRssMb: maxRssMb() };
  } finally {
    await online.close();
    await offline.close();
    await registry.close();
  }
}

/** The latest-per-key query Larder pushes down, run raw; rows converted to JS values as any JS reader must. */
async function childRead(job: ChildJob): Promise<ChildResult> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    const columns = [JOIN_KEY, ...Array.from({ length: job.features }, (_, i) => featureName(i))].join(", ");
    const sql = `
      SELECT ${columns}, event_timestamp, created FROM read_parquet('${job.source.replace(/'/g, "''")}')
      WHERE event_timestamp BETWEEN to_timestamp(${WINDOW.startMs / 1000}) AND to_timestamp(${WINDOW.endMs / 1000})
      QUALIFY row_number() OVER (PARTITION BY ${JOIN_KEY} ORDER BY event_timestamp DESC, created DESC) = 1`;
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await connection.stream(sql);
    let rows = 0;
    for (
      let chunk = await result.fetchChunk();
      chunk !== null && chunk.rowCount > 0;
      chunk = await result.fetchChunk()
    ) {
      const values = chunk.convertColumns(JSDuckDBValueConverter);
      rows += values[0]?.length ?? 0;
    }
    return { rows, ms: performance.now() - started, cpuMs: cpuMsSince(cpu), maxRssMb: maxRssMb() };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Larder's own keys and packed rows (read back, untimed), written again raw to other keys with pipelined SETs. */
async function childRedisWrite(job: ChildJob): Promise<ChildResult> {
  const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
  try {
    const prefix = `${job.project}:${job.view}:`;
    const keys: Buffer[] = [];
    let cursor = "0";
    do {
      const [next, found] = await redis.scanBuffer(cursor, "MATCH", `${prefix}*`, "COUNT", 10_000);
      cursor = next.toString();
      keys.push(...found);
    } while (cursor !== "0");
    const values: Buffer[] = [];
    for (let i = 0; i < keys.length; i += RAW_BATCH) {
      const got = await redis.mgetBuffer(...keys.slice(i, i + RAW_BATCH));
      for (const v of got) values.push(v ?? Buffer.alloc(0));
    }
    const rawKeys = keys.map((k) => Buffer.concat([Buffer.from("benchraw:"), k]));
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < rawKeys.length; i += RAW_BATCH) {
      const pipeline = redis.pipeline();
      for (let j = i; j < Math.min(i + RAW_BATCH, rawKeys.length); j++) pipeline.set(rawKeys[j]!, values[j]!);
      await pipeline.exec();
    }
    const ms = performance.now() - started;
    const cpuMs = cpuMsSince(cpu);
    for (let i = 0; i < rawKeys.length; i += RAW_BATCH) await redis.unlink(...rawKeys.slice(i, i + RAW_BATCH));
    return { rows: keys.length, ms, cpuMs, maxRssMb: maxRssMb() };
  } finally {
    redis.disconnect();
  }
}

interface SqliteRow {
  entity_key: Buffer;
  feature_name: string;
  value: Buffer;
  event_ts: number;
  created_ts: number | null;
}

/** Larder's own SQLite rows (read back, untimed), inserted raw into a fresh table, one transaction per batch. */
function childSqliteWrite(job: ChildJob): ChildResult {
  const source = new Database(join(job.repoPath, "data/online.db"), { readonly: true });
  const table = `${job.project}_${job.view}`;
  const rows = source
    .prepare<[], SqliteRow>(
      `SELECT entity_key, feature_name, value, event_ts, created_ts FROM "${table}" ORDER BY entity_key`,
    )
    .all();
  source.close();
  const path = join(job.repoPath, `data/raw-${job.view}.db`);
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.exec(`CREATE TABLE raw (entity_key BLOB, feature_name TEXT, value BLOB, event_ts INTEGER, created_ts INTEGER,
      PRIMARY KEY (entity_key, feature_name))`);
    const insert = db.prepare("INSERT INTO raw VALUES (?, ?, ?, ?, ?)");
    const perBatch = RAW_BATCH * job.features;
    const write = db.transaction((from: number) => {
      for (let i = from; i < Math.min(from + perBatch, rows.length); i++) {
        const r = rows[i]!;
        insert.run(r.entity_key, r.feature_name, r.value, r.event_ts, r.created_ts);
      }
    });
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < rows.length; i += perBatch) write(i);
    const ms = performance.now() - started;
    return { rows: rows.length / job.features, ms, cpuMs: cpuMsSince(cpu), maxRssMb: maxRssMb() };
  } finally {
    db.close();
    rmSync(path, { force: true });
  }
}

async function runChild(json: string): Promise<void> {
  const job = JSON.parse(json) as ChildJob;
  let result: ChildResult;
  switch (job.kind) {
    case "larder":
      result = await childLarder(job);
      break;
    case "read":
      result = await childRead(job);
      break;
    case "redis-write":
      result = await childRedisWrite(job);
      break;
    case "sqlite-write":
      result = childSqliteWrite(job);
      break;
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---- orchestration ----

async function measure(job: ChildJob): Promise<ChildResult> {
  const run = await runToEnd(
    0,
    process.execPath,
    nodeScript("bench/materialize.ts", ["child", JSON.stringify(job)]),
    900_000,
  );
  const line = run.stdout.trim().split("\n").pop() ?? "";
  if (run.code !== 0 || !line.startsWith("{")) {
    throw new Error(`${job.kind} ${job.view} failed (code ${String(run.code)}):\n${run.stdout}\n${run.stderr}`);
  }
  return JSON.parse(line) as ChildResult;
}

const fmt = (x: number, digits = 0): string =>
  Number.isFinite(x)
    ? x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "—";
const rate = (r: ChildResult): number => (r.rows / r.ms) * 1000;
/** Rows per second of CPU time: what one free core would reach (the client's side only; Redis runs apart). */
const cpuRate = (r: ChildResult): number => (r.rows / r.cpuMs) * 1000;

function argValue(name: string, fallback: number): number {
  const args = process.argv.slice(3);
  const at = args.indexOf(name);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

interface Row {
  readonly online: OnlineKind;
  readonly features: number;
  readonly larder: ChildResult;
  readonly read: ChildResult;
  readonly write: ChildResult;
}

function table(rows: readonly Row[]): string {
  const header = [
    "store",
    "features",
    "Larder rows/s",
    "DuckDB read rows/s",
    "raw write rows/s",
    "read+write floor rows/s",
    "Larder / floor",
    "Larder rows/CPU-s",
    "floor rows/CPU-s",
    "CPU Larder / floor",
    "Larder peak RSS",
  ];
  const lines = rows.map((r) => {
    const floor = 1 / (1 / rate(r.read) + 1 / rate(r.write));
    const cpuFloor = 1 / (1 / cpuRate(r.read) + 1 / cpuRate(r.write));
    return [
      r.online === "redis" ? "Redis" : "SQLite",
      String(r.features),
      fmt(rate(r.larder)),
      fmt(rate(r.read)),
      fmt(rate(r.write)),
      fmt(floor),
      `${fmt(rate(r.larder) / floor, 2)}×`,
      fmt(cpuRate(r.larder)),
      fmt(cpuFloor),
      `${fmt(cpuRate(r.larder) / cpuFloor, 2)}×`,
      `${fmt(r.larder.maxRssMb)} MB`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  return [render(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...lines.map(render)].join("\n");
}

/** Runs the materialization benchmark; returns the process exit code. */
export async function runMaterializeBenchmark(): Promise<number> {
  const entities = argValue("--entities", 50_000);
  const largeFactor = argValue("--large", 4);
  const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
  } catch {
    console.error(`Redis is not reachable on ${REDIS_HOST}:${REDIS_PORT}; start redis-server and retry.`);
    redis.disconnect();
    return 1;
  }
  const project = `benchmat_${randomBytes(4).toString("hex")}`;
  const repoPath = mkdtempSync(join(tmpdir(), "larder-bench-materialize-"));
  mkdirSync(join(repoPath, "data"));
  const source = join(repoPath, "data/source.parquet");
  const largeSource = join(repoPath, "data/source-large.parquet");
  let store: FeatureStore | undefined;
  const cleanup = async (): Promise<void> => {
    killAllNow();
    await stopAll();
    // Larder's keys of this run (the raw baselines delete their own).
    for (const view of [...FEATURE_COUNTS.map((f) => viewName(f, false)), viewName(10, true)]) {
      let cursor = "0";
      do {
        // Buffers: the keys end with binary entity keys, which string replies would mangle (and UNLINK miss).
        const [next, keys] = await redis.scanBuffer(cursor, "MATCH", `${project}:${view}:*`, "COUNT", 10_000);
        cursor = next.toString();
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== "0");
    }
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
    const pinned = pinningAvailable();
    console.log(
      `Larder materialization benchmark — node ${process.version}, ${availableParallelism()} cores, ` +
        `${pinned ? "each measurement pinned to core 0" : "UNPINNED"}, Redis on ${REDIS_HOST}:${REDIS_PORT}, ` +
        `${fmt(entities)} entities × 2 events, project ${project}`,
    );
    let started = Date.now();
    await writeSource(source, entities);
    await writeSource(largeSource, entities * largeFactor);
    console.log(`wrote the Parquet sources (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    store = await FeatureStore.open({ config: benchConfig(project, repoPath, "sqlite"), repoPath });
    await store.apply(
      definitions([
        { name: "mat_source", path: "data/source.parquet", large: false },
        { name: "mat_source_large", path: "data/source-large.parquet", large: true },
      ]),
    );

    const rows: Row[] = [];
    for (const online of ["redis", "sqlite"] as const) {
      for (const features of FEATURE_COUNTS) {
        started = Date.now();
        const job: ChildJob = {
          kind: "larder",
          project,
          repoPath,
          view: viewName(features, false),
          features,
          online,
          source,
        };
        const larder = await measure(job);
        if (larder.rows !== entities) throw new Error(`Larder wrote ${larder.rows} rows, expected ${entities}`);
        const read = await measure({ ...job, kind: "read" });
        if (read.rows !== entities) throw new Error(`the DuckDB read returned ${read.rows} rows, expected ${entities}`);
        const write = await measure({ ...job, kind: online === "redis" ? "redis-write" : "sqlite-write" });
        if (write.rows !== entities)
          throw new Error(`the raw write saw ${write.rows} of Larder's rows, expected ${entities}`);
        rows.push({ online, features, larder, read, write });
        console.log(
          `${online} × ${features} features: Larder ${fmt(rate(larder))} rows/s (${fmt(cpuRate(larder))} per CPU-s), ` +
            `read ${fmt(rate(read))}, raw write ${fmt(rate(write))} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
        );
      }
    }
    const small = rows.find((r) => r.online === "redis" && r.features === 10)!.larder;
    const large = await measure({
      kind: "larder",
      project,
      repoPath,
      view: viewName(10, true),
      features: 10,
      online: "redis",
      source: largeSource,
    });
    console.log("");
    console.log(table(rows));
    console.log("");
    const bounded = large.maxRssMb <= small.maxRssMb * 1.5;
    console.log(
      `Memory: peak RSS ${fmt(small.maxRssMb)} MB for ${fmt(entities)} entities vs ${fmt(large.maxRssMb)} MB for ` +
        `${fmt(entities * largeFactor)} (${largeFactor}× the window; Redis, 10 features, ` +
        `${fmt(rate(large))} rows/s): ${bounded ? "bounded" : "NOT bounded"}.`,
    );
    const tenRedis = rate(rows.find((r) => r.online === "redis" && r.features === 10)!.larder);
    const tenRedisCpu = cpuRate(rows.find((r) => r.online === "redis" && r.features === 10)!.larder);
    console.log(
      `Goal (issue 4): ≥ 100,000 rows/s per worker for 10 features into Redis: ${fmt(tenRedis)} rows/s — ` +
        `${tenRedis >= 100_000 ? "met" : "not met"} (${fmt(tenRedisCpu)} rows per CPU-second of the worker).`,
    );
    return bounded ? 0 : 1;
  } finally {
    await cleanup();
    process.off("SIGINT", onSignal);
  }
}

if (process.argv[2] === "child" && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runChild(process.argv[3] ?? "{}");
}
