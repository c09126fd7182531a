import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

/**
 * Writes the quickstart's driver statistics: one row per driver and hour for the last `days` days
 * up to `end` (hour-aligned), with deterministic values, as Parquet through DuckDB.
 */
export async function writeDriverStats(
  path: string,
  options: { end?: Date; days?: number; drivers?: number } = {},
): Promise<number> {
  const end = new Date(Math.floor((options.end ?? new Date()).getTime() / 3_600_000) * 3_600_000);
  const days = options.days ?? 7;
  const drivers = options.drivers ?? 5;
  await mkdir(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const hours = days * 24;
    const escaped = path.replace(/'/g, "''");
    await connection.run(`
      COPY (
        SELECT
          (1001 + d)::BIGINT AS driver_id,
          (to_timestamp(${end.getTime() / 1000}) - INTERVAL (h) HOUR)::TIMESTAMPTZ AS event_timestamp,
          (to_timestamp(${end.getTime() / 1000}) - INTERVAL (h) HOUR + INTERVAL 5 MINUTE)::TIMESTAMPTZ AS created,
          ((hash(d, h, 1) % 1000) / 1000.0)::FLOAT AS conv_rate,
          ((hash(d, h, 2) % 1000) / 1000.0)::FLOAT AS acc_rate,
          (hash(d, h, 3) % 1000)::BIGINT AS avg_daily_trips
        FROM range(${drivers}) AS t1(d), range(${hours}) AS t2(h)
        ORDER BY event_timestamp, driver_id
      ) TO '${escaped}' (FORMAT parquet)`);
    return drivers * hours;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
