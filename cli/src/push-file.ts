import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { DuckDBInstance, DuckDBTimestampTZValue, DuckDBTimestampValue } from "@duckdb/node-api";
import { InvalidArgumentError } from "@larder/core";

function plain(value: unknown): unknown {
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
    return new Date(Number(value.micros / 1000n)).toISOString();
  }
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

/** Reads rows to push as Feast's `df`: a dict of column lists, from CSV, Parquet or JSON. */
export async function readPushFile(path: string): Promise<Record<string, unknown[]>> {
  const ext = extname(path).toLowerCase();
  if (ext === ".json") {
    const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
    if (Array.isArray(parsed)) {
      const df: Record<string, unknown[]> = {};
      parsed.forEach((row, i) => {
        if (typeof row !== "object" || row === null)
          throw new InvalidArgumentError(`${path}: row ${i} is not an object`);
        for (const [k, v] of Object.entries(row as Record<string, unknown>))
          (df[k] ??= new Array<unknown>(parsed.length).fill(null))[i] = v;
      });
      return df;
    }
    if (typeof parsed === "object" && parsed !== null) return parsed as Record<string, unknown[]>;
    throw new InvalidArgumentError(`${path}: expected an array of rows or an object of columns`);
  }
  if (ext !== ".csv" && ext !== ".parquet")
    throw new InvalidArgumentError(`--file: use a .csv, .parquet or .json file, got "${path}"`);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    const escaped = path.replace(/'/g, "''");
    const reader = await connection.runAndReadAll(
      ext === ".csv" ? `SELECT * FROM read_csv_auto('${escaped}')` : `SELECT * FROM read_parquet('${escaped}')`,
    );
    const names = reader.columnNames();
    const columns = reader.getColumns();
    return Object.fromEntries(names.map((name, i) => [name, (columns[i] ?? []).map(plain)]));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
