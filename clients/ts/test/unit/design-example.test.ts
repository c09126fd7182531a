import { describe, expect, it } from "vitest";
import { DataSource_SourceType } from "@larder/gen/es/larder/core/v1/data_source_pb";
// prettier-ignore
import { Entity, FeatureView, Field, FileSource, PushSource, RequestSource, OnDemandFeatureView,
         FeatureService, Permission, RoleBasedPolicy, AuthzedAction, ValueType, types } from "../../src/index.js";

// DESIGN.md §5, verbatim (prettier-ignore keeps its layout).
// prettier-ignore
export const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: ValueType.INT64 });
// prettier-ignore
export const stats = new FileSource({ name: "driver_stats", path: "data/driver_stats.parquet",
  timestampField: "event_timestamp", createdTimestampColumn: "created" });
// prettier-ignore
export const hourly = new FeatureView({ name: "driver_hourly_stats", entities: [driver], ttl: "1d",
  schema: [new Field({ name: "conv_rate", dtype: types.Float32 })], source: stats, online: true });
// prettier-ignore
export const svc = new FeatureService({ name: "driver_activity", features: [hourly.select(["conv_rate"])] });
// prettier-ignore
export const ratio = new OnDemandFeatureView({ name: "conv_ratio", sources: [hourly], mode: "python",
  schema: [new Field({ name: "conv_pct", dtype: types.Float64 })],
  // columns in, columns out: each input is an array with one entry per entity row
  transform: (inputs) => ({ conv_pct: inputs.conv_rate.map((c) => (c ?? 0) * 100) }) });

// The example imports these too; keep them referenced.
void [PushSource, RequestSource, Permission, RoleBasedPolicy, AuthzedAction];

describe("DESIGN.md §5 example", () => {
  it("converts the entity with its single join key and type", () => {
    const spec = driver.toProto("demo").spec!;
    expect(spec).toMatchObject({ name: "driver", project: "demo", joinKey: "driver_id", valueType: ValueType.INT64 });
  });

  it("converts the file source to a BATCH_FILE source with the path as written", () => {
    const proto = stats.toProto("demo");
    expect(proto.type).toBe(DataSource_SourceType.BATCH_FILE);
    expect(proto.dataSourceClassType).toBe("feast.infra.offline_stores.file_source.FileSource");
    expect(proto.timestampField).toBe("event_timestamp");
    expect(proto.createdTimestampColumn).toBe("created");
    expect(proto.options.case).toBe("fileOptions");
    if (proto.options.case === "fileOptions") {
      expect(proto.options.value.uri).toBe("data/driver_stats.parquet");
      expect(proto.options.value.fileFormat?.format.case).toBe("parquetFormat");
    }
  });

  it("converts the feature view with entity columns, ttl and batch source", () => {
    const spec = hourly.toProto("demo").spec!;
    expect(spec.name).toBe("driver_hourly_stats");
    expect(spec.project).toBe("demo");
    expect(spec.entities).toEqual(["driver"]);
    expect(spec.features.map((f) => [f.name, f.valueType])).toEqual([["conv_rate", ValueType.FLOAT]]);
    expect(spec.entityColumns.map((f) => [f.name, f.valueType])).toEqual([["driver_id", ValueType.INT64]]);
    expect(spec.ttl?.seconds).toBe(86_400n);
    expect(spec.batchSource?.name).toBe("driver_stats");
    expect(spec.batchSource?.project).toBe("demo");
    expect(spec.streamSource).toBeUndefined();
    expect(spec.online).toBe(true);
    expect(spec.offline).toBe(false);
  });

  it("converts the service's selection to a projection", () => {
    const [projection, ...rest] = svc.toProto("demo").spec!.features;
    expect(rest).toEqual([]);
    expect(projection?.featureViewName).toBe("driver_hourly_stats");
    expect(projection?.featureViewNameAlias).toBe("");
    expect(projection?.featureColumns.map((f) => f.name)).toEqual(["conv_rate"]);
    expect(projection?.timestampField).toBe("event_timestamp");
    expect(projection?.batchSource?.name).toBe("driver_stats");
  });

  it("stores the on-demand transform as source text and keys sources by view name", () => {
    const spec = ratio.toProto("demo").spec!;
    expect(spec.mode).toBe("python");
    expect(spec.features.map((f) => [f.name, f.valueType])).toEqual([["conv_pct", ValueType.DOUBLE]]);
    const udf = spec.featureTransformation?.transformation;
    expect(udf?.case).toBe("userDefinedFunction");
    expect(udf?.value?.name).toBe("conv_ratio");
    expect(udf?.value?.mode).toBe("python");
    expect(udf?.value?.bodyText).toContain("conv_pct");
    expect(Object.keys(spec.sources)).toEqual(["driver_hourly_stats"]);
    expect(spec.sources.driver_hourly_stats?.source.case).toBe("featureViewProjection");
  });

  it("runs the transform on columns", () => {
    expect(ratio.transform({ conv_rate: [0.5, null] })).toEqual({ conv_pct: [50, 0] });
  });
});
