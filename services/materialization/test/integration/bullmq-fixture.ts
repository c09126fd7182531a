import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { coerceJsonToValue } from "@larder/core";
import type { RegistryApi } from "@larder/registry";
import { Entity, FeatureView, Field, FileSource, ValueType, types } from "@larder/sdk";
import { createEntityKeyEncoder, type OnlineRow, type OnlineStore } from "@larder/serving";
import { viewsToMaterialize } from "../../src/engine/view-plan.js";

export const HOUR = 3_600_000;
export const T0 = Date.UTC(2024, 0, 1);

/**
 * Writes `drivers` × `hours` hourly rows from T0 (with a created time, a nullable string and a customer
 * derived from the driver) as Parquet through DuckDB.
 */
export async function writeStats(path: string, drivers: number, hours: number): Promise<number> {
  await mkdir(join(path, ".."), { recursive: true });
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(`
      COPY (
        SELECT
          d::BIGINT AS driver_id,
          'c' || (d % 7)::VARCHAR AS customer_id,
          (to_timestamp(${T0 / 1000}) + INTERVAL (h) HOUR)::TIMESTAMPTZ AS event_timestamp,
          (to_timestamp(${T0 / 1000}) + INTERVAL (h) HOUR + INTERVAL 5 MINUTE)::TIMESTAMPTZ AS created,
          ((hash(d, h, 1) % 1000) / 1000.0)::FLOAT AS conv_rate,
          (hash(d, h, 2) % 1000)::BIGINT AS trips,
          CASE WHEN (d + h) % 5 = 0 THEN NULL ELSE 'city' || (hash(d, h, 3) % 50)::VARCHAR END AS city
        FROM range(${drivers}) AS t1(d), range(${hours}) AS t2(h)
        ORDER BY random()
      ) TO '${path.replace(/'/g, "''")}' (FORMAT parquet)`);
    return drivers * hours;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** A one-key view and a two-key view over the same file, and a view whose file does not exist. */
export function statsDefinitions() {
  const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: ValueType.INT64 });
  const customer = new Entity({ name: "customer", joinKeys: ["customer_id"], valueType: ValueType.STRING });
  const source = new FileSource({
    name: "stats",
    path: "data/stats.parquet",
    timestampField: "event_timestamp",
    createdTimestampColumn: "created",
  });
  const missing = new FileSource({ name: "missing", path: "data/missing.parquet", timestampField: "event_timestamp" });
  const schema = [
    new Field({ name: "conv_rate", dtype: types.Float32 }),
    new Field({ name: "trips", dtype: types.Int64 }),
    new Field({ name: "city", dtype: types.String }),
  ];
  return [
    driver,
    customer,
    new FeatureView({ name: "driver_stats", entities: [driver], ttl: 0, schema, source }),
    new FeatureView({
      name: "pair_stats",
      entities: [driver, customer],
      ttl: 0,
      schema: [new Field({ name: "trips", dtype: types.Int64 })],
      source,
    }),
    new FeatureView({ name: "broken", entities: [driver], ttl: 0, schema, source: missing }),
  ];
}

/** Every driver's stored row of a view (in driver order), read back with the store's `read`. */
export async function readAllDrivers(
  online: OnlineStore,
  registry: RegistryApi,
  project: string,
  viewName: string,
  drivers: number,
): Promise<(OnlineRow | undefined)[]> {
  const [view] = viewsToMaterialize(await registry.snapshot(), project, [viewName]);
  if (view === undefined) throw new Error(`no view ${viewName}`);
  const keys = view.offline.joinKeys;
  const encode = createEntityKeyEncoder(
    keys.map((k) => k.name),
    keys.map((k) => k.type),
  );
  const entityKeys = Array.from({ length: drivers }, (_, d) =>
    encode(
      keys.map((k) => coerceJsonToValue(k.name === "driver_id" ? d : `c${d % 7}`, k.type, `${viewName}.${k.name}`)),
    ),
  );
  const [rows] = await online.read([{ view: view.online, features: view.online.features, entityKeys }]);
  return rows ?? [];
}
