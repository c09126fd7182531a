import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rename, rm } from "node:fs/promises";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { DuckDBInstance, quotedIdentifier as q } from "@duckdb/node-api";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { InvalidArgumentError } from "@larder/core";
import { duckDbTypeOf, loadBatch, openConnection } from "../offline-store/duckdb-connection.js";
import type { ColumnBatch } from "../offline-store/offline-store.js";
import { isTimestampType } from "./batch-values.js";

/** Column types of the output: known feature/entity types, else inferred from the first batch's values. */
export type ColumnTypeOf = (column: string, values: readonly unknown[]) => ValueType;

/** The output format for a path, from its extension; other extensions are refused. */
export function outputFormatOf(path: string): "parquet" | "csv" {
  const ext = extname(path).toLowerCase();
  if (ext === ".parquet") return "parquet";
  if (ext === ".csv") return "csv";
  throw new InvalidArgumentError(`output: "${path}" must end in .parquet or .csv`);
}

/**
 * Streams result batches to a `.parquet` or `.csv` file; returns the rows written. The file appears
 * only once complete (CSV is written to a sibling temporary file and renamed; Parquet is written by
 * one COPY at the end). `emptyColumns` names the columns of an empty result.
 */
export async function writeHistoricalOutput(
  path: string,
  batches: AsyncIterable<ColumnBatch>,
  typeOf: ColumnTypeOf,
  emptyColumns: readonly string[] = [],
): Promise<{ rows: number }> {
  return outputFormatOf(path) === "parquet"
    ? writeParquet(path, batches, typeOf, emptyColumns)
    : writeCsv(path, batches, typeOf, emptyColumns);
}

const sqlString = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/**
 * Parquet through DuckDB: each batch is appended to a table in an in-memory database, then one COPY
 * writes the file (insertion order kept). DuckDB keeps the table within its memory limit and spills
 * to a private temporary directory (removed afterwards) when the result is larger than memory, so the
 * result need not fit in the Node heap.
 */
async function writeParquet(
  path: string,
  batches: AsyncIterable<ColumnBatch>,
  typeOf: ColumnTypeOf,
  emptyColumns: readonly string[],
): Promise<{ rows: number }> {
  const spill = await mkdtemp(join(tmpdir(), "larder-historical-"));
  const instance = await DuckDBInstance.create(":memory:", { temp_directory: spill });
  const connection = await openConnection(instance);
  try {
    let types: Map<string, string> | undefined;
    let rows = 0;
    for await (const batch of batches) {
      if (types === undefined) {
        types = new Map([...batch.columns].map(([name, values]) => [name, duckDbTypeOf(typeOf(name, values))]));
        const definition = [...types].map(([name, type]) => `${q(name)} ${type}`).join(", ");
        await connection.run(`CREATE TABLE result (${definition})`);
      }
      await loadBatch(connection, "result_batch", batch, types);
      await connection.run(`INSERT INTO result SELECT * FROM result_batch`);
      rows += batch.rowCount;
    }
    if (types === undefined) {
      const definition = emptyColumns.map((name) => `${q(name)} ${duckDbTypeOf(typeOf(name, []))}`).join(", ");
      await connection.run(`CREATE TABLE result (${definition === "" ? `"event_timestamp" TIMESTAMP` : definition})`);
    }
    await connection.run(`COPY result TO ${sqlString(path)} (FORMAT parquet)`);
    return { rows };
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(spill, { recursive: true, force: true });
  }
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(value: unknown, type: ValueType): string {
  let text: string;
  if (value === null || value === undefined) return "";
  if (type === ValueType.UNIX_TIMESTAMP && typeof value === "number") text = new Date(value).toISOString();
  else if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") text = String(value);
  else if (value instanceof Uint8Array) text = Buffer.from(value).toString("base64");
  else
    text = JSON.stringify(value, (_key, item: unknown) =>
      typeof item === "bigint"
        ? item.toString()
        : item instanceof Uint8Array
          ? Buffer.from(item).toString("base64")
          : isTimestampType(type) && typeof item === "number"
            ? new Date(item).toISOString()
            : item,
    );
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV streamed a batch at a time to the file (CRLF line ends, header first, timestamps ISO 8601 UTC, nulls empty). */
async function writeCsv(
  path: string,
  batches: AsyncIterable<ColumnBatch>,
  typeOf: ColumnTypeOf,
  emptyColumns: readonly string[],
): Promise<{ rows: number }> {
  const partial = `${path}.${randomUUID()}.partial`;
  const stream = createWriteStream(partial);
  const failed = new Promise<never>((_, reject) => stream.once("error", reject));
  failed.catch(() => undefined);
  const write = async (text: string): Promise<void> => {
    if (!stream.write(text)) await Promise.race([once(stream, "drain"), failed]);
  };
  try {
    let types: ValueType[] | undefined;
    let rows = 0;
    for await (const batch of batches) {
      const names = [...batch.columns.keys()];
      if (types === undefined) {
        types = names.map((name) => typeOf(name, batch.columns.get(name) ?? []));
        await write(`${names.map((name) => csvField(name, ValueType.STRING)).join(",")}\r\n`);
      }
      const columns = names.map((name) => batch.columns.get(name) ?? []);
      const lines: string[] = [];
      for (let row = 0; row < batch.rowCount; row++) {
        lines.push(
          `${columns.map((values, c) => csvField(values[row], types?.[c] ?? ValueType.STRING)).join(",")}\r\n`,
        );
      }
      await write(lines.join(""));
      rows += batch.rowCount;
    }
    if (types === undefined && emptyColumns.length > 0)
      await write(`${emptyColumns.map((name) => csvField(name, ValueType.STRING)).join(",")}\r\n`);
    stream.end();
    await Promise.race([once(stream, "finish"), failed]);
    await rename(partial, path);
    return { rows };
  } catch (error) {
    stream.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}
