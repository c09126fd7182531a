import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChangeType } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { describe, expect, it } from "vitest";
import {
  Entity,
  FeatureService,
  FeatureStore,
  FeatureView,
  Field,
  FileSource,
  ValueType,
  types,
} from "../../src/index.js";

describe("FeatureStore (programmatic, no feature_store.yaml)", () => {
  it("plans, applies, lists and tears down definitions against a SQLite registry", async () => {
    const repoPath = mkdtempSync(join(tmpdir(), "larder-fs-"));
    const store = await FeatureStore.open({
      config: { project: "programmatic", registry: "data/registry.db" },
      repoPath,
    });
    try {
      const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: ValueType.INT64 });
      const source = new FileSource({
        name: "driver_stats",
        path: "data/driver_stats.parquet",
        timestampField: "event_timestamp",
      });
      const hourly = new FeatureView({
        name: "driver_hourly_stats",
        entities: [driver],
        ttl: "1d",
        schema: [new Field({ name: "conv_rate", dtype: types.Float32 })],
        source,
      });
      const service = new FeatureService({ name: "driver_activity", features: [hourly.select(["conv_rate"])] });
      const definitions = [driver, hourly, service];

      const plan = await store.plan(definitions);
      expect(plan.changes.filter((c) => c.change === ChangeType.CREATE).map((c) => c.name)).toEqual([
        "programmatic",
        "driver",
        "driver_stats",
        "driver_hourly_stats",
        "driver_activity",
      ]);
      const applied = await store.apply(definitions);
      expect(applied.version).toBe(1n);
      expect((await store.listFeatureViews()).map((v) => v.spec?.name)).toEqual(["driver_hourly_stats"]);
      expect((await store.listEntities()).map((e) => e.spec?.joinKey)).toEqual(["driver_id"]);
      expect(store.config.registry.type).toBe("sql");

      await store.apply([driver, hourly]);
      expect(await store.listFeatureServices()).toEqual([]);
      await store.teardown();
      expect(await store.listEntities()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
