// `npm run bench -- historical-postgres [--entities E] [--rows R] [--views V] [--ttl-days D]`: the historical benchmark on
// the PostgreSQL offline store. E entity rows (an entity SQL query) against V views of R rows each (tables
// with no index, ttl 2 days or D days (0 = none), 5 features), through Larder's getHistoricalFeatures, beside a hand-written
// PostgreSQL query computing the same result (per view: join on the key within the ttl, DISTINCT ON the
// entity row keeping the newest event time; LEFT JOINed back in entity order) read through a cursor by a
// plain `pg` client. Each client runs in its own child process pinned to core 0; the server is not
// pinned. The bench database runs with max_parallel_workers_per_gather = 0 so every query runs in its one
// backend, whose CPU time is read from /proc and added to the client's: that sum is the CPU figure.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { defineRepoConfig, type RepoConfig } from "@larder/core";
import { createOfflineStore, getHistoricalFeatures } from "@larder/materialization";
import { openRegistry } from "@larder/registry";
import { Entity, FeatureStore, FeatureView, Field, PostgreSQLSource, ValueType, types } from "@larder/sdk";
import { nodeScript, pinningAvailable, runToEnd, stopAll } from "./bench-process.js";
import {
  FEATURES,
  JOIN_KEY,
  KEYS,
  SPAN_SECONDS,
  TTL_DAYS,
  argValue,
  cpuMsSince,
  featureName,
  fmt,
  maxRssMb,
  outputColumns,
  printComparison,
  viewName,
  type ChildResult,
} from "./historical.js";

/** Where the bench creates (and afterwards drops) its database; LARDER_BENCH_PG_URL overrides. */
const ADMIN_URL = process.env.LARDER_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ENTITY_QUERY = `SELECT ${JOIN_KEY}, event_timestamp FROM entities ORDER BY ord`;

interface Job {
  readonly kind: "larder" | "sql";
  readonly project: string;
  readonly repoPath: string;
  readonly url: string;
  readonly database: string;
  readonly views: number;
  /** The views' ttl in days; 0 = none (every earlier row of a key is a candidate). */
  readonly ttlDays: number;
}

interface PgChildResult extends ChildResult {
  /** CPU time of the database backend(s) serving the child, part of cpuMs. */
  readonly serverCpuMs: number;
}

const databaseUrl = (database: string): string => {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
};

function benchConfig(project: string, url: string, repoPath: string): RepoConfig {
  return defineRepoConfig(
    { project, registry: "data/registry.db", offline_store: { type: "postgres", url } },
    { repoPath },
  );
}

/** The same shapes as the DuckDB benchmark: unique (key, event time) per view, entity times over 30 days. */
async function writeData(client: pg.Client, entityRows: number, rows: number, views: number): Promise<void> {
  const step = Math.max(1, Math.floor((SPAN_SECONDS + 3 * 86_400) / Math.max(1, rows / KEYS)));
  await client.query(`
    CREATE TABLE entities AS
    SELECT i AS ord, (1 + abs(hashint8(i * 2)) % ${KEYS})::bigint AS ${JOIN_KEY},
      timestamp '2024-01-01' + (abs(hashint8(i * 2 + 1)) % ${SPAN_SECONDS}) * interval '1 second' AS event_timestamp
    FROM generate_series(0, ${entityRows - 1}) AS t(i)`);
  for (let v = 0; v < views; v++) {
    const features = Array.from(
      { length: FEATURES },
      (_, i) =>
        `(abs(hashint8(i * ${FEATURES * views} + ${v * FEATURES + i})) % 100000) / 1000.0::float8 AS ${featureName(v, i)}`,
    );
    await client.query(`
      CREATE TABLE ${viewName(v)} AS
      SELECT (1 + i % ${KEYS})::bigint AS ${JOIN_KEY},
        timestamp '2024-01-01' - interval '3 days' + ((i / ${KEYS}) * ${step} + (i % ${KEYS}) % 600) * interval '1 second' AS event_timestamp,
        ${features.join(", ")}
      FROM generate_series(0, ${rows - 1}) AS t(i)`);
  }
  await client.query("ANALYZE");
}

function definitions(views: number, ttlDays: number) {
  const driver = new Entity({ name: "driver", joinKeys: [JOIN_KEY], valueType: ValueType.INT64 });
  const list = Array.from({ length: views }, (_, v) => {
    const source = new PostgreSQLSource({
      name: `${viewName(v)}_source`,
      table: viewName(v),
      timestampField: "event_timestamp",
    });
    return new FeatureView({
      name: viewName(v),
      entities: [driver],
      ...(ttlDays > 0 ? { ttl: `${ttlDays}d` } : {}),
      schema: Array.from({ length: FEATURES }, (_, i) => new Field({ name: featureName(v, i), dtype: types.Float64 })),
      source,
    });
  });
  return [driver, ...list];
}

/**
 * The hand-written equivalent: per view, the newest row within the ttl per entity row (DISTINCT ON), kept
 * in entity order; with no ttl, the same join without a lower bound (what Larder ran before its as-of join).
 */
export function handWrittenPostgres(views: number, ttlDays: number): string {
  const selects: string[] = [];
  const joins: string[] = [];
  for (let v = 0; v < views; v++) {
    const features = Array.from({ length: FEATURES }, (_, i) => featureName(v, i));
    joins.push(
      `LEFT JOIN (SELECT DISTINCT ON (e.ord) e.ord, ${features.map((f) => `s.${f}`).join(", ")} ` +
        `FROM entities AS e JOIN ${viewName(v)} AS s ON s.${JOIN_KEY} = e.${JOIN_KEY} ` +
        `AND s.event_timestamp <= e.event_timestamp ` +
        (ttlDays > 0 ? `AND s.event_timestamp >= e.event_timestamp - interval '${ttlDays} days' ` : "") +
        `ORDER BY e.ord, s.event_timestamp DESC) AS f${v} ON f${v}.ord = e.ord`,
    );
    selects.push(...features.map((f) => `f${v}.${f}`));
  }
  return `SELECT e.${JOIN_KEY}, e.event_timestamp, ${selects.join(", ")} FROM entities AS e ${joins.join(" ")} ORDER BY e.ord`;
}

// ---- children ----

const CLOCK_TICK_MS = 10;

/** CPU time (ms) of every backend connected to `database`, by pid, from /proc (process titles name the database). */
function backendCpu(database: string): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      if (!title.startsWith("postgres: ") || !title.includes(` ${database} `)) continue;
      const fields = (readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
      cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS);
    } catch {
      // The process ended while being read.
    }
  }
  return cpu;
}

function backendCpuSince(database: string, before: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of backendCpu(database)) total += ms - (before.get(pid) ?? 0);
  return total;
}

async function childLarder(job: Job): Promise<PgChildResult> {
  const config = benchConfig(job.project, job.url, job.repoPath);
  const registry = await openRegistry(config.registry);
  const offline = createOfflineStore(config.offlineStore, { repoPath: job.repoPath });
  try {
    const snapshot = await registry.snapshot();
    const outputs = outputColumns(job.views);
    const nonNull = outputs.map(() => 0);
    const server = backendCpu(job.database);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = getHistoricalFeatures(
      { offline, registry: snapshot, project: job.project },
      {
        entities: { kind: "sql", query: ENTITY_QUERY },
        kind: {
          features: Array.from({ length: job.views }, (_, v) => viewName(v)).flatMap((view, v) =>
            Array.from({ length: FEATURES }, (_, i) => `${view}:${featureName(v, i)}`),
          ),
        },
        fullFeatureNames: false,
      },
    );
    let rows = 0;
    for await (const batch of result) {
      rows += batch.rowCount;
      outputs.forEach((name, c) => {
        for (const value of batch.columns.get(name) ?? []) if (value !== null && value !== undefined) nonNull[c]!++;
      });
    }
    const ms = performance.now() - started;
    const clientCpuMs = cpuMsSince(cpu);
    const serverCpuMs = backendCpuSince(job.database, server);
    return { rows, ms, cpuMs: clientCpuMs + serverCpuMs, serverCpuMs, maxRssMb: maxRssMb(), nonNull };
  } finally {
    await offline.close();
    await registry.close();
  }
}

async function childSql(job: Job): Promise<PgChildResult> {
  const client = new pg.Client({ connectionString: job.url });
  await client.connect();
  try {
    const nonNull = outputColumns(job.views).map(() => 0);
    const server = backendCpu(job.database);
    const started = performance.now();
    const cpu = process.cpuUsage();
    await client.query("BEGIN");
    await client.query(`DECLARE hand NO SCROLL CURSOR FOR ${handWrittenPostgres(job.views, job.ttlDays)}`);
    let rows = 0;
    for (;;) {
      const result = await client.query<unknown[]>({ text: "FETCH FORWARD 10000 FROM hand", rowMode: "array" });
      rows += result.rows.length;
      for (const row of result.rows) nonNull.forEach((_, c) => row[c + 2] !== null && nonNull[c]!++);
      if (result.rows.length < 10_000) break;
    }
    await client.query("COMMIT");
    const ms = performance.now() - started;
    const clientCpuMs = cpuMsSince(cpu);
    const serverCpuMs = backendCpuSince(job.database, server);
    return { rows, ms, cpuMs: clientCpuMs + serverCpuMs, serverCpuMs, maxRssMb: maxRssMb(), nonNull };
  } finally {
    await client.end();
  }
}

// ---- orchestration ----

async function measure(job: Job): Promise<PgChildResult> {
  const run = await runToEnd(
    0,
    process.execPath,
    nodeScript("bench/historical-postgres.ts", ["child", JSON.stringify(job)]),
    1_800_000,
  );
  const line = run.stdout.trim().split("\n").pop() ?? "";
  if (run.code !== 0 || !line.startsWith("{")) {
    throw new Error(`${job.kind} failed (code ${String(run.code)}):\n${run.stdout}\n${run.stderr}`);
  }
  return JSON.parse(line) as PgChildResult;
}

/** Runs the PostgreSQL historical retrieval benchmark; returns the process exit code. */
export async function runHistoricalPostgresBenchmark(): Promise<number> {
  const entityRows = argValue("--entities", 100_000);
  const rows = argValue("--rows", 1_000_000);
  const views = argValue("--views", 3);
  const ttlDays = argValue("--ttl-days", TTL_DAYS, 0);
  const suffix = randomBytes(4).toString("hex");
  const project = `benchhistpg_${suffix}`;
  const database = `larder_bench_hist_${suffix}`;
  const repoPath = mkdtempSync(join(tmpdir(), "larder-bench-historical-pg-"));
  mkdirSync(join(repoPath, "data"));
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  let store: FeatureStore | undefined;
  try {
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.query(`ALTER DATABASE ${database} SET max_parallel_workers_per_gather = 0`);
    const url = databaseUrl(database);
    console.log(
      `Larder historical retrieval benchmark on PostgreSQL — node ${process.version}, ${availableParallelism()} cores, ` +
        `${pinningAvailable() ? "each client pinned to core 0" : "UNPINNED"}, ${fmt(entityRows)} entity rows × ` +
        `${views} views of ${fmt(rows)} rows (${FEATURES} features, ${ttlDays > 0 ? `ttl ${ttlDays} d` : "no ttl"}, ${fmt(KEYS)} keys, no indexes, ` +
        `no parallel workers)`,
    );
    const started = Date.now();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await writeData(client, entityRows, rows, views);
    } finally {
      await client.end();
    }
    console.log(`wrote the tables (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    store = await FeatureStore.open({ config: benchConfig(project, url, repoPath), repoPath });
    await store.apply(definitions(views, ttlDays));
    const job: Job = { kind: "larder", project, repoPath, url, database, views, ttlDays };
    // Baseline first, then Larder, then the baseline again: the better baseline is the one compared.
    const sql1 = await measure({ ...job, kind: "sql" });
    const larder = await measure(job);
    const sql2 = await measure({ ...job, kind: "sql" });
    const agree = printComparison(
      ["Larder getHistoricalFeatures", larder],
      ["hand-written PostgreSQL DISTINCT ON", sql1, sql2],
    );
    const split = (r: PgChildResult): string =>
      `${fmt(r.serverCpuMs / 1000, 2)} s server + ${fmt((r.cpuMs - r.serverCpuMs) / 1000, 2)} s client`;
    console.log(
      `CPU time = PostgreSQL backend + client process: Larder ${split(larder)}; hand-written ${split(sql1)} and ${split(sql2)}.`,
    );
    return agree ? 0 : 1;
  } finally {
    await stopAll();
    await store?.close().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(repoPath, { recursive: true, force: true });
  }
}

if (process.argv[2] === "child" && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const job = JSON.parse(process.argv[3] ?? "{}") as Job;
  const result = job.kind === "larder" ? await childLarder(job) : await childSql(job);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
