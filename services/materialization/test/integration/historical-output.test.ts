import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Code } from "@larder/core";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeHistoricalOutput } from "../../src/historical/write-output.js";
import type { ColumnBatch } from "../../src/offline-store/offline-store.js";
import { batchOf } from "./offline-store-harness.js";

const T = Date.UTC(2024, 0, 1, 12);
const TYPES = new Map([
  ["driver_id", ValueType.INT64],
  ["event_timestamp", ValueType.UNIX_TIMESTAMP],
  ["note", ValueType.STRING],
  ["rate", ValueType.DOUBLE],
]);
const typeOf = (name: string) => TYPES.get(name) ?? ValueType.STRING;

async function* batches(): AsyncGenerator<ColumnBatch> {
  yield batchOf([
    { driver_id: 1001n, event_timestamp: T, note: 'say "hi", twice', rate: 0.5 },
    { driver_id: 1002n, event_timestamp: T + 1500, note: "line\nbreak", rate: null },
  ]);
  await Promise.resolve(); // a later batch arrives asynchronously
  yield batchOf([{ driver_id: 1003n, event_timestamp: T + 3_600_000, note: null, rate: 1.25 }]);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "larder-historical-out-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writeHistoricalOutput", () => {
  it("writes CSV with RFC 4180 quoting, ISO 8601 timestamps and empty nulls, and leaves no partial file", async () => {
    const path = join(dir, "out.csv");
    expect(await writeHistoricalOutput(path, batches(), typeOf)).toEqual({ rows: 3 });
    expect(await readFile(path, "utf8")).toBe(
      [
        "driver_id,event_timestamp,note,rate",
        '1001,2024-01-01T12:00:00.000Z,"say ""hi"", twice",0.5',
        '1002,2024-01-01T12:00:01.500Z,"line\nbreak",',
        "1003,2024-01-01T13:00:00.000Z,,1.25",
        "",
      ].join("\r\n"),
    );
    expect((await readdir(dir)).filter((name) => name.endsWith(".partial"))).toEqual([]);
  });

  it("writes Parquet with the column types, every batch in order", async () => {
    const path = join(dir, "out.parquet");
    expect(await writeHistoricalOutput(path, batches(), typeOf)).toEqual({ rows: 3 });
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    await connection.run("SET TimeZone = 'UTC'");
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM '${path}'`);
    expect(described.getRowObjectsJS().map((row) => [row.column_name, row.column_type])).toEqual([
      ["driver_id", "BIGINT"],
      ["event_timestamp", "TIMESTAMP"],
      ["note", "VARCHAR"],
      ["rate", "DOUBLE"],
    ]);
    const reader = await connection.runAndReadAll(
      `SELECT driver_id, epoch_ms(event_timestamp) AS ms, note, rate FROM '${path}'`,
    );
    expect(reader.getRowObjectsJS()).toEqual([
      { driver_id: 1001n, ms: BigInt(T), note: 'say "hi", twice', rate: 0.5 },
      { driver_id: 1002n, ms: BigInt(T + 1500), note: "line\nbreak", rate: null },
      { driver_id: 1003n, ms: BigInt(T + 3_600_000), note: null, rate: 1.25 },
    ]);
    connection.closeSync();
    db.closeSync();
  });

  it("answers INVALID_ARGUMENT for another extension", async () => {
    await expect(writeHistoricalOutput(join(dir, "out.json"), batches(), typeOf)).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
  });
});
