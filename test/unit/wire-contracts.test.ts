// The contracts keep Feast's field numbers so bytes written by Feast decode in Larder and back.
// Expected bytes below are hand-encoded from Feast's .proto numbers (shared/reference §1).
import { create, fromBinary, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { Value as TsProtoValue } from "@larder/gen/grpc-js/larder/types/v1/value";
import { DataSourceSchema } from "@larder/gen/es/larder/core/v1/data_source_pb";
import { EntitySpecSchema } from "@larder/gen/es/larder/core/v1/entity_pb";
import { FeatureServiceSpecSchema } from "@larder/gen/es/larder/core/v1/feature_service_pb";
import { FeatureViewMetaSchema, FeatureViewSpecSchema } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import { FeatureViewProjectionSchema } from "@larder/gen/es/larder/core/v1/feature_view_projection_pb";
import { OnDemandFeatureViewSpecSchema } from "@larder/gen/es/larder/core/v1/on_demand_feature_view_pb";
import { AuthzedAction, PermissionSpecSchema, PermissionSpec_Type } from "@larder/gen/es/larder/core/v1/permission_pb";
import { PolicySchema } from "@larder/gen/es/larder/core/v1/policy_pb";
import { RegistrySchema } from "@larder/gen/es/larder/core/v1/registry_pb";
import { StreamFeatureViewSpecSchema } from "@larder/gen/es/larder/core/v1/stream_feature_view_pb";
import {
  FieldStatus,
  GetOnlineFeaturesRequestSchema,
  GetOnlineFeaturesResponseSchema,
  GetOnlineFeaturesResponse_FeatureVectorSchema,
} from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { EntityKeySchema } from "@larder/gen/es/larder/types/v1/entity_key_pb";
import { FieldSchema } from "@larder/gen/es/larder/types/v1/field_pb";
import { ValueSchema, ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

describe("larder.types.v1.Value wire format", () => {
  it("encodes scalars under Feast's tags", () => {
    expect(hex(toBinary(ValueSchema, create(ValueSchema, { val: { case: "int64Val", value: 5n } })))).toBe("2005");
    expect(hex(toBinary(ValueSchema, create(ValueSchema, { val: { case: "stringVal", value: "a" } })))).toBe("120161");
    expect(hex(toBinary(ValueSchema, create(ValueSchema, { val: { case: "unixTimestampVal", value: 1n } })))).toBe(
      "4001",
    );
    expect(hex(toBinary(ValueSchema, create(ValueSchema, { val: { case: "boolVal", value: true } })))).toBe("3801");
    // null_val = 19, varint 0 → tag 19<<3 = 152 = 0x98 0x01
    expect(hex(toBinary(ValueSchema, create(ValueSchema, { val: { case: "nullVal", value: 0 } })))).toBe("980100");
    // float_list_val = 16 → tag 0x82 0x01; inner FloatList.val packed: 0a 04 <1.0f>
    expect(
      hex(toBinary(ValueSchema, create(ValueSchema, { val: { case: "floatListVal", value: { val: [1] } } }))),
    ).toBe("820106" + "0a04" + "0000803f");
  });

  it("decodes bytes Feast writes", () => {
    const fromFeast = Buffer.from("1a" + "00", "hex"); // int32_val = 0 set explicitly (tag 3)
    expect(fromBinary(ValueSchema, fromFeast).val).toEqual({ case: "int32Val", value: 0 });
    const doubleVal = Buffer.alloc(9);
    doubleVal[0] = 0x29; // tag 5, wire type 1 (64-bit)
    doubleVal.writeDoubleLE(0.5, 1);
    expect(fromBinary(ValueSchema, doubleVal).val).toEqual({ case: "doubleVal", value: 0.5 });
  });

  it("keeps ValueType and FieldStatus numbers", () => {
    expect([
      ValueType.BYTES,
      ValueType.STRING,
      ValueType.INT32,
      ValueType.INT64,
      ValueType.DOUBLE,
      ValueType.FLOAT,
    ]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([
      ValueType.BOOL,
      ValueType.UNIX_TIMESTAMP,
      ValueType.BYTES_LIST,
      ValueType.UNIX_TIMESTAMP_LIST,
      ValueType.NULL,
      ValueType.MAP,
    ]).toEqual([7, 8, 11, 18, 19, 20]);
    expect([FieldStatus.PRESENT, FieldStatus.NULL_VALUE, FieldStatus.NOT_FOUND, FieldStatus.OUTSIDE_MAX_AGE]).toEqual([
      1, 2, 3, 4,
    ]);
    expect([AuthzedAction.CREATE, AuthzedAction.READ_ONLINE, AuthzedAction.WRITE_OFFLINE]).toEqual([0, 4, 7]);
    expect([PermissionSpec_Type.FEATURE_VIEW, PermissionSpec_Type.PROJECT]).toEqual([0, 10]);
  });

  it("round-trips between protobuf-es and the ts-proto client stubs", () => {
    const es = create(ValueSchema, { val: { case: "int64ListVal", value: { val: [1n, -2n, 9007199254740993n] } } });
    const decoded = TsProtoValue.decode(toBinary(ValueSchema, es));
    expect(decoded.int64ListVal?.val).toEqual([1n, -2n, 9007199254740993n]);
    const back = fromBinary(ValueSchema, TsProtoValue.encode(decoded).finish());
    expect(back.val).toEqual(es.val);
  });

  it("never crashes or hangs on random bytes: it decodes or throws an Error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        try {
          fromBinary(ValueSchema, bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips random scalar values", () => {
    const arbitraryValue = fc.oneof(
      fc.string().map((value) => ({ case: "stringVal" as const, value })),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value) => ({ case: "int64Val" as const, value })),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((value) => ({ case: "int32Val" as const, value })),
      fc.double({ noNaN: true }).map((value) => ({ case: "doubleVal" as const, value })),
      fc.boolean().map((value) => ({ case: "boolVal" as const, value })),
      fc.uint8Array().map((value) => ({ case: "bytesVal" as const, value })),
    );
    fc.assert(
      fc.property(arbitraryValue, (val) => {
        const message = create(ValueSchema, { val });
        expect(fromBinary(ValueSchema, toBinary(ValueSchema, message)).val).toEqual(message.val);
      }),
    );
  });
});

describe("Feast field numbers on messages Larder implements", () => {
  const numbers: Array<[DescMessage, Record<string, number>]> = [
    [EntityKeySchema, { join_keys: 1, entity_values: 2 }],
    [FieldSchema, { name: 1, value: 2, tags: 3, description: 4 }],
    [
      GetOnlineFeaturesRequestSchema,
      { feature_service: 1, features: 2, entities: 3, full_feature_names: 4, request_context: 5 },
    ],
    [GetOnlineFeaturesResponseSchema, { metadata: 1, results: 2, status: 3 }],
    [GetOnlineFeaturesResponse_FeatureVectorSchema, { values: 1, statuses: 2, event_timestamps: 3 }],
    [EntitySpecSchema, { name: 1, value_type: 2, description: 3, join_key: 4, tags: 8, project: 9, owner: 10 }],
    [
      FeatureViewSpecSchema,
      {
        name: 1,
        project: 2,
        entities: 3,
        features: 4,
        tags: 5,
        ttl: 6,
        batch_source: 7,
        online: 8,
        stream_source: 9,
        description: 10,
        owner: 11,
        entity_columns: 12,
        offline: 13,
      },
    ],
    [FeatureViewMetaSchema, { created_timestamp: 1, last_updated_timestamp: 2, materialization_intervals: 3 }],
    [
      FeatureViewProjectionSchema,
      { feature_view_name: 1, feature_columns: 2, feature_view_name_alias: 3, join_key_map: 4 },
    ],
    [
      OnDemandFeatureViewSpecSchema,
      {
        name: 1,
        project: 2,
        features: 3,
        sources: 4,
        description: 6,
        tags: 7,
        owner: 8,
        feature_transformation: 10,
        mode: 11,
        write_to_online_store: 12,
      },
    ],
    [
      StreamFeatureViewSpecSchema,
      {
        name: 1,
        project: 2,
        entities: 3,
        features: 4,
        ttl: 9,
        batch_source: 10,
        stream_source: 11,
        online: 12,
        timestamp_field: 16,
      },
    ],
    [
      FeatureServiceSpecSchema,
      { name: 1, project: 2, features: 3, tags: 4, description: 5, owner: 6, logging_config: 7 },
    ],
    [
      DataSourceSchema,
      {
        type: 1,
        field_mapping: 2,
        timestamp_field: 3,
        date_partition_column: 4,
        created_timestamp_column: 5,
        file_options: 11,
        kafka_options: 13,
        request_data_options: 18,
        push_options: 22,
        name: 20,
        project: 21,
        batch_source: 26,
      },
    ],
    [
      PermissionSpecSchema,
      { name: 1, project: 2, types: 3, name_patterns: 4, required_tags: 5, actions: 6, policy: 7, tags: 8 },
    ],
    [
      PolicySchema,
      {
        name: 1,
        project: 2,
        role_based_policy: 3,
        group_based_policy: 4,
        namespace_based_policy: 5,
        combined_group_namespace_policy: 6,
      },
    ],
    [
      RegistrySchema,
      {
        entities: 1,
        feature_views: 6,
        feature_services: 7,
        on_demand_feature_views: 8,
        data_sources: 12,
        stream_feature_views: 14,
        permissions: 16,
        projects: 17,
      },
    ],
  ];
  for (const [schema, fields] of numbers) {
    it(`${schema.typeName} keeps Feast's numbers`, () => {
      const actual = Object.fromEntries(
        Object.keys(fields).map((name) => [name, schema.fields.find((f) => f.name === name)?.number]),
      );
      expect(actual).toEqual(fields);
    });
  }
});
