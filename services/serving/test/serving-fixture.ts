import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import {
  Entity,
  FeatureService,
  FeatureStore,
  FeatureView,
  Field,
  FileSource,
  OnDemandFeatureView,
  RequestSource,
  ValueType,
  types,
} from "@larder/sdk";

/** Builds a Value for tests. */
export const v = {
  int64: (n: number | bigint): Value => create(ValueSchema, { val: { case: "int64Val", value: BigInt(n) } }),
  str: (s: string): Value => create(ValueSchema, { val: { case: "stringVal", value: s } }),
  float: (x: number): Value => create(ValueSchema, { val: { case: "floatVal", value: x } }),
  double: (x: number): Value => create(ValueSchema, { val: { case: "doubleVal", value: x } }),
  null: (): Value => create(ValueSchema),
};
export const bytes = (value: Value): Uint8Array => toBinary(ValueSchema, value);

/** The serving tests' repo: a plain view, a composite-key view, an on-demand view and services. */
export function servingDefinitions() {
  const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: ValueType.INT64 });
  const customer = new Entity({ name: "customer", joinKeys: ["customer_id"], valueType: ValueType.STRING });
  const source = new FileSource({ name: "stats", path: "data/stats.parquet", timestampField: "event_timestamp" });
  const driverStats = new FeatureView({
    name: "driver_stats",
    entities: [driver],
    ttl: "1h",
    schema: [
      new Field({ name: "conv_rate", dtype: types.Float32 }),
      new Field({ name: "trips", dtype: types.Int64 }),
      new Field({ name: "city", dtype: types.String }),
    ],
    source,
  });
  const pairStats = new FeatureView({
    name: "pair_stats",
    entities: [driver, customer],
    ttl: 0,
    schema: [new Field({ name: "rides_together", dtype: types.Int64 })],
    source,
  });
  const bonus = new RequestSource({
    name: "bonus_request",
    schema: [new Field({ name: "bonus", dtype: types.Float64 })],
  });
  const convPlus = new OnDemandFeatureView({
    name: "conv_plus",
    sources: [driverStats, bonus],
    schema: [new Field({ name: "conv_plus_bonus", dtype: types.Float64 })],
    transform: (inputs) => ({
      conv_plus_bonus: inputs.conv_rate.map((c, i) => Number(c ?? 0) + Number(inputs.bonus[i] ?? 0)),
    }),
  });
  const escape = new OnDemandFeatureView({
    name: "escape_attempt",
    sources: [driverStats],
    schema: [new Field({ name: "pid", dtype: types.Int64 })],
    // A hostile transform: inside the sandbox there is no process to reach.
    transform: () => ({ pid: [globalThis.process.pid] }),
  });
  const forever = new OnDemandFeatureView({
    name: "loops_forever",
    sources: [driverStats],
    schema: [new Field({ name: "never", dtype: types.Int64 })],
    transform: () => {
      for (;;) {
        // spin until the sandbox's time limit stops it
      }
    },
  });
  const service = new FeatureService({
    name: "driver_activity",
    features: [driverStats.select(["conv_rate"]), driverStats.withName("stats_again").select(["trips"]), convPlus],
  });
  return {
    driver,
    customer,
    driverStats,
    pairStats,
    convPlus,
    definitions: [driver, customer, driverStats, pairStats, convPlus, escape, forever, service],
  };
}

/** Applies the serving repo to a fresh SQLite registry; returns the store and its repo folder. */
export async function applyServingRepo(project: string): Promise<{ store: FeatureStore; repoPath: string }> {
  const repoPath = mkdtempSync(join(tmpdir(), "larder-serving-"));
  const store = await FeatureStore.open({ config: { project, registry: "data/registry.db" }, repoPath });
  await store.apply(servingDefinitions().definitions);
  return { store, repoPath };
}
