import { create, toBinary } from "@bufbuild/protobuf";
import { FieldStatus } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderResponse } from "../../src/feast-rest-routes.js";
import type { OutputColumn } from "../../src/output-column.js";
import { renderResponseJson } from "../../src/response-json.js";

// The REST answer is written as text by hand; it must be exactly JSON.stringify of the object Feast's
// rendering builds (renderResponse), for every value kind, status and time.

const value: fc.Arbitrary<Value> = fc.oneof(
  fc.double().map((v) => create(ValueSchema, { val: { case: "doubleVal", value: v } })),
  fc.float().map((v) => create(ValueSchema, { val: { case: "floatVal", value: v } })),
  fc
    .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
    .map((v) => create(ValueSchema, { val: { case: "int64Val", value: v } })),
  fc
    .bigInt({ min: -(2n ** 40n), max: 2n ** 40n })
    .map((v) => create(ValueSchema, { val: { case: "unixTimestampVal", value: v } })),
  fc.integer().map((v) => create(ValueSchema, { val: { case: "int32Val", value: v } })),
  fc.boolean().map((v) => create(ValueSchema, { val: { case: "boolVal", value: v } })),
  fc.string({ unit: "binary" }).map((v) => create(ValueSchema, { val: { case: "stringVal", value: v } })),
  fc.uint8Array({ maxLength: 12 }).map((v) => create(ValueSchema, { val: { case: "bytesVal", value: v } })),
  fc.array(fc.double()).map((val) => create(ValueSchema, { val: { case: "doubleListVal", value: { val } } })),
  fc.array(fc.string()).map((val) => create(ValueSchema, { val: { case: "stringListVal", value: { val } } })),
  fc.constant(create(ValueSchema, { val: { case: "nullVal", value: 0 } })),
  fc.constant(create(ValueSchema)),
);

const status = fc.constantFrom(
  FieldStatus.PRESENT,
  FieldStatus.NOT_FOUND,
  FieldStatus.NULL_VALUE,
  FieldStatus.OUTSIDE_MAX_AGE,
  FieldStatus.UNSPECIFIED,
);
const time = fc.oneof(fc.constant(0), fc.integer({ min: -2e12, max: 4e12 }));

const columns: fc.Arbitrary<OutputColumn[]> = fc.integer({ min: 0, max: 4 }).chain((rows) => {
  const shared = fc.record({
    statuses: fc.array(status, { minLength: rows, maxLength: rows }),
    timestampsMs: fc.array(time, { minLength: rows, maxLength: rows }),
  });
  return fc
    .tuple(
      shared,
      fc.array(
        fc.tuple(
          fc.string({ unit: "binary" }),
          fc.boolean(),
          shared,
          fc.array(value, { minLength: rows, maxLength: rows }),
        ),
        { maxLength: 6 },
      ),
    )
    .map(([common, cols]) =>
      cols.map(([name, useCommon, own, values]) => ({
        name,
        values: values.map((v) => (v.val.case === undefined ? new Uint8Array(0) : toBinary(ValueSchema, v))),
        // Columns of one read share their arrays: the renderer writes those once.
        statuses: useCommon ? common.statuses : own.statuses,
        timestampsMs: useCommon ? common.timestampsMs : own.timestampsMs,
      })),
    );
});

describe("renderResponseJson", () => {
  it("writes exactly JSON.stringify of Feast's rendering, for every value kind, status and time", () => {
    fc.assert(
      fc.property(columns, (cols) => {
        expect(renderResponseJson(cols)).toBe(JSON.stringify(renderResponse(cols)));
      }),
      { numRuns: 2_000 },
    );
  });

  it("writes an answer without columns", () => {
    expect(renderResponseJson([])).toBe('{"metadata":{"feature_names":[]},"results":[]}');
  });
});
