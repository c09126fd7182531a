import { FailedPreconditionError, InvalidArgumentError } from "@larder/core";
import type { DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import type pg from "pg";
import { checkBatchShape } from "./column-batch.js";
import type { ColumnBatch } from "./offline-store.js";
import { checkout, quote as q } from "./postgres-connection.js";
import { postgresFailure, toParam } from "./postgres-cursor.js";
import { sourceColumnOf } from "./source-projection.js";

const MAX_PARAMS = 30_000;

/**
 * Inserts a batch into a table source, skipping rows already stored: `ON CONFLICT DO NOTHING` honours a
 * unique index (e.g. on join keys + timestamps) when there is one, and `NOT EXISTS` over every column of
 * the batch covers tables without one. A table lock serialises concurrent appends so a retry cannot race.
 */
export async function appendToTable(
  pool: pg.Pool,
  source: DataSource,
  batch: ColumnBatch,
): Promise<{ appended: number }> {
  checkBatchShape(batch, "Append");
  const table = source.options.case === "postgresOptions" ? source.options.value.table : "";
  if (table === "") {
    throw new FailedPreconditionError(`Data source "${source.name}" is a query, not a table; appends need a table`);
  }
  if (batch.rowCount === 0) return { appended: 0 };
  const client = await checkout(pool);
  try {
    const types = await columnTypes(client, table, source.name);
    const names = [...batch.columns.keys()].map((name) => sourceColumnOf(source, name));
    const unknown = names.filter((name) => !types.has(name));
    if (unknown.length > 0) {
      throw new InvalidArgumentError(
        `Rows for data source "${source.name}" have columns its table lacks: ${unknown.join(", ")}; send only the table's columns`,
      );
    }
    if (source.timestampField !== "" && !names.includes(source.timestampField)) {
      throw new InvalidArgumentError(
        `Rows for data source "${source.name}" lack its timestamp_field "${source.timestampField}"; add that column`,
      );
    }
    const values = [...batch.columns.values()];
    const casts = names.map((name) => types.get(name) ?? "text");
    const list = names.map(q).join(", ");
    const same = names.map((name) => `t.${q(name)} IS NOT DISTINCT FROM v.${q(name)}`).join(" AND ");
    await client.query("BEGIN");
    await client.query(`LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`);
    let appended = 0;
    const perInsert = Math.max(1, Math.floor(MAX_PARAMS / names.length));
    for (let start = 0; start < batch.rowCount; start += perInsert) {
      const params: unknown[] = [];
      const tuples: string[] = [];
      for (let row = start; row < Math.min(batch.rowCount, start + perInsert); row++) {
        const cells = values.map((column, index) => {
          params.push(toParam(column[row], casts[index] ?? "text"));
          return `$${params.length}::${casts[index] ?? "text"}`;
        });
        tuples.push(`(${cells.join(", ")})`);
      }
      const result = await client.query(
        `INSERT INTO ${table} (${list}) SELECT DISTINCT * FROM (VALUES ${tuples.join(", ")}) AS v (${list})` +
          ` WHERE NOT EXISTS (SELECT 1 FROM ${table} AS t WHERE ${same}) ON CONFLICT DO NOTHING`,
        params,
      );
      appended += result.rowCount ?? 0;
    }
    await client.query("COMMIT");
    return { appended };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw postgresFailure(error, `data source "${source.name}"`);
  } finally {
    client.release();
  }
}

/** Column name → SQL type (as `format_type` prints it) of a table. */
async function columnTypes(client: pg.PoolClient, table: string, sourceName: string): Promise<Map<string, string>> {
  const result = await client
    .query<{ name: string; type: string }>(
      "SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute" +
        " WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
      [table],
    )
    .catch((error: unknown) => {
      throw postgresFailure(error, `data source "${sourceName}"`);
    });
  return new Map(result.rows.map((row) => [row.name, row.type]));
}
