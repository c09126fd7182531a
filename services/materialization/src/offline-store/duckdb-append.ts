import { randomUUID } from "node:crypto";
import { mkdir, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { quotedIdentifier as q, quotedString, type DuckDBConnection } from "@duckdb/node-api";
import { FailedPreconditionError, InvalidArgumentError } from "@larder/core";
import type { DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { batchDigest, checkBatchShape } from "./column-batch.js";
import { inferValueType } from "./column-types.js";
import { describeRelation, duckDbFailure, duckDbTypeOf, loadBatch } from "./duckdb-connection.js";
import { locateFileSource, scanSql } from "./duckdb-source.js";
import type { ColumnBatch } from "./offline-store.js";
import { sourceColumnOf } from "./source-projection.js";

const INCOMING = "__larder_incoming";
const FRESH = "__larder_fresh";

/**
 * Appends a batch to a file source as one Parquet file named by a hash of its content, so a retried append
 * finds its file and adds nothing. Rows already in the source (same values in every column of the batch,
 * which include the join keys and both timestamps) and duplicates inside the batch are dropped.
 */
export async function appendToFileSource(
  connection: DuckDBConnection,
  source: DataSource,
  batch: ColumnBatch,
  repoPath: string,
): Promise<{ appended: number }> {
  checkBatchShape(batch, "Append");
  if (batch.rowCount === 0) return { appended: 0 };
  const location = await locateFileSource(source, repoPath);
  if (location.appendsDir === undefined) {
    throw new FailedPreconditionError(
      `Data source "${source.name}" is a glob, which takes no appends; point it at a file or a directory`,
    );
  }
  const rows = toSourceColumns(source, batch);
  const file = join(location.appendsDir, `larder-append-${batchDigest(rows).slice(0, 32)}.parquet`);
  if ((await stat(file).catch(() => undefined)) !== undefined) return { appended: 0 };

  const existing = await scanSql(location, source.name).then(
    async (scan) => ({ scan, columns: await describeRelation(connection, scan, `data source "${source.name}"`) }),
    () => undefined,
  );
  const unknown = [...rows.columns.keys()].filter((name) => existing !== undefined && !existing.columns.has(name));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `Rows for data source "${source.name}" have columns it lacks: ${unknown.join(", ")}; send only the source's columns`,
    );
  }
  const types = new Map<string, string>();
  for (const [name, values] of rows.columns) {
    const isTime = name === source.timestampField || name === source.createdTimestampColumn;
    const inferred = duckDbTypeOf(isTime ? ValueType.UNIX_TIMESTAMP : inferValueType(values));
    types.set(name, existing?.columns.get(name)?.typeName ?? inferred);
  }
  try {
    await loadBatch(connection, INCOMING, rows, types);
    const names = [...rows.columns.keys()].map(q);
    const same = names.map((name) => `s.${name} IS NOT DISTINCT FROM i.${name}`).join(" AND ");
    const notStored =
      existing === undefined ? "" : `WHERE NOT EXISTS (SELECT 1 FROM ${existing.scan} AS s WHERE ${same})`;
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE ${FRESH} AS SELECT DISTINCT * FROM ${INCOMING} AS i ${notStored}`,
    );
    const count = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${FRESH}`);
    const appended = Number(count.getRowsJS()[0]?.[0] ?? 0);
    if (appended === 0) return { appended: 0 };
    await mkdir(location.appendsDir, { recursive: true });
    // Written under a name no reader globs (*.parquet), then renamed: readers never see half a file.
    const partial = join(location.appendsDir, `.${process.pid}-${randomUUID()}.partial`);
    await connection.run(`COPY ${FRESH} TO ${quotedString(partial)} (FORMAT parquet)`);
    await rename(partial, file);
    return { appended };
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    throw duckDbFailure(error, `rows for data source "${source.name}"`);
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${INCOMING}; DROP TABLE IF EXISTS ${FRESH}`);
  }
}

/** Renames batch columns given under feature names to their source columns (field_mapping inverse). */
function toSourceColumns(source: DataSource, batch: ColumnBatch): ColumnBatch {
  const columns = new Map<string, readonly unknown[]>();
  for (const [name, values] of batch.columns) columns.set(sourceColumnOf(source, name), values);
  if (source.timestampField !== "" && !columns.has(source.timestampField)) {
    throw new InvalidArgumentError(
      `Rows for data source "${source.name}" lack its timestamp_field "${source.timestampField}"; add that column`,
    );
  }
  return { rowCount: batch.rowCount, columns };
}
