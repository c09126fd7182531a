// `npm run bench -- historical [--entities E] [--rows R] [--views V]`: point-in-time training data for E
// entity rows against V feature views of R rows each (ttl 2 days, 5 features) through the DuckDB offline
// store, beside the equivalent hand-written DuckDB ASOF query in the same run. Both stream their rows to
// JS (Larder through getHistoricalFeatures' batches, the baseline through DuckDB chunks converted to JS
// values), each in its own child process pinned to core 0 so its peak RSS is its own; the two results are
// checked to agree (row count and non-null count of every output column). Wall time and CPU time (user +
// system of the child, all threads) are both reported: on a loaded machine CPU time is the steadier ratio.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DuckDBInstance, JSDuckDBValueConverter } from "@duckdb/node-api";
import { defineRepoConfig, type RepoConfig } from "@larder/core";
import { createOfflineStore, getHistoricalFeatures } from "@larder/materialization";
import { openRegistry } from "@larder/registry";
import { Entity, FeatureStore, FeatureView, Field, FileSource, ValueType, types } from "@larder/sdk";
import { nodeScript, pinningAvailable, runToEnd, stopAll } from "./bench-process.js";

export const JOIN_KEY = "driver_id";
export const FEATURES = 5;
export const TTL_DAYS = 2;
/** Distinct entities. */
export const KEYS = 10_000;
export const T0_SECONDS = Date.UTC(2024, 0, 1) / 1000;
/** Source rows and entity rows spread over this many seconds (30 days). */
export const SPAN_SECONDS = 30 * 86_400;

interface Job {
  readonly kind: "larder" | "asof";
  readonly project: string;
  readonly repoPath: string;
  readonly views: number;
}

export interface ChildResult {
  readonly rows: number;
  readonly ms: number;
  /** CPU time of the whole process (all threads, user + system) during the query: steadier than wall time under load. */
  readonly cpuMs: number;
  readonly maxRssMb: number;
  /** Non-null values per output column, in output order. */
  readonly nonNull: number[];
}

export const viewName = (v: number): string => `hv${v}`;
export const featureName = (v: number, i: number): string => `v${v}_f${i}`;
const entitiesPath = (repoPath: string): string => join(repoPath, "data/entities.parquet");
const sourcePath = (repoPath: string, v: number): string => join(repoPath, `data/${viewName(v)}.parquet`);
const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function benchConfig(project: string, repoPath: string): RepoConfig {
  return defineRepoConfig({ project, registry: "data/registry.db" }, { repoPath });
}

async function writeData(repoPath: string, entityRows: number, rows: number, views: number): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(`
      COPY (
        SELECT (1 + hash(i, 'k') % ${KEYS})::BIGINT AS ${JOIN_KEY},
          to_timestamp(${T0_SECONDS} + hash(i, 't') % ${SPAN_SECONDS}) AS event_timestamp
        FROM range(${entityRows}) AS t(i)
      ) TO ${sqlString(entitiesPath(repoPath))} (FORMAT parquet)`);
    for (let v = 0; v < views; v++) {
      const features = Array.from(
        { length: FEATURES },
        (_, i) => `((hash(i, ${v}, ${i}) % 100000) / 1000.0)::DOUBLE AS ${featureName(v, i)}`,
      );
      // Unique (key, event time): row i is key i % KEYS at a time that grows with i.
      await connection.run(`
        COPY (
          SELECT (1 + i % ${KEYS})::BIGINT AS ${JOIN_KEY},
            to_timestamp(${T0_SECONDS} - 3 * 86400 + (i // ${KEYS}) * ${Math.max(1, Math.floor((SPAN_SECONDS + 3 * 86_400) / Math.max(1, rows / KEYS)))} + (i % ${KEYS}) % 600) AS event_timestamp,
            ${features.join(", ")}
          FROM range(${rows}) AS t(i)
        ) TO ${sqlString(sourcePath(repoPath, v))} (FORMAT parquet)`);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function definitions(views: number) {
  const driver = new Entity({ name: "driver", joinKeys: [JOIN_KEY], valueType: ValueType.INT64 });
  const list = Array.from({ length: views }, (_, v) => {
    const source = new FileSource({
      name: `${viewName(v)}_source`,
      path: `data/${viewName(v)}.parquet`,
      timestampField: "event_timestamp",
    });
    return new FeatureView({
      name: viewName(v),
      entities: [driver],
      ttl: `${TTL_DAYS}d`,
      schema: Array.from({ length: FEATURES }, (_, i) => new Field({ name: featureName(v, i), dtype: types.Float64 })),
      source,
    });
  });
  return [driver, ...list];
}

export const outputColumns = (views: number): string[] =>
  Array.from({ length: views }, (_, v) => Array.from({ length: FEATURES }, (_, i) => featureName(v, i))).flat();

// ---- children ----

export const maxRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
export const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

async function childLarder(job: Job): Promise<ChildResult> {
  const config = benchConfig(job.project, job.repoPath);
  const registry = await openRegistry(config.registry);
  const offline = createOfflineStore(config.offlineStore, { repoPath: job.repoPath });
  try {
    const snapshot = await registry.snapshot();
    const outputs = outputColumns(job.views);
    const nonNull = outputs.map(() => 0);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = getHistoricalFeatures(
      { offline, registry: snapshot, project: job.project },
      {
        entities: { kind: "file", path: entitiesPath(job.repoPath) },
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
    return { rows, ms: performance.now() - started, cpuMs: cpuMsSince(cpu), maxRssMb: maxRssMb(), nonNull };
  } finally {
    await offline.close();
    await registry.close();
  }
}

/** The hand-written equivalent: one ASOF LEFT JOIN per view, values older than the ttl nulled, entity order kept. */
export function handWrittenAsof(repoPath: string, views: number): string {
  const selects: string[] = [];
  const joins: string[] = [];
  for (let v = 0; v < views; v++) {
    const f = `f${v}`;
    joins.push(
      `ASOF LEFT JOIN (SELECT * FROM read_parquet(${sqlString(sourcePath(repoPath, v))})) AS ${f} ` +
        `ON e.${JOIN_KEY} = ${f}.${JOIN_KEY} AND e.event_timestamp >= ${f}.event_timestamp`,
    );
    for (let i = 0; i < FEATURES; i++) {
      selects.push(
        `CASE WHEN ${f}.event_timestamp >= e.event_timestamp - INTERVAL ${TTL_DAYS} DAY THEN ${f}.${featureName(v, i)} END AS ${featureName(v, i)}`,
      );
    }
  }
  return [
    `SELECT e.${JOIN_KEY}, e.event_timestamp, ${selects.join(", ")}`,
    `FROM (SELECT file_row_number AS rid, * FROM read_parquet(${sqlString(entitiesPath(repoPath))}, file_row_number = true)) AS e`,
    joins.join("\n"),
    "ORDER BY e.rid",
  ].join("\n");
}

async function childAsof(job: Job): Promise<ChildResult> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    const nonNull = outputColumns(job.views).map(() => 0);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = await connection.stream(handWrittenAsof(job.repoPath, job.views));
    let rows = 0;
    for (
      let chunk = await result.fetchChunk();
      chunk !== null && chunk.rowCount > 0;
      chunk = await result.fetchChunk()
    ) {
      const columns = chunk.convertColumns(JSDuckDBValueConverter);
      rows += chunk.rowCount;
      nonNull.forEach((_, c) => {
        for (const value of columns[c + 2] ?? []) if (value !== null) nonNull[c]!++;
      });
    }
    return { rows, ms: performance.now() - started, cpuMs: cpuMsSince(cpu), maxRssMb: maxRssMb(), nonNull };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

// ---- orchestration ----

async function measure(job: Job): Promise<ChildResult> {
  const run = await runToEnd(
    0,
    process.execPath,
    nodeScript("bench/historical.ts", ["child", JSON.stringify(job)]),
    1_800_000,
  );
  const line = run.stdout.trim().split("\n").pop() ?? "";
  if (run.code !== 0 || !line.startsWith("{")) {
    throw new Error(`${job.kind} failed (code ${String(run.code)}):\n${run.stdout}\n${run.stderr}`);
  }
  return JSON.parse(line) as ChildResult;
}

export const fmt = (x: number, digits = 0): string =>
  Number.isFinite(x)
    ? x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "—";

export function argValue(name: string, fallback: number, min = 1): number {
  const args = process.argv.slice(3);
  const at = args.indexOf(name);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer of at least ${min}`);
  return value;
}

/**
 * Prints Larder beside the better of two baseline runs (taken before and after it): wall time, CPU time
 * (user + system of the process, every thread; steadier than wall time on a loaded machine), peak RSS,
 * the ratios and the issue-4 goal line; returns whether the results agree (rows and non-null values per
 * output column).
 */
export function printComparison(
  [larderName, larder]: readonly [string, ChildResult],
  [baselineName, first, second]: readonly [string, ChildResult, ChildResult],
): boolean {
  const base = first.ms <= second.ms ? first : second;
  const baseCpu = Math.min(first.cpuMs, second.cpuMs);
  const agree = larder.rows === base.rows && larder.nonNull.every((n, i) => n === base.nonNull[i]);
  const header = ["query", "rows", "time", "rows/s", "CPU time", "peak RSS", "time vs baseline", "CPU vs baseline"];
  const line = (name: string, r: ChildResult, cpuMs: number): string[] => [
    name,
    fmt(r.rows),
    `${fmt(r.ms / 1000, 2)} s`,
    fmt((r.rows / r.ms) * 1000),
    `${fmt(cpuMs / 1000, 2)} s`,
    `${fmt(r.maxRssMb)} MB`,
    `${fmt(r.ms / base.ms, 2)}×`,
    `${fmt(cpuMs / baseCpu, 2)}×`,
  ];
  const lines = [line(larderName, larder, larder.cpuMs), line(baselineName, base, baseCpu)];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  console.log("");
  console.log([render(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...lines.map(render)].join("\n"));
  console.log("");
  console.log(
    `baseline runs (before and after Larder): ${fmt(first.ms / 1000, 2)} s / ${fmt(first.cpuMs / 1000, 2)} s CPU and ` +
      `${fmt(second.ms / 1000, 2)} s / ${fmt(second.cpuMs / 1000, 2)} s CPU; the better of each is compared; results ` +
      (agree ? "agree (rows and non-null values per column)." : "DIFFER — see below."),
  );
  if (!agree) console.log(`Larder ${JSON.stringify(larder.nonNull)} vs baseline ${JSON.stringify(base.nonNull)}`);
  const ratio = larder.ms / base.ms;
  const cpuRatio = larder.cpuMs / baseCpu;
  const verdict = (x: number): string => (x <= 1.3 ? "met" : "not met");
  console.log(
    `Goal (issue 4): within 1.3× of the hand-written query: ${fmt(ratio, 2)}× wall time (${verdict(ratio)}), ` +
      `${fmt(cpuRatio, 2)}× CPU time (${verdict(cpuRatio)}).`,
  );
  return agree;
}

/** Runs the historical retrieval benchmark; returns the process exit code. */
export async function runHistoricalBenchmark(): Promise<number> {
  const entityRows = argValue("--entities", 100_000);
  const rows = argValue("--rows", 1_000_000);
  const views = argValue("--views", 3);
  const project = `benchhist_${randomBytes(4).toString("hex")}`;
  const repoPath = mkdtempSync(join(tmpdir(), "larder-bench-historical-"));
  mkdirSync(join(repoPath, "data"));
  let store: FeatureStore | undefined;
  try {
    console.log(
      `Larder historical retrieval benchmark — node ${process.version}, ${availableParallelism()} cores, ` +
        `${pinningAvailable() ? "each measurement pinned to core 0" : "UNPINNED"}, ${fmt(entityRows)} entity rows × ` +
        `${views} views of ${fmt(rows)} rows (${FEATURES} features, ttl ${TTL_DAYS} d, ${fmt(KEYS)} keys)`,
    );
    const started = Date.now();
    await writeData(repoPath, entityRows, rows, views);
    console.log(`wrote the Parquet files (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    store = await FeatureStore.open({ config: benchConfig(project, repoPath), repoPath });
    await store.apply(definitions(views));
    const job: Job = { kind: "larder", project, repoPath, views };
    // Baseline first, then Larder, then the baseline again: the better baseline time is the one compared.
    const asof1 = await measure({ ...job, kind: "asof" });
    const larder = await measure(job);
    const asof2 = await measure({ ...job, kind: "asof" });
    const agree = printComparison(["Larder getHistoricalFeatures", larder], ["hand-written DuckDB ASOF", asof1, asof2]);
    return agree ? 0 : 1;
  } finally {
    await stopAll();
    await store?.close().catch(() => undefined);
    rmSync(repoPath, { recursive: true, force: true });
  }
}

if (process.argv[2] === "child" && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const job = JSON.parse(process.argv[3] ?? "{}") as Job;
  const result = job.kind === "larder" ? await childLarder(job) : await childAsof(job);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
