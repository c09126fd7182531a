import { describe, expect, it } from "vitest";
import { DataSource_SourceType } from "@larder/gen/es/larder/core/v1/data_source_pb";
import {
  DefinitionError,
  Entity,
  FeatureService,
  FeatureView,
  Field,
  FileSource,
  PostgreSQLSource,
  PushSource,
  RequestSource,
  OnDemandFeatureView,
  StreamFeatureView,
  ValueType,
  isDefinition,
  parseDurationSeconds,
  types,
} from "../../src/index.js";

const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: ValueType.INT64 });
const file = new FileSource({ name: "trips", path: "data/trips.parquet", timestampField: "ts" });
const schema: Field[] = [
  new Field({ name: "driver_id", dtype: types.Int64 }),
  new Field({ name: "rating", dtype: types.Float32 }),
  new Field({ name: "trips", dtype: types.Int64 }),
];
const view = new FeatureView({ name: "driver_stats", entities: [driver], schema, source: file });

function definitionError(fn: () => unknown): DefinitionError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DefinitionError) return error;
    throw error;
  }
  throw new Error("expected a DefinitionError");
}

describe("FeatureView ttl", () => {
  it.each([
    ["30m", 1800],
    ["2h", 7200],
    ["1d", 86_400],
    ["1h30m", 5400],
    ["45s", 45],
    [0, 0],
    [3600, 3600],
  ])("parses %j as %d seconds", (ttl, seconds) => {
    const fv = new FeatureView({ name: "v", entities: [driver], schema, source: file, ttl });
    expect(fv.toProto("p").spec?.ttl?.seconds).toBe(BigInt(seconds));
  });

  it("defaults to 0 (no limit)", () => {
    expect(view.toProto("p").spec?.ttl?.seconds).toBe(0n);
  });

  it("rejects an unparsable ttl, naming the view and the field", () => {
    const error = definitionError(() => new FeatureView({ name: "v", schema, source: file, ttl: "3x" }));
    expect(error.objectName).toBe("v");
    expect(error.field).toBe("ttl");
    expect(error.message).toBe(
      'FeatureView "v": field "ttl": cannot parse "3x"; use seconds or a duration like "30m", "2h", "1d"',
    );
    expect(definitionError(() => new FeatureView({ name: "v", schema, source: file, ttl: -1 })).field).toBe("ttl");
  });

  it("parses durations with parseDurationSeconds", () => {
    expect(parseDurationSeconds("")).toBeUndefined();
    expect(parseDurationSeconds("1d2h3m4s")).toBe(93_784);
  });
});

describe("FeatureView columns", () => {
  it("moves join-key fields to entity columns typed by the entity", () => {
    const spec = view.toProto("p").spec!;
    expect(spec.entityColumns.map((f) => [f.name, f.valueType])).toEqual([["driver_id", ValueType.INT64]]);
    expect(spec.features.map((f) => f.name)).toEqual(["rating", "trips"]);
  });

  it("adds an entity column for a join key missing from the schema", () => {
    const fv = new FeatureView({ name: "v", entities: [driver], schema: schema.slice(1), source: file });
    expect(fv.toProto("p").spec?.entityColumns.map((f) => f.name)).toEqual(["driver_id"]);
  });

  it("requires a source", () => {
    const error = definitionError(() => new FeatureView({ name: "v", schema } as never));
    expect(error.field).toBe("source");
  });

  it("rejects an empty name", () => {
    expect(definitionError(() => new FeatureView({ name: "", schema, source: file })).field).toBe("name");
  });
});

describe("FeatureView.select", () => {
  it("projects the named features in order", () => {
    const projection = view.select(["trips", "rating"]);
    expect(projection.features.map((f) => f.name)).toEqual(["trips", "rating"]);
    expect(projection.toProto("p").featureViewName).toBe("driver_stats");
  });

  it("rejects unknown features, naming them", () => {
    const error = definitionError(() => view.select(["rating", "nope"]));
    expect(error.objectName).toBe("driver_stats");
    expect(error.field).toBe("features");
    expect(error.message).toContain('"nope"');
  });

  it("chains withName and withJoinKeyMap on views and projections", () => {
    const proto = view.select(["rating"]).withName("d2").withJoinKeyMap({ driver_id: "rider_id" }).toProto("p");
    expect(proto).toMatchObject({
      featureViewName: "driver_stats",
      featureViewNameAlias: "d2",
      joinKeyMap: { driver_id: "rider_id" },
    });
    expect(view.withName("x").select(["trips"]).alias).toBe("x");
    expect(view.withJoinKeyMap({ driver_id: "other" }).joinKeyMap).toEqual({ driver_id: "other" });
  });
});

describe("Entity", () => {
  it("defaults the join key to the name and the type to STRING", () => {
    const spec = new Entity({ name: "customer" }).toProto("p").spec!;
    expect(spec.joinKey).toBe("customer");
    expect(spec.valueType).toBe(ValueType.STRING);
  });

  it("rejects more than one join key", () => {
    const error = definitionError(() => new Entity({ name: "e", joinKeys: ["a", "b"] }));
    expect(error.objectName).toBe("e");
    expect(error.field).toBe("joinKeys");
  });
});

describe("Field and types", () => {
  it("maps types.Array to list value types", () => {
    expect(types.Array(types.Int64).valueType).toBe(ValueType.INT64_LIST);
    expect(types.Array(types.Float32).valueType).toBe(ValueType.FLOAT_LIST);
    expect(types.Array(ValueType.STRING).valueType).toBe(ValueType.STRING_LIST);
    expect(() => types.Array(types.Array(types.Int32))).toThrow(DefinitionError);
  });

  it("accepts a raw ValueType and rejects unknown ones", () => {
    expect(new Field({ name: "f", dtype: ValueType.BOOL }).toProto().valueType).toBe(ValueType.BOOL);
    expect(definitionError(() => new Field({ name: "f", dtype: 999 as ValueType })).field).toBe("dtype");
    expect(definitionError(() => new Field({ name: "f", dtype: ValueType.UNSPECIFIED })).field).toBe("dtype");
  });
});

describe("data sources", () => {
  it("sets a push source's batch source, and a view's stream and batch sources from it", () => {
    const push = new PushSource({ name: "trips_push", batchSource: file });
    const proto = push.toProto("p");
    expect(proto.type).toBe(DataSource_SourceType.PUSH_SOURCE);
    expect(proto.options.case).toBe("pushOptions");
    expect(proto.batchSource?.name).toBe("trips");
    const spec = new FeatureView({ name: "v", entities: [driver], schema, source: push }).toProto("p").spec!;
    expect(spec.streamSource?.name).toBe("trips_push");
    expect(spec.batchSource?.name).toBe("trips");
  });

  it("requires a push source's batch source", () => {
    expect(definitionError(() => new PushSource({ name: "x" } as never)).field).toBe("batchSource");
  });

  it("converts PostgreSQL sources to typed options and needs exactly one of table and query", () => {
    const proto = new PostgreSQLSource({ name: "pg", table: "trips", timestampField: "ts" }).toProto("p");
    expect(proto.type).toBe(DataSource_SourceType.CUSTOM_SOURCE);
    expect(proto.options).toMatchObject({ case: "postgresOptions", value: { table: "trips", query: "" } });
    expect(proto.dataSourceClassType).toContain("PostgreSQLSource");
    expect(() => new PostgreSQLSource({ name: "pg", timestampField: "ts" })).toThrow(DefinitionError);
    expect(() => new PostgreSQLSource({ name: "pg", table: "t", query: "q", timestampField: "ts" })).toThrow(
      DefinitionError,
    );
  });

  it("infers csv from the extension and leaves the format unset", () => {
    const proto = new FileSource({ name: "c", path: "x.csv", timestampField: "ts" }).toProto("p");
    expect(proto.options.case === "fileOptions" && proto.options.value.fileFormat).toBeFalsy();
  });

  it("converts request sources with their schema", () => {
    const request = new RequestSource({ name: "req", schema: [new Field({ name: "val", dtype: types.Int64 })] });
    const proto = request.toProto("p");
    expect(proto.type).toBe(DataSource_SourceType.REQUEST_SOURCE);
    expect(proto.options.case === "requestDataOptions" && proto.options.value.schema.map((f) => f.name)).toEqual([
      "val",
    ]);
  });
});

describe("OnDemandFeatureView and StreamFeatureView", () => {
  it("keys sources by alias and request source name", () => {
    const request = new RequestSource({ name: "req", schema: [new Field({ name: "bonus", dtype: types.Float64 })] });
    const odfv = new OnDemandFeatureView({
      name: "adjusted",
      sources: [view.select(["rating"]).withName("d"), request],
      schema: [new Field({ name: "adj", dtype: types.Float64 })],
      mode: "typescript",
      transform: (inputs) => ({ adj: inputs.rating.map((r, i) => Number(r) + Number(inputs.bonus[i])) }),
    });
    const spec = odfv.toProto("p").spec!;
    expect(spec.sources.d?.source.case).toBe("featureViewProjection");
    expect(spec.sources.req?.source.case).toBe("requestDataSource");
    expect(spec.mode).toBe("typescript");
    expect(odfv.select(["adj"]).toProto("p").featureViewName).toBe("adjusted");
  });

  it("builds a stream view from a push source", () => {
    const push = new PushSource({ name: "trips_push", batchSource: file });
    const sfv = new StreamFeatureView({
      name: "live",
      entities: [driver],
      schema,
      source: push,
      ttl: "2h",
      aggregations: [{ column: "trips", function: "sum", timeWindow: "1h" }],
    });
    const spec = sfv.toProto("p").spec!;
    expect(spec.streamSource?.name).toBe("trips_push");
    expect(spec.batchSource?.name).toBe("trips");
    expect(spec.timestampField).toBe("ts");
    expect(spec.ttl?.seconds).toBe(7200n);
    expect(spec.aggregations[0]?.timeWindow?.seconds).toBe(3600n);
    expect(sfv.kind).toBe("stream-feature-view");
  });
});

describe("FeatureService", () => {
  it("rejects the same view twice without an alias", () => {
    expect(definitionError(() => new FeatureService({ name: "s", features: [view, view] })).field).toBe("features");
    const ok = new FeatureService({ name: "s", features: [view, view.withName("again")] });
    expect(ok.toProto("p").spec?.features.map((f) => f.featureViewNameAlias)).toEqual(["", "again"]);
  });

  it("converts logging destinations", () => {
    const files = new FeatureService({
      name: "s",
      features: [view],
      loggingConfig: { sampleRate: 0.5, destination: { path: "logs", partitionBy: ["day"] } },
    });
    expect(files.toProto("p").spec?.loggingConfig?.destination.case).toBe("fileDestination");
    const table = new FeatureService({
      name: "s",
      features: [view],
      loggingConfig: { sampleRate: 1, destination: { table: "logs" } },
    });
    expect(table.toProto("p").spec?.loggingConfig?.destination).toMatchObject({
      case: "postgresDestination",
      value: { table: "logs" },
    });
  });
});

describe("isDefinition", () => {
  it("recognises definitions and nothing else", () => {
    expect([driver, file, view, view.select(["rating"]), "x", { kind: "entity" }].map(isDefinition)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
