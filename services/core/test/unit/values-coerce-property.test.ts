import fc from "fast-check";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, coerceJsonToValue, valueToJson, valueToJsonText } from "../../src/index.js";

const SCALARS = [
  ValueType.UNSPECIFIED,
  ValueType.BYTES,
  ValueType.STRING,
  ValueType.INT32,
  ValueType.INT64,
  ValueType.DOUBLE,
  ValueType.FLOAT,
  ValueType.BOOL,
  ValueType.UNIX_TIMESTAMP,
  ValueType.JSON,
  ValueType.UUID,
  ValueType.DECIMAL,
  ValueType.ZONED_TIMESTAMP,
];
const COLLECTIONS = [
  ValueType.INT64_LIST,
  ValueType.STRING_SET,
  ValueType.MAP,
  ValueType.VALUE_LIST,
  ValueType.STRUCT_LIST,
];

/** Runs a coercion; any throw other than InvalidArgumentError fails the property. */
function coerceOrReject(input: unknown, type: ValueType): void {
  try {
    const value = coerceJsonToValue(input, type, "body.x[0]");
    JSON.parse(valueToJsonText(value));
    valueToJson(value);
  } catch (err) {
    if (!(err instanceof InvalidArgumentError)) throw err;
    expect(err.message.startsWith("body.x[0]")).toBe(true);
  }
}

describe("coerceJsonToValue on arbitrary JSON", () => {
  for (const type of [...SCALARS, ...COLLECTIONS]) {
    it(`throws nothing but InvalidArgumentError for ${ValueType[type]}`, () => {
      fc.assert(
        fc.property(fc.jsonValue(), (input) => coerceOrReject(input, type)),
        { numRuns: 300 },
      );
    });
  }

  it("round-trips integers through INT64 and STRING exactly", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        expect(valueToJsonText(coerceJsonToValue(n.toString(), ValueType.INT64, "x"))).toBe(n.toString());
        expect(valueToJson(coerceJsonToValue(n, ValueType.STRING, "x"))).toBe(n.toString());
      }),
    );
  });
});
