import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, quotedIdentifier as q, quotedString, type DuckDBConnection } from "@duckdb/node-api";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, type OfflineStoreConfig } from "@larder/core";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { LOG_DATE, LOG_TIMESTAMP, REQUEST_ID, STATUS_SUFFIX, TIMESTAMP_SUFFIX } from "./log-rows.js";
import { logTargetOf, type LogTarget } from "./log-target.js";
import { createLogPool, pgIdentifier, pgTableName } from "./postgres-destination.js";

/** One date partition of a service's logs. */
export interface LogPartition {
  readonly date: string;
  readonly rows: number;
  /** Parquet files (file destination); 0 for a PostgreSQL table. */
  readonly files: number;
}

/** Options of reading logs back. */
export interface ReadLogsOptions {
  /** Inclusive bounds on `__log_timestamp`, epoch milliseconds. */
  readonly startMs?: number | undefined;
  readonly endMs?: number | undefined;
  /** Every logged column instead of the entity table (join keys, `event_timestamp`, `__request_id`). */
  readonly allColumns?: boolean | undefined;
}

/** The log target of a service, failing with what to change when it has none. */
export function requireLogTarget(registry: Registry, project: string, service: string, repoPath: string): LogTarget {
  const exists = registry.featureServices.some((s) => s.spec?.project === project && s.spec.name === service);
  if (!exists) throw new NotFoundError(`Feature service "${service}" not found in project ${project}`);
  const target = logTargetOf(registry, project, service, repoPath);
  if (target === undefined) {
    throw new FailedPreconditionError(
      `Feature service "${service}" has no logging config (or sample rate 0); give it loggingConfig to log it`,
    );
  }
  return target;
}

async function partitions(directory: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const match = new RegExp(`^${LOG_DATE}=(\\d{4}-\\d{2}-\\d{2})$`).exec(entry.name);
    if (!entry.isDirectory() || match === null) continue;
    const files = (await readdir(join(directory, entry.name))).filter((f) => f.endsWith(".parquet"));
    if (files.length > 0)
      out.set(
        match[1]!,
        files.map((f) => join(directory, entry.name, f)),
      );
  }
  return out;
}

async function withDuckDb<T>(run: (db: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  try {
    await db.run("SET TimeZone = 'UTC'");
    return await run(db);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

function pgClient(offline: OfflineStoreConfig | undefined, target: LogTarget) {
  if (offline?.type !== "postgres") {
    throw new FailedPreconditionError(
      `Feature service "${target.service}" logs to a PostgreSQL table, which needs offline_store.type postgres`,
    );
  }
  return createLogPool(offline, 1);
}

/** Date partitions of a service's logs with their row counts, oldest first. */
export async function listFeatureLogs(target: LogTarget, offline?: OfflineStoreConfig): Promise<LogPartition[]> {
  if (target.destination.kind === "file") {
    const parts = await partitions(target.destination.directory);
    if (parts.size === 0) return [];
    return withDuckDb(async (db) => {
      const out: LogPartition[] = [];
      for (const [date, files] of [...parts].sort(([a], [b]) => a.localeCompare(b))) {
        const list = files.map((f) => quotedString(f)).join(", ");
        const reader = await db.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet([${list}])`);
        out.push({ date, rows: Number(reader.getRowObjectsJS()[0]?.n ?? 0), files: files.length });
      }
      return out;
    });
  }
  const pool = pgClient(offline, target);
  try {
    const table = pgTableName(target.destination.table);
    const result = await pool
      .query<{ d: string; n: string }>(
        `SELECT to_char(${pgIdentifier(LOG_DATE)}, 'YYYY-MM-DD') AS d, count(*) AS n FROM ${table} GROUP BY 1 ORDER BY 1`,
      )
      .catch((error: unknown) => {
        if ((error as { code?: string }).code === "42P01") return { rows: [] };
        throw error;
      });
    return result.rows.map((row) => ({ date: row.d, rows: Number(row.n), files: 0 }));
  } finally {
    await pool.end();
  }
}

/** Join-key columns of a log: not metadata, not a feature (a feature has a `__status` sibling) or its siblings. */
export function joinKeyColumnsOf(columns: readonly string[]): string[] {
  const names = new Set(columns);
  const features = columns.filter((c) => names.has(`${c}${STATUS_SUFFIX}`));
  const siblings = new Set(features.flatMap((f) => [`${f}${STATUS_SUFFIX}`, `${f}${TIMESTAMP_SUFFIX}`]));
  return columns.filter((c) => !c.startsWith("__") && !names.has(`${c}${STATUS_SUFFIX}`) && !siblings.has(c));
}

function outputClause(output: string): string {
  if (output.endsWith(".parquet")) return "(FORMAT parquet)";
  if (output.endsWith(".csv")) return "(FORMAT csv, HEADER true)";
  throw new InvalidArgumentError(`--output must end in .parquet or .csv, got ${JSON.stringify(output)}`);
}

function whereClause(options: ReadLogsOptions, column: string): string {
  const parts: string[] = [];
  if (options.startMs !== undefined)
    parts.push(`${column} >= ${quotedString(new Date(options.startMs).toISOString())}::TIMESTAMPTZ`);
  if (options.endMs !== undefined)
    parts.push(`${column} <= ${quotedString(new Date(options.endMs).toISOString())}::TIMESTAMPTZ`);
  return parts.length === 0 ? "" : ` WHERE ${parts.join(" AND ")}`;
}

const PG_TO_DUCKDB: Record<string, string> = {
  integer: "INTEGER",
  bigint: "BIGINT",
  real: "FLOAT",
  "double precision": "DOUBLE",
  boolean: "BOOLEAN",
  "timestamp with time zone": "TIMESTAMP",
  date: "DATE",
};

/**
 * Writes a service's logs to a Parquet or CSV file. By default the result is an entity table for
 * get-historical-features: the join keys, `event_timestamp` (when the features were served) and
 * `__request_id`, oldest first. Returns the number of rows written.
 */
export async function readFeatureLogs(
  target: LogTarget,
  output: string,
  options: ReadLogsOptions = {},
  offline?: OfflineStoreConfig,
): Promise<number> {
  const format = outputClause(output);
  if (target.destination.kind === "file") {
    const parts = await partitions(target.destination.directory);
    const files = [...parts.values()].flat();
    if (files.length === 0) throw new NotFoundError(`Feature service "${target.service}" has no logs yet`);
    return withDuckDb(async (db) => {
      const scan = `read_parquet([${files.map((f) => quotedString(f)).join(", ")}], union_by_name = true)`;
      const described = await db.runAndReadAll(`DESCRIBE SELECT * FROM ${scan}`);
      const columns = described
        .getRowObjectsJS()
        .map((row) => (typeof row.column_name === "string" ? row.column_name : ""));
      const select = options.allColumns === true ? "*" : entitySelect(columns);
      const sql = `SELECT ${select} FROM ${scan}${whereClause(options, q(LOG_TIMESTAMP))} ORDER BY ${q(LOG_TIMESTAMP)}`;
      await db.run(`COPY (${sql}) TO ${quotedString(output)} ${format}`);
      const count = await db.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM (${sql})`);
      return Number(count.getRowObjectsJS()[0]?.n ?? 0);
    });
  }
  const pool = pgClient(offline, target);
  try {
    const [schema, table] = target.destination.table.includes(".")
      ? target.destination.table.split(".")
      : [undefined, target.destination.table];
    const info = await pool.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 AND ($2::text IS NULL OR table_schema = $2) ORDER BY ordinal_position`,
      [table, schema ?? null],
    );
    if (info.rows.length === 0) throw new NotFoundError(`Feature service "${target.service}" has no logs yet`);
    const types = new Map(info.rows.map((r) => [r.column_name, PG_TO_DUCKDB[r.data_type] ?? "VARCHAR"]));
    const columns =
      options.allColumns === true
        ? [...types.keys()]
        : [...joinKeyColumnsOf([...types.keys()]), LOG_TIMESTAMP, REQUEST_ID];
    const rows = await pool.query<{ j: unknown }>(
      `SELECT jsonb_build_object(${columns.map((c) => `'${c.replace(/'/g, "''")}', ${types.get(c) === "BIGINT" ? `${pgIdentifier(c)}::text` : pgIdentifier(c)}`).join(", ")}) AS j ` +
        `FROM ${pgTableName(target.destination.table)}${whereClause(options, pgIdentifier(LOG_TIMESTAMP)).replace(/::TIMESTAMPTZ/g, "::timestamptz")} ORDER BY ${pgIdentifier(LOG_TIMESTAMP)}`,
    );
    return await withDuckDb(async (db) => {
      const dir = await mkdtemp(join(tmpdir(), "larder-logs-"));
      const staging = join(dir, "rows.ndjson");
      try {
        await writeFile(staging, rows.rows.map((r) => JSON.stringify(r.j)).join("\n") + "\n");
        const spec = columns.map((c) => `${quotedString(c)}: ${quotedString(types.get(c) ?? "VARCHAR")}`).join(", ");
        const select = options.allColumns === true ? "*" : entitySelect(columns);
        await db.run(
          `COPY (SELECT ${select} FROM read_json(${quotedString(staging)}, format = 'newline_delimited', columns = {${spec}})) TO ${quotedString(output)} ${format}`,
        );
        return rows.rows.length;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  } finally {
    await pool.end();
  }
}

function entitySelect(columns: readonly string[]): string {
  const keys = joinKeyColumnsOf(columns).map(q);
  return [...keys, `${q(LOG_TIMESTAMP)} AS event_timestamp`, q(REQUEST_ID)].join(", ");
}
