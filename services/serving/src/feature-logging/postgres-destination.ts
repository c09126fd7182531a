import { ConfigError, type PostgresOfflineStoreConfig } from "@larder/core";
import pg from "pg";
import type { LogWriter } from "./file-destination.js";
import { forEachRow, LOG_DATE, LOG_TIMESTAMP, type LogBatch, type LogColumnType } from "./log-rows.js";

const PG_TYPES: Record<LogColumnType, string> = {
  INTEGER: "integer",
  BIGINT: "bigint",
  FLOAT: "real",
  DOUBLE: "double precision",
  BOOLEAN: "boolean",
  VARCHAR: "text",
  TIMESTAMP: "timestamptz",
  "INTEGER[]": "integer[]",
  "BIGINT[]": "bigint[]",
  "FLOAT[]": "real[]",
  "DOUBLE[]": "double precision[]",
  "BOOLEAN[]": "boolean[]",
  "VARCHAR[]": "text[]",
  JSON: "text",
};

/** Quotes an identifier for PostgreSQL. */
export function pgIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a table name that may be schema-qualified (`schema.table`). */
export function pgTableName(table: string): string {
  const parts = table.split(".");
  if (parts.length > 2 || parts.some((part) => part === "")) {
    throw new ConfigError(`feature logging table ${JSON.stringify(table)} must be table or schema.table`);
  }
  return parts.map(pgIdentifier).join(".");
}

/** Opens a pool on the offline store's PostgreSQL. */
export function createLogPool(config: PostgresOfflineStoreConfig, max = 2): pg.Pool {
  return new pg.Pool({
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(config.sslmode === "require" ? { ssl: { rejectUnauthorized: false } } : {}),
    ...(config.sslmode === "verify-ca" || config.sslmode === "verify-full" ? { ssl: true } : {}),
    max,
    options: `-c search_path=${config.schema},public`,
  });
}

/**
 * Rows into a PostgreSQL table of the offline store's database: the table is created on first use with
 * `__log_date`, `__log_timestamp` and `__request_id`, columns are added as new features appear, and each
 * batch is one INSERT from `jsonb_to_recordset`.
 */
export function createPostgresLogWriter(config: PostgresOfflineStoreConfig): LogWriter {
  const pool = createLogPool(config);
  const known = new Map<string, Set<string>>();
  return {
    async write(table, batch: LogBatch) {
      const name = pgTableName(table);
      let columns = known.get(table);
      const client = await pool.connect();
      try {
        if (columns === undefined) {
          await client.query(
            `CREATE TABLE IF NOT EXISTS ${name} (${pgIdentifier(LOG_DATE)} date, ${pgIdentifier(LOG_TIMESTAMP)} timestamptz, "__request_id" text)`,
          );
          columns = new Set([LOG_DATE, LOG_TIMESTAMP, "__request_id"]);
          known.set(table, columns);
        }
        for (const column of batch.columns) {
          if (columns.has(column.name)) continue;
          await client.query(
            `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS ${pgIdentifier(column.name)} ${PG_TYPES[column.type]}`,
          );
          columns.add(column.name);
        }
        const records: Record<string, unknown>[] = [];
        await forEachRow(batch, (row) => records.push(row));
        const names = batch.columns.map((c) => pgIdentifier(c.name));
        const definition = batch.columns.map((c) => `${pgIdentifier(c.name)} ${PG_TYPES[c.type]}`).join(", ");
        await client.query(
          `INSERT INTO ${name} (${pgIdentifier(LOG_DATE)}, ${names.join(", ")}) ` +
            `SELECT (x.${pgIdentifier(LOG_TIMESTAMP)} AT TIME ZONE 'UTC')::date, ${names.map((n) => `x.${n}`).join(", ")} ` +
            `FROM jsonb_to_recordset($1::jsonb) AS x(${definition})`,
          [JSON.stringify(records)],
        );
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
