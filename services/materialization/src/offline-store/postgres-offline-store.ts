import type { PostgresOfflineStoreConfig } from "@larder/core";
import type pg from "pg";
import { checkBatchRows } from "./column-batch.js";
import { checkBucket } from "./entity-bucket.js";
import type { ColumnKind, ScalarKind } from "./column-types.js";
import type { OfflineStore, OfflineView } from "./offline-store.js";
import { appendToTable } from "./postgres-append.js";
import { checkout, createPool } from "./postgres-connection.js";
import { postgresFailure, streamCursor } from "./postgres-cursor.js";
import { ENTITY_TABLE, loadEntities } from "./postgres-entities.js";
import { historicalSql, pullLatestSql, scanSql } from "./postgres-queries.js";
import { checkRead, requireTimestampField } from "./source-projection.js";
import { checkSourceColumns, checkSourceKind } from "./validate-source.js";

/** Creates the `postgres` offline store: table or query sources, every join pushed down to PostgreSQL. */
export function createPostgresOfflineStore(config: PostgresOfflineStoreConfig): OfflineStore {
  const pool = createPool(config);
  return {
    async *pullLatest(view, window, options = {}) {
      const batchRows = checkBatchRows(options.batchRows);
      const bucket = checkBucket(options.bucket);
      checkSourceKind(view, "postgres");
      const now = options.disableEventTimestamp === true ? Date.now() : undefined;
      if (now === undefined) requireTimestampField(view);
      yield* streamCursor(pool, pullLatestSql(view, window, now, bucket), batchRows, `feature view "${view.name}"`);
    },

    async *historical(entities, reads, options = {}) {
      const batchRows = checkBatchRows(options.batchRows);
      reads.forEach(checkRead);
      const scanned = reads
        .filter((read) => read.features.length > 0)
        .map((read) => {
          checkSourceKind(read.view, "postgres");
          requireTimestampField(read.view);
          return { read, scan: scanSql(read.view.source, read.view.name) };
        });
      let sql = "";
      yield* streamCursor(
        pool,
        () => sql,
        batchRows,
        "historical features",
        async (client) => {
          const columns = await loadEntities(client, entities, reads);
          sql = historicalSql(ENTITY_TABLE, columns, scanned);
        },
      );
    },

    async validateSource(view) {
      checkSourceKind(view, "postgres");
      checkSourceColumns(view, await sourceColumns(pool, view));
    },

    append: (source, batch) => appendToTable(pool, source, batch),

    async close() {
      await pool.end();
    },
  };
}

/** Column name → kind of a source, from a zero-row read and the catalog's type names. */
async function sourceColumns(pool: pg.Pool, view: OfflineView): Promise<Map<string, ColumnKind>> {
  const client = await checkout(pool);
  try {
    const probe = await client.query(`SELECT * FROM ${scanSql(view.source, view.name)} LIMIT 0`);
    const oids = [...new Set(probe.fields.map((field) => field.dataTypeID))];
    const names = await client.query<{ oid: number; name: string }>(
      "SELECT oid::int AS oid, typname AS name FROM pg_type WHERE oid = ANY($1::oid[])",
      [oids],
    );
    const typeNames = new Map(names.rows.map((row) => [row.oid, row.name]));
    return new Map(probe.fields.map((field) => [field.name, postgresKind(typeNames.get(field.dataTypeID) ?? "")]));
  } catch (error) {
    throw postgresFailure(error, `data source "${view.source.name}"`);
  } finally {
    client.release();
  }
}

const POSTGRES_KINDS = new Map<string, ScalarKind>([
  ...["int2", "int4", "int8"].map((name) => [name, "integer"] as const),
  ...["float4", "float8"].map((name) => [name, "float"] as const),
  ["numeric", "decimal"],
  ...["text", "varchar", "bpchar", "name", "citext"].map((name) => [name, "string"] as const),
  ...["json", "jsonb"].map((name) => [name, "json"] as const),
  ["uuid", "uuid"],
  ["bool", "bool"],
  ["bytea", "bytes"],
  ...["timestamp", "timestamptz", "date"].map((name) => [name, "timestamp"] as const),
]);

/** Classifies a pg_type name (`_name` for arrays) for type checks. */
export function postgresKind(typeName: string): ColumnKind {
  const list = typeName.startsWith("_");
  return { scalar: POSTGRES_KINDS.get(list ? typeName.slice(1) : typeName) ?? "other", list };
}
