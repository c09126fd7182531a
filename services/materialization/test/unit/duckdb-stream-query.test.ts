import { DuckDBInstance, JSDuckDBValueConverter, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plainValue } from "../../src/offline-store/column-batch.js";
import { openConnection, streamQuery } from "../../src/offline-store/duckdb-connection.js";

// streamQuery reads numbers and timestamps straight from DuckDB's vectors; every value must equal what the
// generic converter (JSDuckDBValueConverter + plainValue) gives, across chunk and batch boundaries.

/** Every column type with a fast reader, plus a few without, nulls every 7th row. */
const SQL = `
  SELECT
    CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 256 - 128)::TINYINT END AS tiny,
    CASE WHEN i % 7 = 1 THEN NULL ELSE (i * 31 % 65536 - 32768)::SMALLINT END AS small,
    CASE WHEN i % 7 = 2 THEN NULL ELSE (i * 7919 - 2000000000)::INTEGER END AS int,
    CASE WHEN i % 7 = 3 THEN NULL ELSE (i * 1000003 - 9000000000000000000)::BIGINT END AS big,
    (i % 250)::UTINYINT AS utiny, (i * 3 % 65000)::USMALLINT AS usmall, (i * 9973)::UINTEGER AS uint,
    (i * 123456789012)::UBIGINT AS ubig,
    CASE WHEN i % 7 = 4 THEN NULL ELSE (i / 3.0 - 100)::FLOAT END AS flt,
    CASE WHEN i % 7 = 5 THEN NULL ELSE (i / 7.0 - 1000) END AS dbl,
    CASE WHEN i % 7 = 6 THEN NULL ELSE make_timestamp((i * 37000017 - 50000000000)::BIGINT) END AS ts,
    make_timestamp((i * 86400000000 * 40 - 4000000000000000)::BIGINT)::TIMESTAMPTZ AS tstz,
    make_timestamp((-1500 - i)::BIGINT) AS ts_near_zero,
    CASE WHEN i = 4000 THEN '9999-12-31 23:59:59.999999'::TIMESTAMP ELSE '2024-01-01'::TIMESTAMP END AS ts_far,
    'row ' || i AS text,
    i % 2 = 0 AS flag
  FROM range(5000) AS t(i)`;

describe("streamQuery", () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;

  beforeAll(async () => {
    instance = await DuckDBInstance.create(":memory:");
    connection = await openConnection(instance);
  });

  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });

  it.each([7, 999, 2048, 3000, 10_000])(
    "gives the generic converter's values in batches of %i rows",
    async (batchRows) => {
      const reader = await connection.runAndReadAll(SQL);
      const names = reader.columnNames();
      const expected = reader.convertColumns(JSDuckDBValueConverter).map((values) => values.map(plainValue));
      const got: unknown[][] = names.map(() => []);
      const sizes: number[] = [];
      for await (const batch of streamQuery(connection, SQL, batchRows, "test")) {
        sizes.push(batch.rowCount);
        names.forEach((name, c) => {
          const values = batch.columns.get(name)!;
          if (values.length !== batch.rowCount) throw new Error(`column ${name}: ${values.length} values`);
          got[c]!.push(...values);
        });
      }
      expect(sizes.slice(0, -1).every((size) => size === batchRows)).toBe(true);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(5000);
      names.forEach((name, c) => expect({ name, values: got[c] }).toEqual({ name, values: expected[c] }));
      // -0 and 0 differ for Object.is; the timestamps must never be -0.
      expect(got[names.indexOf("ts_near_zero")]!.some((ms) => Object.is(ms, -0))).toBe(false);
    },
    30_000,
  );
});
