import { ValueType, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, coerceJsonToValue, valueToJson } from "../../src/index.js";

const coerce = (input: unknown, type: ValueType): Value => coerceJsonToValue(input, type, "entities.driver_id[3]");
const caseAndValue = (v: Value): [string | undefined, unknown] => [v.val.case, v.val.value];

describe("coerceJsonToValue: scalars", () => {
  it.each<[unknown, ValueType, string, unknown]>([
    [5, ValueType.INT32, "int32Val", 5],
    ["-5", ValueType.INT32, "int32Val", -5],
    [2147483647, ValueType.INT32, "int32Val", 2147483647],
    [1001, ValueType.INT64, "int64Val", 1001n],
    [" 42 ", ValueType.INT64, "int64Val", 42n],
    ["9223372036854775807", ValueType.INT64, "int64Val", 9223372036854775807n],
    [9007199254740993n, ValueType.INT64, "int64Val", 9007199254740993n],
    [1.5, ValueType.DOUBLE, "doubleVal", 1.5],
    ["1e3", ValueType.DOUBLE, "doubleVal", 1000],
    [3, ValueType.DOUBLE, "doubleVal", 3],
    ["NaN", ValueType.DOUBLE, "doubleVal", Number.NaN],
    ["-inf", ValueType.DOUBLE, "doubleVal", -Infinity],
    [0.1, ValueType.FLOAT, "floatVal", Math.fround(0.1)],
    ["0.5", ValueType.FLOAT, "floatVal", 0.5],
    ["abc", ValueType.STRING, "stringVal", "abc"],
    [5, ValueType.STRING, "stringVal", "5"],
    [1.5, ValueType.STRING, "stringVal", "1.5"],
    [1e-5, ValueType.STRING, "stringVal", "1e-05"],
    [true, ValueType.STRING, "stringVal", "True"],
    [true, ValueType.BOOL, "boolVal", true],
    ["false", ValueType.BOOL, "boolVal", false],
    ["TRUE", ValueType.BOOL, "boolVal", true],
    [0, ValueType.BOOL, "boolVal", false],
    ["3q2+7w==", ValueType.BYTES, "bytesVal", new Uint8Array([0xde, 0xad, 0xbe, 0xef])],
    ["3q2-7w", ValueType.BYTES, "bytesVal", new Uint8Array([0xde, 0xad, 0xbe, 0xef])],
    ["", ValueType.BYTES, "bytesVal", new Uint8Array()],
    [1640991600, ValueType.UNIX_TIMESTAMP, "unixTimestampVal", 1640991600n],
    [1640991600.9, ValueType.UNIX_TIMESTAMP, "unixTimestampVal", 1640991600n],
    ["1640991600", ValueType.UNIX_TIMESTAMP, "unixTimestampVal", 1640991600n],
    ["2021-12-31T23:00:00.999Z", ValueType.UNIX_TIMESTAMP, "unixTimestampVal", 1640991600n],
    ["2021-12-31 23:00:00", ValueType.UNIX_TIMESTAMP, "unixTimestampVal", 1640991600n],
    ["1969-12-31T23:59:59.5Z", ValueType.UNIX_TIMESTAMP, "unixTimestampVal", 0n],
    [new Date(1640991600999), ValueType.UNIX_TIMESTAMP, "unixTimestampVal", 1640991600n],
    [{ a: [1] }, ValueType.JSON, "jsonVal", '{"a":[1]}'],
    ['{"a":1}', ValueType.JSON, "jsonVal", '{"a":1}'],
    [7, ValueType.JSON, "jsonVal", "7"],
    ["{123E4567-E89B-12D3-A456-426614174000}", ValueType.UUID, "uuidVal", "123e4567-e89b-12d3-a456-426614174000"],
    ["123e4567e89b12d3a456426614174000", ValueType.TIME_UUID, "timeUuidVal", "123e4567-e89b-12d3-a456-426614174000"],
    ["12.50", ValueType.DECIMAL, "decimalVal", "12.50"],
    [0.25, ValueType.DECIMAL, "decimalVal", "0.25"],
    [
      "2026-06-09T09:00:00-07:00",
      ValueType.ZONED_TIMESTAMP,
      "zonedTimestampVal",
      { unixTimestamp: 1781020800n, zone: "-07:00" },
    ],
    [
      "2026-06-09T16:00:00Z",
      ValueType.ZONED_TIMESTAMP,
      "zonedTimestampVal",
      { unixTimestamp: 1781020800n, zone: "UTC" },
    ],
    ["2026-06-09T16:00:00", ValueType.ZONED_TIMESTAMP, "zonedTimestampVal", { unixTimestamp: 1781020800n, zone: "" }],
    [1781020800, ValueType.ZONED_TIMESTAMP, "zonedTimestampVal", { unixTimestamp: 1781020800n, zone: "" }],
  ])("%o as %s → %s", (input, type, expectedCase, expected) => {
    const [c, value] = caseAndValue(coerce(input, type));
    expect(c).toBe(expectedCase);
    if (typeof expected === "object") expect(value).toMatchObject(expected as object);
    else expect(value).toEqual(expected);
  });

  it("turns a JSON int for a STRING entity into its digits, as Feast does", () => {
    expect(valueToJson(coerceJsonToValue(5, ValueType.STRING, "entities.driver_id[0]"))).toBe("5");
  });

  it("renders a coerced zoned timestamp back in its zone", () => {
    expect(valueToJson(coerce("2026-06-09T09:00:00-07:00", ValueType.ZONED_TIMESTAMP))).toBe(
      "2026-06-09T09:00:00-07:00",
    );
  });

  it("maps null (and undefined) to the unset Value for every type", () => {
    for (const type of [ValueType.INT64, ValueType.STRING, ValueType.MAP, ValueType.INT64_LIST, ValueType.NULL]) {
      expect(coerce(null, type).val.case).toBeUndefined();
      expect(coerce(undefined, type).val.case).toBeUndefined();
    }
  });
});

describe("coerceJsonToValue: errors name where and the type", () => {
  it.each<[unknown, ValueType, RegExp]>([
    ["abc", ValueType.INT64, /^entities\.driver_id\[3\]: expected an integer for INT64, got "abc"$/],
    [1.5, ValueType.INT64, /expected an integer for INT64, got 1\.5$/],
    [true, ValueType.INT32, /expected an integer for INT32, got true$/],
    [2147483648, ValueType.INT32, /^entities\.driver_id\[3\]: 2147483648 is out of range for INT32$/],
    ["9223372036854775808", ValueType.INT64, /out of range for INT64/],
    [2 ** 60, ValueType.INT64, /beyond 2\^53 .*send it as a string/],
    ["1.5.5", ValueType.DOUBLE, /expected a number for DOUBLE, got "1\.5\.5"$/],
    ["0x10", ValueType.DOUBLE, /expected a number for DOUBLE/],
    [1e39, ValueType.FLOAT, /out of range for FLOAT/],
    [{}, ValueType.STRING, /expected a string for STRING, got \{\}$/],
    [[1], ValueType.STRING, /expected a string for STRING, got \[1\]$/],
    ["yes", ValueType.BOOL, /expected a boolean for BOOL, got "yes"$/],
    [2, ValueType.BOOL, /expected a boolean for BOOL, got 2$/],
    ["not base64!", ValueType.BYTES, /expected a base64 string for BYTES/],
    ["abcde", ValueType.BYTES, /expected a base64 string for BYTES/],
    [123, ValueType.BYTES, /expected a base64 string for BYTES/],
    ["tomorrow", ValueType.UNIX_TIMESTAMP, /expected epoch seconds or an RFC 3339 timestamp for UNIX_TIMESTAMP/],
    [true, ValueType.UNIX_TIMESTAMP, /for UNIX_TIMESTAMP, got true$/],
    ["nope", ValueType.UUID, /expected a UUID string for UUID/],
    ["1,5", ValueType.DECIMAL, /expected a decimal string for DECIMAL/],
    ["soon", ValueType.ZONED_TIMESTAMP, /expected an ISO-8601 timestamp for ZONED_TIMESTAMP/],
    [1, ValueType.NULL, /expected null for NULL, got 1$/],
    [{ a: 1 }, ValueType.SCALAR_MAP, /SCALAR_MAP values cannot be given as JSON/],
    [1, 99 as ValueType, /unsupported value type ValueType\(99\)/],
    ["x".repeat(200), ValueType.INT64, /got "x{59}…$/],
  ])("%o as %s", (input, type, message) => {
    const attempt = () => coerce(input, type);
    expect(attempt).toThrow(InvalidArgumentError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/^entities\.driver_id\[3\]/);
  });
});

describe("coerceJsonToValue: collections", () => {
  it("coerces list and set elements", () => {
    expect(caseAndValue(coerce([1, "2"], ValueType.INT64_LIST))).toEqual([
      "int64ListVal",
      expect.objectContaining({ val: [1n, 2n] }),
    ]);
    expect(coerce(["a", 1], ValueType.STRING_LIST).val.value).toMatchObject({ val: ["a", "1"] });
    expect(coerce([1, 2], ValueType.INT32_LIST).val.value).toMatchObject({ val: [1, 2] });
    expect(coerce([0.5], ValueType.DOUBLE_LIST).val.value).toMatchObject({ val: [0.5] });
    expect(coerce([0.1], ValueType.FLOAT_LIST).val.value).toMatchObject({ val: [Math.fround(0.1)] });
    expect(coerce([true], ValueType.BOOL_LIST).val.value).toMatchObject({ val: [true] });
    expect(coerce(["AQ=="], ValueType.BYTES_LIST).val.value).toMatchObject({ val: [new Uint8Array([1])] });
    expect(coerce(["2021-12-31T23:00:00Z", 5], ValueType.UNIX_TIMESTAMP_LIST).val.value).toMatchObject({
      val: [1640991600n, 5n],
    });
    expect(coerce([{ a: 1 }, "[]"], ValueType.JSON_LIST).val.value).toMatchObject({ val: ['{"a":1}', "[]"] });
    expect(coerce([], ValueType.STRING_LIST).val.value).toMatchObject({ val: [] });
    expect(coerce([3, 1, 3, "1"], ValueType.INT64_SET).val.value).toMatchObject({ val: [3n, 1n] });
    expect(coerce(["a", "b", "a"], ValueType.STRING_SET).val).toMatchObject({
      case: "stringSetVal",
      value: { val: ["a", "b"] },
    });
    expect(coerce(["AQ==", "AQ"], ValueType.BYTES_SET).val.value).toMatchObject({ val: [new Uint8Array([1])] });
  });

  it("rejects non-arrays and null elements with the element's index", () => {
    expect(() => coerce(5, ValueType.INT64_LIST)).toThrow(
      /^entities\.driver_id\[3\]: expected an array for INT64_LIST, got 5$/,
    );
    expect(() => coerce([1, null], ValueType.INT64_LIST)).toThrow(
      /^entities\.driver_id\[3\]\[1\]: null is not allowed in INT64_LIST$/,
    );
    expect(() => coerce([1, "x"], ValueType.INT32_SET)).toThrow(
      /^entities\.driver_id\[3\]\[1\]: expected an integer for INT32_SET, got "x"$/,
    );
  });

  it("accepts objects for MAP and STRUCT, inferring member types", () => {
    const input = { s: "x", i: 1, d: 1.5, b: true, n: null, l: [1, 2], ls: ["a"], mixed: [1, "a", null], o: { k: [] } };
    const expected = {
      s: "x",
      i: 1,
      d: 1.5,
      b: true,
      n: null,
      l: [1, 2],
      ls: ["a"],
      mixed: [1, "a", null],
      o: { k: [] },
    };
    const map = coerce(input, ValueType.MAP);
    expect(map.val.case).toBe("mapVal");
    expect(valueToJson(map)).toEqual(expected);
    expect(valueToJson(coerce(input, ValueType.STRUCT))).toEqual(expected);
    expect(coerce(input, ValueType.STRUCT).val.case).toBe("structVal");
    expect(valueToJson(coerce([{ a: 1 }, {}], ValueType.MAP_LIST))).toEqual([{ a: 1 }, {}]);
    expect(coerce([{ a: 1 }], ValueType.STRUCT_LIST).val.case).toBe("structListVal");
  });

  it("rejects non-objects for MAP and the __proto__ key", () => {
    expect(() => coerce([1], ValueType.MAP)).toThrow(/expected an object for MAP, got \[1\]$/);
    expect(() => coerce("x", ValueType.STRUCT)).toThrow(/expected an object for STRUCT/);
    expect(() => coerce([1], ValueType.MAP_LIST)).toThrow(
      /^entities\.driver_id\[3\]\[0\]: expected an object for MAP_LIST/,
    );
    expect(() => coerce(JSON.parse('{"a":{"__proto__":1}}'), ValueType.MAP)).toThrow(
      /^entities\.driver_id\[3\]\.a: the map key "__proto__"/,
    );
  });

  it("builds nested list_val / set_val and infers UNKNOWN types from the JSON", () => {
    expect(valueToJson(coerce([[1, 2], "a", null, { k: 1 }], ValueType.VALUE_LIST))).toEqual([
      [1, 2],
      "a",
      null,
      { k: 1 },
    ]);
    expect(coerce([1], ValueType.VALUE_SET).val.case).toBe("setVal");
    expect(() => coerce({}, ValueType.VALUE_LIST)).toThrow(/expected an array for VALUE_LIST/);
    expect(caseAndValue(coerce(5, ValueType.UNSPECIFIED))).toEqual(["int64Val", 5n]);
    expect(caseAndValue(coerce(0.5, ValueType.UNSPECIFIED))).toEqual(["doubleVal", 0.5]);
    expect(caseAndValue(coerce("a", ValueType.UNSPECIFIED))).toEqual(["stringVal", "a"]);
    expect(caseAndValue(coerce(false, ValueType.UNSPECIFIED))).toEqual(["boolVal", false]);
    expect(coerce([0.5, 1], ValueType.UNSPECIFIED).val.case).toBe("doubleListVal");
    expect(coerce([true], ValueType.UNSPECIFIED).val.case).toBe("boolListVal");
    expect(coerce([], ValueType.UNSPECIFIED).val.case).toBe("listVal");
    expect(() => coerce(Symbol("s"), ValueType.UNSPECIFIED)).toThrow(InvalidArgumentError);
  });
});
