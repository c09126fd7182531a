import type { DescService } from "@bufbuild/protobuf";
import { Health } from "@larder/gen/es/grpc/health/v1/health_pb";
import { FeatureViewSpecSchema } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import { ServingService } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { MaterializationService } from "@larder/gen/es/larder/materialization/v1/materialization_service_pb";
import { describe, expect, it } from "vitest";
import { buildOpenApi, HEALTH_ROUTE_DOC, ProtoSchemas, type RestRouteDoc } from "../../src/index.js";

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}
interface Operation {
  description?: string;
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}
interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: string[];
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
}

const FEAST_ROUTE: RestRouteDoc = {
  method: "POST",
  path: "/get-online-features",
  summary: "Feast's online read",
  requestSchema: { type: "object", properties: { features: { type: "array", items: { type: "string" } } } },
  responseSchema: { type: "object" },
};

function build(
  services: readonly DescService[] = [ServingService, Health],
  routes: readonly RestRouteDoc[] = [HEALTH_ROUTE_DOC, FEAST_ROUTE],
): Doc {
  return buildOpenApi({ title: "Larder", version: "0.1.0", services, routes }) as Doc;
}

function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe("buildOpenApi", () => {
  it("lists a Connect POST path per method and the documented REST routes", () => {
    const doc = build();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/get-online-features",
      "/grpc.health.v1.Health/Check",
      "/grpc.health.v1.Health/Watch",
      "/health",
      "/larder.serving.v1.ServingService/GetOnlineFeatures",
      "/larder.serving.v1.ServingService/GetServingInfo",
      "/larder.serving.v1.ServingService/RetrieveOnlineDocuments",
    ]);
    const rpc = doc.paths["/larder.serving.v1.ServingService/GetOnlineFeatures"]!.post!;
    expect(rpc.requestBody?.content["application/json"]?.schema).toEqual({
      $ref: "#/components/schemas/larder.serving.v1.GetOnlineFeaturesRequest",
    });
    expect(rpc.responses["200"]?.content?.["application/json"]?.schema).toEqual({
      $ref: "#/components/schemas/larder.serving.v1.GetOnlineFeaturesResponse",
    });
    const rest = doc.paths["/get-online-features"]!.post!;
    expect(rest.requestBody?.content["application/json"]?.schema).toEqual(FEAST_ROUTE.requestSchema);
    expect(doc.paths["/health"]!.get).toBeDefined();
  });

  it("maps GetOnlineFeaturesRequest in the proto3 JSON mapping", () => {
    const { components } = build();
    const request = components.schemas["larder.serving.v1.GetOnlineFeaturesRequest"]!;
    expect(request.type).toBe("object");
    expect(request.additionalProperties).toBe(false);
    expect(request.properties?.entities).toEqual({
      type: "object",
      additionalProperties: { $ref: "#/components/schemas/larder.types.v1.RepeatedValue" },
    });
    expect(request.properties?.fullFeatureNames).toEqual({ type: "boolean" });
    expect(request.properties?.featureService?.description).toContain("kind");
    expect(request.description).toMatch(/One of `kind`.*`featureService`, `features`/);
    expect(components.schemas["larder.types.v1.RepeatedValue"]?.properties?.val).toEqual({
      type: "array",
      items: { $ref: "#/components/schemas/larder.types.v1.Value" },
    });
  });

  it("writes 64-bit integers and bytes as strings, enums as string names, timestamps as date-time", () => {
    const { components } = build();
    const value = components.schemas["larder.types.v1.Value"]!.properties!;
    expect(value.int64Val).toMatchObject({ type: "string", format: "int64" });
    expect(value.int32Val).toMatchObject({ type: "integer", format: "int32" });
    expect(value.bytesVal).toMatchObject({ type: "string", contentEncoding: "base64" });
    expect(components.schemas["larder.types.v1.Int64List"]?.properties?.val?.items).toMatchObject({ type: "string" });
    expect(components.schemas["larder.serving.v1.FieldStatus"]).toEqual({
      type: "string",
      enum: [
        "FIELD_STATUS_UNSPECIFIED",
        "FIELD_STATUS_PRESENT",
        "FIELD_STATUS_NULL_VALUE",
        "FIELD_STATUS_NOT_FOUND",
        "FIELD_STATUS_OUTSIDE_MAX_AGE",
      ],
    });
    const vector = components.schemas["larder.serving.v1.GetOnlineFeaturesResponse.FeatureVector"]!.properties!;
    expect(vector.statuses?.items).toEqual({ $ref: "#/components/schemas/larder.serving.v1.FieldStatus" });
    expect(vector.eventTimestamps?.items).toMatchObject({ type: "string", format: "date-time" });
    expect(components.schemas["grpc.health.v1.HealthCheckResponse.ServingStatus"]?.enum).toContain("SERVING");
  });

  it("handles recursive messages (Value → Map → Value) with $refs", () => {
    const { components } = build();
    expect(components.schemas["larder.types.v1.Map"]?.properties?.val?.additionalProperties).toEqual({
      $ref: "#/components/schemas/larder.types.v1.Value",
    });
  });

  it("maps Duration as a string and string maps as objects of strings", () => {
    const schemas = new ProtoSchemas();
    schemas.message(FeatureViewSpecSchema);
    const spec = schemas.components["larder.core.v1.FeatureViewSpec"]!.properties as Record<string, Schema>;
    expect(spec.ttl).toMatchObject({ type: "string" });
    expect(spec.tags).toEqual({ type: "object", additionalProperties: { type: "string" } });
  });

  it("says that server-streaming methods are not plain JSON", () => {
    const doc = build([Health, MaterializationService], []);
    const watch = doc.paths["/grpc.health.v1.Health/Watch"]!.post!;
    expect(watch.description).toMatch(/Server streaming.*not plain JSON/);
    expect(Object.keys(watch.responses["200"]?.content ?? {})).toEqual(["application/connect+json"]);
    const check = doc.paths["/grpc.health.v1.Health/Check"]!.post!;
    expect(check.description).toBeUndefined();
  });

  it("lists error responses with the ConnectError shape for RPCs and { detail, code } for REST", () => {
    const doc = build();
    const rpc = doc.paths["/grpc.health.v1.Health/Check"]!.post!;
    const rest = doc.paths["/health"]!.get!;
    for (const status of ["400", "404", "429", "500", "503"]) {
      expect(rpc.responses[status]?.content?.["application/json"]?.schema.$ref).toBe(
        "#/components/schemas/ConnectError",
      );
      expect(rest.responses[status]?.content?.["application/json"]?.schema.$ref).toBe("#/components/schemas/RestError");
    }
    expect(Object.keys(doc.components.schemas.ConnectError?.properties ?? {})).toEqual(["code", "message"]);
    expect(Object.keys(doc.components.schemas.RestError?.properties ?? {})).toEqual(["detail", "code"]);
  });

  it("is plain JSON whose every $ref names a component", () => {
    const doc = build([ServingService, Health, MaterializationService]);
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    const names = new Set(Object.keys(doc.components.schemas));
    for (const ref of refs(doc)) {
      expect(ref.startsWith("#/components/schemas/")).toBe(true);
      expect(names.has(ref.slice("#/components/schemas/".length))).toBe(true);
    }
  });
});
