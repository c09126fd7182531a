import { create, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { DataSourceSchema, DataSource_SourceType } from "@larder/gen/es/larder/core/v1/data_source_pb";
import { EntitySchema } from "@larder/gen/es/larder/core/v1/entity_pb";
import { OnDemandFeatureViewSchema } from "@larder/gen/es/larder/core/v1/on_demand_feature_view_pb";
import { RegistrySchema } from "@larder/gen/es/larder/core/v1/registry_pb";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { LarderError } from "@larder/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FEAST_PROJECT, feastRegistryBytes } from "../../../../test/fixtures/feast-registry.js";
import { generateRepo } from "../../src/feast-import/generate-repo.js";
import { importFeastRegistry } from "../../src/feast-import/import-feast-registry.js";

type Unknown = { no: number; wireType: WireType; data: Uint8Array };
const lengthDelimited = (no: number, payload: Uint8Array): Unknown => ({
  no,
  wireType: WireType.LengthDelimited,
  data: new BinaryWriter().bytes(payload).finish(),
});

describe("importFeastRegistry", () => {
  it("maps one Feast project per Larder project and lists what it could not import", () => {
    const { projects, warnings } = importFeastRegistry(feastRegistryBytes());
    expect(projects.map((p) => p.name)).toEqual([FEAST_PROJECT]);
    const [project] = projects;
    expect(project!.entities.map((e) => e.spec?.name)).toEqual(["driver", "customer"]);
    expect(project!.dataSources.map((s) => s.options.case)).toEqual([
      "fileOptions",
      "postgresOptions",
      "pushOptions",
      "requestDataOptions",
    ]);
    expect(project!.onDemandFeatureViews.map((v) => v.mode)).toEqual(["pandas"]);
    const objects = warnings.map((w) => w.object);
    expect(objects).toEqual(
      expect.arrayContaining([
        "registry",
        'data source "bq_trips"',
        'data source "driver_kafka"',
        'feature view "bq_trip_stats"',
        'stream feature view "kafka_stream"',
        'on-demand feature view "driver_ratio"',
        'feature service "driver_activity"',
      ]),
    );
  });

  it("reads Feast's deprecated request schema and UDF fields by hand, and keeps projects apart", () => {
    // RequestDataOptions.deprecated_schema = 2: map<string, ValueType.Enum> entries { key = 1; value = 2; }.
    const entry = new BinaryWriter()
      .tag(1, WireType.LengthDelimited)
      .string("amount")
      .tag(2, WireType.Varint)
      .int32(ValueType.DOUBLE)
      .finish();
    const request = create(DataSourceSchema, {
      name: "req",
      project: "b",
      type: DataSource_SourceType.REQUEST_SOURCE,
      options: { case: "requestDataOptions", value: {} },
    });
    (request.options.value as { $unknown?: Unknown[] }).$unknown = [lengthDelimited(2, entry)];
    // OnDemandFeatureViewSpec.user_defined_function = 5 (deprecated): { name = 1; body = 2; body_text = 3; }.
    const udf = new BinaryWriter()
      .tag(1, WireType.LengthDelimited)
      .string("legacy")
      .tag(3, WireType.LengthDelimited)
      .string("def legacy(df): return df")
      .finish();
    const view = create(OnDemandFeatureViewSchema, {
      spec: {
        name: "legacy",
        project: "b",
        features: [{ name: "x", valueType: ValueType.DOUBLE }],
        sources: { req: { source: { case: "requestDataSource", value: request } } },
      },
    });
    (view.spec as { $unknown?: Unknown[] }).$unknown = [lengthDelimited(5, udf)];
    const registry = create(RegistrySchema, {
      entities: [create(EntitySchema, { spec: { name: "user", project: "a", joinKey: "user_id" } })],
      dataSources: [request],
      onDemandFeatureViews: [view],
    });
    const { projects, warnings } = importFeastRegistry(toBinary(RegistrySchema, registry));
    expect(projects.map((p) => p.name)).toEqual(["a", "b"]);
    const [a, b] = projects;
    expect(a!.entities[0]?.spec?.valueType).toBe(ValueType.STRING); // Feast's UNKNOWN, warned
    const entityWarning = warnings.find((w) => w.project === "a" && w.object === 'entity "user"');
    expect(entityWarning?.message).toMatch(/imported as STRING/);
    const schema =
      b!.dataSources[0]?.options.case === "requestDataOptions" ? b!.dataSources[0].options.value.schema : [];
    expect(schema.map((f) => [f.name, f.valueType])).toEqual([["amount", ValueType.DOUBLE]]);
    expect(b!.onDemandFeatureViews[0]?.sourceText).toBe("def legacy(df): return df");
    const files = generateRepo(b!, { origin: "r.pb", warnings });
    expect(files.find((f) => f.path === "on_demand_feature_views.ts")?.text).toContain(
      "//     def legacy(df): return df",
    );
    expect(files.find((f) => f.path === "data_sources.ts")?.text).toContain("dtype: types.Float64");
  });

  it("never crashes or hangs on random bytes: a registry or INVALID_ARGUMENT", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          const result = importFeastRegistry(bytes);
          for (const project of result.projects) generateRepo(project, { origin: "x", warnings: result.warnings });
        } catch (error) {
          expect(error).toBeInstanceOf(LarderError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
