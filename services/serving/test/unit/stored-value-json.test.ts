import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { valueToJson } from "@larder/core";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readStoredScalar } from "../../src/stored-scalar.js";
import { storedValueToJson } from "../../src/stored-value-json.js";

const slow = (bytes: Uint8Array): unknown => valueToJson(fromBinary(ValueSchema, bytes));

const scalar: fc.Arbitrary<Value> = fc.oneof(
  fc.double().map((value) => create(ValueSchema, { val: { case: "doubleVal", value } })),
  fc.float().map((value) => create(ValueSchema, { val: { case: "floatVal", value } })),
  fc
    .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
    .map((value) => create(ValueSchema, { val: { case: "int64Val", value } })),
  fc
    .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
    .map((value) => create(ValueSchema, { val: { case: "unixTimestampVal", value } })),
  fc
    .integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
    .map((value) => create(ValueSchema, { val: { case: "int32Val", value } })),
  fc.boolean().map((value) => create(ValueSchema, { val: { case: "boolVal", value } })),
  fc.string({ unit: "binary" }).map((value) => create(ValueSchema, { val: { case: "stringVal", value } })),
  fc.array(fc.float()).map((val) => create(ValueSchema, { val: { case: "floatListVal", value: { val } } })),
  fc.constant(create(ValueSchema)),
);

describe("storedValueToJson", () => {
  it("renders every stored value exactly as fromBinary + valueToJson does", () => {
    fc.assert(
      fc.property(scalar, (value) => {
        const bytes = toBinary(ValueSchema, value);
        expect(storedValueToJson(bytes)).toStrictEqual(slow(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it("falls back to the full decoder for unusual encodings and never disagrees on valid bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        let expected: unknown;
        try {
          expected = slow(bytes);
        } catch {
          return; // not a Value: REST never sees such bytes from the store
        }
        expect(storedValueToJson(bytes)).toStrictEqual(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it("reads a scalar only when it agrees exactly with the generic decoder (case and value, int64 digits too)", () => {
    const agree = (bytes: Uint8Array): void => {
      let val: Value["val"];
      try {
        val = fromBinary(ValueSchema, bytes).val;
      } catch {
        return;
      }
      const scalar = readStoredScalar(bytes);
      if (scalar === undefined) return; // the generic path is taken
      if (scalar.case === "null") expect(val.case === undefined || val.case === "nullVal").toBe(true);
      else expect({ case: scalar.case, value: scalar.value }).toStrictEqual({ case: val.case, value: val.value });
    };
    fc.assert(
      fc.property(scalar, (value) => agree(toBinary(ValueSchema, value))),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 24 }), agree), { numRuns: 5000 });
  });
});
