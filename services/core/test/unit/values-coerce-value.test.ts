import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, coerceValueToType, makeValue, valueTypeName, valueTypeOf } from "../../src/index.js";
import { type ValueInit } from "../../src/values/make-value.js";

const where = "entity_rows[0].driver_id";

describe("coerceValueToType", () => {
  it("passes a Value of the right case, unset, null_val, or any Value for UNKNOWN through as the same object", () => {
    for (const [val, type] of [
      [{ case: "int64Val", value: 1n }, ValueType.INT64],
      [{ case: "stringListVal", value: { val: ["a"] } }, ValueType.STRING_LIST],
      [undefined, ValueType.INT64],
      [{ case: "nullVal", value: 0 }, ValueType.STRING],
      [{ case: "boolVal", value: true }, ValueType.UNSPECIFIED],
    ] as [ValueInit | undefined, ValueType][]) {
      const value = makeValue(val);
      expect(coerceValueToType(value, type, where)).toBe(value);
    }
  });

  it.each<[ValueInit, ValueType, ValueInit]>([
    [{ case: "int32Val", value: 7 }, ValueType.INT64, { case: "int64Val", value: 7n }],
    [{ case: "int64Val", value: -7n }, ValueType.INT32, { case: "int32Val", value: -7 }],
    [
      { case: "int64Val", value: 1640991600n },
      ValueType.UNIX_TIMESTAMP,
      { case: "unixTimestampVal", value: 1640991600n },
    ],
    [{ case: "int32Val", value: 3 }, ValueType.DOUBLE, { case: "doubleVal", value: 3 }],
    [{ case: "int64Val", value: 3n }, ValueType.FLOAT, { case: "floatVal", value: 3 }],
    [{ case: "floatVal", value: 0.5 }, ValueType.DOUBLE, { case: "doubleVal", value: 0.5 }],
    [{ case: "doubleVal", value: 0.1 }, ValueType.FLOAT, { case: "floatVal", value: Math.fround(0.1) }],
    [{ case: "int64Val", value: 5n }, ValueType.STRING, { case: "stringVal", value: "5" }],
    [{ case: "int32Val", value: -5 }, ValueType.STRING, { case: "stringVal", value: "-5" }],
    [{ case: "doubleVal", value: 2 }, ValueType.STRING, { case: "stringVal", value: "2.0" }],
    [{ case: "floatVal", value: 0.5 }, ValueType.STRING, { case: "stringVal", value: "0.5" }],
    [{ case: "boolVal", value: false }, ValueType.STRING, { case: "stringVal", value: "False" }],
  ])("%o → %s", (from, type, to) => {
    const converted = coerceValueToType(makeValue(from), type, where);
    expect(converted.val).toEqual(to);
    expect(valueTypeOf(converted)).toBe(type);
  });

  it("range-checks int64 → int32", () => {
    const attempt = () => coerceValueToType(makeValue({ case: "int64Val", value: 2n ** 31n }), ValueType.INT32, where);
    expect(attempt).toThrow(InvalidArgumentError);
    expect(attempt).toThrow("entity_rows[0].driver_id: INT64 value 2147483648 is out of range for INT32");
  });

  it.each<[ValueInit, ValueType, string]>([
    [{ case: "stringVal", value: "5" }, ValueType.INT64, "expected a value of type INT64, got STRING"],
    [{ case: "doubleVal", value: 1.5 }, ValueType.INT64, "expected a value of type INT64, got DOUBLE"],
    [{ case: "doubleVal", value: 1e39 }, ValueType.FLOAT, "DOUBLE value 1e+39 is out of range for FLOAT"],
    [{ case: "boolVal", value: true }, ValueType.INT32, "expected a value of type INT32, got BOOL"],
    [
      { case: "int64ListVal", value: { val: [1n] } },
      ValueType.INT32_LIST,
      "expected a value of type INT32_LIST, got INT64_LIST",
    ],
    [{ case: "bytesVal", value: new Uint8Array() }, ValueType.STRING, "expected a value of type STRING, got BYTES"],
  ])("rejects %o for %s", (from, type, message) => {
    const attempt = () => coerceValueToType(makeValue(from), type, where);
    expect(attempt).toThrow(InvalidArgumentError);
    expect(attempt).toThrow(`${where}: ${message}`);
  });
});

describe("valueTypeOf / valueTypeName", () => {
  it("maps every case to the enum number equal to its tag", () => {
    expect(valueTypeOf(makeValue())).toBe(ValueType.UNSPECIFIED);
    expect(valueTypeOf(makeValue({ case: "nullVal", value: 0 }))).toBe(ValueType.NULL);
    expect(valueTypeOf(makeValue({ case: "unixTimestampListVal", value: { val: [] } }))).toBe(
      ValueType.UNIX_TIMESTAMP_LIST,
    );
    expect(valueTypeOf(makeValue({ case: "listVal", value: { val: [] } }))).toBe(ValueType.VALUE_LIST);
    expect(valueTypeOf(makeValue({ case: "zonedTimestampVal", value: {} }))).toBe(ValueType.ZONED_TIMESTAMP);
    expect(valueTypeOf(makeValue({ case: "timeUuidSetVal", value: {} }))).toBe(ValueType.TIME_UUID_SET);
  });

  it("names types as Feast does", () => {
    expect([ValueType.UNSPECIFIED, ValueType.INT64, ValueType.STRING_LIST, 99 as ValueType].map(valueTypeName)).toEqual(
      ["UNKNOWN", "INT64", "STRING_LIST", "ValueType(99)"],
    );
  });
});
