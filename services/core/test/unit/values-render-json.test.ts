import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import { FieldStatus } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { describe, expect, it } from "vitest";
import { fieldStatusName, makeValue, timestampToRfc3339, valueToJson, valueToJsonText } from "../../src/index.js";
import { type ValueInit } from "../../src/values/make-value.js";

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);
const int64 = (n: bigint): Value => makeValue({ case: "int64Val", value: n });

/** Encodes and decodes a Value, as it arrives from the online store. */
function viaWire(val: ValueInit): Value {
  return fromBinary(ValueSchema, toBinary(ValueSchema, create(ValueSchema, { val })));
}

describe("valueToJson: Feast's /get-online-features example (contracts §2.1)", () => {
  it("renders the example's values, statuses and timestamps identically", () => {
    const convRate = [
      viaWire({ case: "floatVal", value: 0.7037263512611389 }),
      viaWire({ case: "floatVal", value: 0.038169607520103455 }),
      makeValue(),
    ];
    const trips = [viaWire({ case: "int64Val", value: 308n }), viaWire({ case: "int64Val", value: 332n }), makeValue()];
    const ts = [
      create(TimestampSchema, { seconds: 1640991600n }),
      create(TimestampSchema, { seconds: 1640991600n }),
      undefined,
    ];
    const statuses = [FieldStatus.PRESENT, FieldStatus.PRESENT, FieldStatus.NOT_FOUND];

    expect(convRate.map(valueToJson)).toEqual([0.7037263512611389, 0.038169607520103455, null]);
    expect(trips.map(valueToJson)).toEqual([308, 332, null]);
    expect(statuses.map(fieldStatusName)).toEqual(["PRESENT", "PRESENT", "NOT_FOUND"]);
    expect(ts.map(timestampToRfc3339)).toEqual([
      "2021-12-31T23:00:00Z",
      "2021-12-31T23:00:00Z",
      "1970-01-01T00:00:00Z",
    ]);
    expect(`[${convRate.map(valueToJsonText).join(",")}]`).toBe("[0.7037263512611389,0.038169607520103455,null]");
    expect(`[${trips.map(valueToJsonText).join(",")}]`).toBe("[308,332,null]");
  });

  it("widens a float32 that was never encoded to the float32's double value", () => {
    const v = makeValue({ case: "floatVal", value: 0.1 });
    expect(valueToJson(v)).toBe(Math.fround(0.1));
    expect(valueToJsonText(v)).toBe("0.10000000149011612");
  });
});

describe("valueToJson: every Value case", () => {
  const map = { val: { a: int64(1n), b: makeValue({ case: "stringVal", value: "x" }), c: makeValue() } };
  const cases: [string, ValueInit | undefined, unknown][] = [
    ["unset", undefined, null],
    ["null_val", { case: "nullVal", value: 0 }, null],
    ["bytes (base64)", { case: "bytesVal", value: bytes(0xde, 0xad, 0xbe, 0xef) }, "3q2+7w=="],
    ["string", { case: "stringVal", value: "héllo" }, "héllo"],
    ["int32", { case: "int32Val", value: -7 }, -7],
    ["int64", { case: "int64Val", value: 308n }, 308],
    ["double", { case: "doubleVal", value: 1.25 }, 1.25],
    ["float", { case: "floatVal", value: 0.5 }, 0.5],
    ["bool", { case: "boolVal", value: false }, false],
    ["unix timestamp (seconds)", { case: "unixTimestampVal", value: 1640991600n }, 1640991600],
    ["bytes list", { case: "bytesListVal", value: { val: [bytes(1), bytes()] } }, ["AQ==", ""]],
    ["string list", { case: "stringListVal", value: { val: ["a", "b"] } }, ["a", "b"]],
    ["int32 list", { case: "int32ListVal", value: { val: [1, 2] } }, [1, 2]],
    ["int64 list", { case: "int64ListVal", value: { val: [1n, -2n] } }, [1, -2]],
    ["double list", { case: "doubleListVal", value: { val: [0.5] } }, [0.5]],
    ["float list", { case: "floatListVal", value: { val: [0.1] } }, [Math.fround(0.1)]],
    ["bool list", { case: "boolListVal", value: { val: [true, false] } }, [true, false]],
    ["unix timestamp list", { case: "unixTimestampListVal", value: { val: [0n, 60n] } }, [0, 60]],
    ["bytes set", { case: "bytesSetVal", value: { val: [bytes(255)] } }, ["/w=="]],
    ["string set", { case: "stringSetVal", value: { val: ["s"] } }, ["s"]],
    ["int32 set", { case: "int32SetVal", value: { val: [3] } }, [3]],
    ["int64 set", { case: "int64SetVal", value: { val: [4n] } }, [4]],
    ["double set", { case: "doubleSetVal", value: { val: [2.5] } }, [2.5]],
    ["float set", { case: "floatSetVal", value: { val: [1.5] } }, [1.5]],
    ["bool set", { case: "boolSetVal", value: { val: [true] } }, [true]],
    ["unix timestamp set", { case: "unixTimestampSetVal", value: { val: [5n] } }, [5]],
    ["map", { case: "mapVal", value: map }, { a: 1, b: "x", c: null }],
    ["struct", { case: "structVal", value: map }, { a: 1, b: "x", c: null }],
    ["map list", { case: "mapListVal", value: { val: [map, { val: {} }] } }, [{ a: 1, b: "x", c: null }, {}]],
    ["struct list", { case: "structListVal", value: { val: [map] } }, [{ a: 1, b: "x", c: null }]],
    ["json (the stored text)", { case: "jsonVal", value: '{"k":[1,2]}' }, '{"k":[1,2]}'],
    ["json list", { case: "jsonListVal", value: { val: ["1", "{}"] } }, ["1", "{}"]],
    [
      "uuid",
      { case: "uuidVal", value: "123e4567-e89b-12d3-a456-426614174000" },
      "123e4567-e89b-12d3-a456-426614174000",
    ],
    ["time uuid", { case: "timeUuidVal", value: "t" }, "t"],
    ["uuid list", { case: "uuidListVal", value: { val: ["u1"] } }, ["u1"]],
    ["time uuid list", { case: "timeUuidListVal", value: { val: ["t1"] } }, ["t1"]],
    ["uuid set", { case: "uuidSetVal", value: { val: ["u2"] } }, ["u2"]],
    ["time uuid set", { case: "timeUuidSetVal", value: { val: ["t2"] } }, ["t2"]],
    [
      "nested list_val",
      {
        case: "listVal",
        value: { val: [makeValue({ case: "int64ListVal", value: { val: [1n, 2n] } }), makeValue(), int64(3n)] },
      },
      [[1, 2], null, 3],
    ],
    ["set_val", { case: "setVal", value: { val: [makeValue({ case: "stringVal", value: "a" })] } }, ["a"]],
    ["decimal", { case: "decimalVal", value: "12.50" }, "12.50"],
    ["decimal list", { case: "decimalListVal", value: { val: ["1.1", "2"] } }, ["1.1", "2"]],
    ["decimal set", { case: "decimalSetVal", value: { val: ["3.3"] } }, ["3.3"]],
    ["scalar map (unsupported → null)", { case: "scalarMapVal", value: { val: [{ value: int64(1n) }] } }, null],
    [
      "zoned timestamp (IANA)",
      { case: "zonedTimestampVal", value: { unixTimestamp: 1781020800n, zone: "America/Los_Angeles" } },
      "2026-06-09T09:00:00-07:00",
    ],
    [
      "zoned timestamp (offset)",
      { case: "zonedTimestampVal", value: { unixTimestamp: 1781020800n, zone: "+05:30" } },
      "2026-06-09T21:30:00+05:30",
    ],
    [
      "zoned timestamp (empty zone = UTC)",
      { case: "zonedTimestampVal", value: { unixTimestamp: 0n, zone: "" } },
      "1970-01-01T00:00:00+00:00",
    ],
    [
      "zoned timestamp (NaT)",
      { case: "zonedTimestampVal", value: { unixTimestamp: -9223372036854775808n, zone: "UTC" } },
      null,
    ],
  ];

  it.each(cases)("%s", (_name, val, expected) => {
    const value = makeValue(val);
    expect(valueToJson(value)).toEqual(expected);
    expect(JSON.parse(valueToJsonText(value))).toEqual(expected);
    expect(valueToJson(viaWire(val ?? { case: "nullVal", value: 0 }))).toEqual(val === undefined ? null : expected);
  });

  it("treats undefined as null", () => {
    expect(valueToJson(undefined)).toBeNull();
    expect(valueToJsonText(undefined)).toBe("null");
  });
});

describe("valueToJsonText", () => {
  it("keeps int64 and timestamps beyond 2^53 exact", () => {
    const big = 9007199254740993n;
    expect(valueToJsonText(int64(big))).toBe("9007199254740993");
    expect(valueToJsonText(int64(-(2n ** 63n)))).toBe("-9223372036854775808");
    expect(valueToJsonText(makeValue({ case: "unixTimestampVal", value: big }))).toBe("9007199254740993");
    expect(valueToJsonText(makeValue({ case: "int64ListVal", value: { val: [big, 1n] } }))).toBe(
      "[9007199254740993,1]",
    );
    expect(valueToJsonText(makeValue({ case: "mapVal", value: { val: { id: int64(big) } } }))).toBe(
      '{"id":9007199254740993}',
    );
    expect(valueToJson(int64(big))).toBe(Number(big));
  });

  it("writes floats as Python's repr and non-finite values as null", () => {
    const doubles = makeValue({
      case: "doubleListVal",
      value: { val: [1, 1e16, 1e-5, 0.1, -0, 123.456, 1e300, Number.NaN, Infinity] },
    });
    expect(valueToJsonText(doubles)).toBe("[1.0,1e+16,1e-05,0.1,-0.0,123.456,1e+300,null,null]");
    expect(valueToJsonText(makeValue({ case: "doubleVal", value: 2 }))).toBe("2.0");
  });

  it("escapes strings and map keys", () => {
    const v = makeValue({
      case: "mapVal",
      value: { val: { 'k"\n': makeValue({ case: "stringVal", value: 'a"\\\u0001' }) } },
    });
    expect(JSON.parse(valueToJsonText(v))).toEqual({ 'k"\n': 'a"\\\u0001' });
  });
});

describe("fieldStatusName", () => {
  it("names every status as Feast does", () => {
    expect(
      [
        FieldStatus.UNSPECIFIED,
        FieldStatus.PRESENT,
        FieldStatus.NULL_VALUE,
        FieldStatus.NOT_FOUND,
        FieldStatus.OUTSIDE_MAX_AGE,
        99 as FieldStatus,
      ].map(fieldStatusName),
    ).toEqual(["INVALID", "PRESENT", "NULL_VALUE", "NOT_FOUND", "OUTSIDE_MAX_AGE", "INVALID"]);
  });
});
