import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { DuckDBInstance } from "@duckdb/node-api";
import { validateOfflineStoreConfig, type PostgresOfflineStoreConfig } from "@larder/core";
import { DataSourceSchema, type DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import pg from "pg";
import { createTestDatabase } from "../../../../test/harness/postgres.js";
import { createDuckDbOfflineStore } from "../../src/offline-store/duckdb-offline-store.js";
import type { ColumnBatch, EntitySource, OfflineStore } from "../../src/offline-store/offline-store.js";
import { createPostgresOfflineStore } from "../../src/offline-store/postgres-offline-store.js";

/** Column types the test tables use, spelled per database. */
export type TestType = "int64" | "double" | "string" | "ts" | "tstz";
const DUCKDB_TYPES: Record<TestType, string> = {
  int64: "BIGINT",
  double: "DOUBLE",
  string: "VARCHAR",
  ts: "TIMESTAMP",
  tstz: "TIMESTAMPTZ",
};
const POSTGRES_TYPES: Record<TestType, string> = {
  int64: "bigint",
  double: "double precision",
  string: "text",
  ts: "timestamp",
  tstz: "timestamptz",
};

/** A source table: columns with types and rows of SQL literals both databases accept. */
export interface TableSpec {
  readonly name: string;
  readonly columns: readonly (readonly [string, TestType])[];
  readonly rows: readonly (readonly string[])[];
}

export interface SourceOptions {
  readonly timestampField?: string;
  readonly createdTimestampColumn?: string;
  readonly fieldMapping?: Record<string, string>;
}

/** One store under test with the means to create its tables and sources. */
export interface StoreHarness {
  readonly store: OfflineStore;
  writeTable(spec: TableSpec): Promise<void>;
  source(table: string, options?: SourceOptions): DataSource;
  /** A source of the other store's kind, which this store must refuse. */
  foreignSource(table: string): DataSource;
  /** The entity table in the store's own form: a Parquet file (file store) or a query ordered by `ord` (postgres). */
  entitySource(table: string): EntitySource;
  /** How many rows a source holds, appended rows included (reads the storage directly). */
  countRows(table: string): Promise<number>;
  close(): Promise<void>;
}

const T0 = Date.UTC(2024, 0, 1);

/** Epoch milliseconds `hours` after 2024-01-01T00:00:00Z. */
export const at = (hours: number): number => T0 + Math.round(hours * 3_600_000);

/** A timestamp literal `hours` after 2024-01-01T00:00:00Z, for table rows. */
export const ts = (hours: number): string =>
  `TIMESTAMP '${new Date(at(hours)).toISOString().replace("T", " ").replace("Z", "")}'`;

function dataSource(table: string, options: SourceOptions, kind: "file" | "postgres"): DataSource {
  return create(DataSourceSchema, {
    name: table,
    timestampField: options.timestampField ?? "event_ts",
    createdTimestampColumn: options.createdTimestampColumn ?? "",
    fieldMapping: options.fieldMapping ?? {},
    options:
      kind === "file"
        ? { case: "fileOptions", value: { uri: `data/${table}.parquet` } }
        : { case: "postgresOptions", value: { table } },
  });
}

function tableSql(spec: TableSpec, types: Record<TestType, string>): string[] {
  const columns = spec.columns.map(([name, type]) => `"${name}" ${types[type]}`).join(", ");
  const statements = [`CREATE TABLE "${spec.name}" (${columns})`];
  if (spec.rows.length > 0) {
    statements.push(`INSERT INTO "${spec.name}" VALUES ${spec.rows.map((row) => `(${row.join(", ")})`).join(", ")}`);
  }
  return statements;
}

/** The file store over Parquet files written by DuckDB COPY into a temporary repository. */
export async function fileHarness(): Promise<StoreHarness> {
  const repoPath = await mkdtemp(join(tmpdir(), "larder-offline-"));
  await mkdir(join(repoPath, "data"));
  const writer = await DuckDBInstance.create(":memory:");
  const connection = await writer.connect();
  await connection.run("SET TimeZone = 'UTC'");
  const store = createDuckDbOfflineStore({ repoPath });
  return {
    store,
    async writeTable(spec) {
      for (const statement of tableSql(spec, DUCKDB_TYPES)) await connection.run(statement);
      await connection.run(
        `COPY "${spec.name}" TO '${join(repoPath, "data", `${spec.name}.parquet`)}' (FORMAT parquet)`,
      );
    },
    source: (table, options = {}) => dataSource(table, options, "file"),
    foreignSource: (table) => dataSource(table, {}, "postgres"),
    entitySource: (table) => ({ kind: "file", path: `data/${table}.parquet` }),
    async countRows(table) {
      // Appends to a file source land in the sibling directory <file>.larder-appends/.
      const base = join(repoPath, "data", `${table}.parquet`);
      const files = [
        base,
        ...(await readdir(`${base}.larder-appends`).catch(() => []))
          .filter((name) => name.endsWith(".parquet"))
          .map((name) => join(`${base}.larder-appends`, name)),
      ];
      const reader = await connection.runAndReadAll(
        `SELECT count(*)::INTEGER FROM read_parquet([${files.map((file) => `'${file}'`).join(", ")}], union_by_name = true)`,
      );
      return Number(reader.getRowsJS()[0]?.[0]);
    },
    async close() {
      await store.close();
      connection.closeSync();
      writer.closeSync();
      await rm(repoPath, { recursive: true, force: true });
    },
  };
}

/** The postgres store over a fresh database on the running server. */
export async function postgresHarness(): Promise<StoreHarness> {
  const db = await createTestDatabase();
  // A non-UTC server default proves the store reads naive timestamps as UTC by itself.
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`ALTER DATABASE "${db.name}" SET timezone TO 'America/New_York'`);
  await admin.end();
  const config = validateOfflineStoreConfig({ type: "postgres", url: db.url }, { provider: "local" });
  const store = createPostgresOfflineStore(config as PostgresOfflineStoreConfig);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query("SET TIME ZONE 'UTC'");
  return {
    store,
    async writeTable(spec) {
      for (const statement of tableSql(spec, POSTGRES_TYPES)) await client.query(statement);
    },
    source: (table, options = {}) => dataSource(table, options, "postgres"),
    foreignSource: (table) => dataSource(table, {}, "file"),
    entitySource: (table) => ({ kind: "sql", query: `SELECT * FROM "${table}" ORDER BY ord` }),
    async countRows(table) {
      const result = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`);
      return result.rows[0]?.n ?? 0;
    },
    async close() {
      await store.close();
      await client.end();
      await db.drop();
    },
  };
}

/** Collects a stream of batches into one, checking every batch is consistent. */
export async function collect(
  stream: AsyncIterable<ColumnBatch>,
): Promise<{ batches: number; rows: Record<string, unknown>[]; names: string[] }> {
  const rows: Record<string, unknown>[] = [];
  let batches = 0;
  let names: string[] = [];
  for await (const batch of stream) {
    batches++;
    names = [...batch.columns.keys()];
    for (let row = 0; row < batch.rowCount; row++) {
      rows.push(Object.fromEntries(names.map((name) => [name, batch.columns.get(name)?.[row]])));
    }
  }
  return { batches, rows, names };
}

/** A batch from rows given as objects (every object has the same keys). */
export function batchOf(rows: readonly Record<string, unknown>[]): ColumnBatch {
  const names = Object.keys(rows[0] ?? {});
  return { rowCount: rows.length, columns: new Map(names.map((name) => [name, rows.map((row) => row[name])])) };
}
