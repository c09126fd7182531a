import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance, quotedIdentifier as q, quotedString, type DuckDBConnection } from "@duckdb/node-api";
import { forEachRow, LOG_DATE, LOG_TIMESTAMP, type LogBatch, type LogColumnType, type LogTable } from "./log-rows.js";

/** Writes log tables to a destination; a failed write throws and the batch is counted as failed. */
export interface LogWriter {
  write(directoryOrTable: string, batch: LogBatch): Promise<void>;
  close(): Promise<void>;
}

function duckDbType(type: LogColumnType): string {
  return type === "JSON" ? "VARCHAR" : type;
}

/** The UTC date a table's rows were logged on (one response: one log time). */
function dateOf(table: LogTable): string {
  const time = table.columns.find((c) => c.name === LOG_TIMESTAMP)?.values[0];
  return typeof time === "string" ? time.slice(0, 10) : "1970-01-01";
}

/**
 * Parquet files through DuckDB, Hive-partitioned by date: `<dir>/__log_date=YYYY-MM-DD/<time>-<uuid>.parquet`.
 * Rows go to a newline-delimited JSON file, DuckDB reads it with the column types fixed and copies it to
 * Parquet under a temporary name, and a rename makes the file visible whole.
 */
export function createFileLogWriter(): LogWriter {
  let instance: DuckDBInstance | undefined;
  let connection: Promise<DuckDBConnection> | undefined;
  const connect = (): Promise<DuckDBConnection> =>
    (connection ??= DuckDBInstance.create(":memory:").then(async (created) => {
      instance = created;
      const opened = await created.connect();
      await opened.run("SET TimeZone = 'UTC'");
      return opened;
    }));
  return {
    async write(directory, batch) {
      const db = await connect();
      const byDate = new Map<string, string[]>();
      let last: { table: LogTable; date: string } | undefined;
      await forEachRow(batch, (row, table) => {
        if (last?.table !== table) last = { table, date: dateOf(table) };
        const date = last.date;
        let lines = byDate.get(date);
        if (lines === undefined) byDate.set(date, (lines = []));
        lines.push(JSON.stringify(row));
      });
      const types = batch.columns.map((c) => `${quotedString(c.name)}: ${quotedString(duckDbType(c.type))}`);
      const select = batch.columns.map((c) => q(c.name)).join(", ");
      for (const [date, lines] of byDate) {
        const partition = join(directory, `${LOG_DATE}=${date}`);
        await mkdir(partition, { recursive: true });
        const id = `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}`;
        const staging = join(partition, `.${id}.ndjson`);
        const parquet = join(partition, `${id}.parquet`);
        await writeFile(staging, `${lines.join("\n")}\n`);
        try {
          await db.run(
            `COPY (SELECT ${select} FROM read_json(${quotedString(staging)}, format = 'newline_delimited', ` +
              `columns = {${types.join(", ")}})) TO ${quotedString(`${parquet}.tmp`)} (FORMAT parquet)`,
          );
          await rename(`${parquet}.tmp`, parquet);
        } finally {
          await rm(staging, { force: true });
          await rm(`${parquet}.tmp`, { force: true });
        }
      }
    },
    async close() {
      if (connection !== undefined) (await connection.catch(() => undefined))?.closeSync();
      instance?.closeSync();
    },
  };
}
