import { create } from "@bufbuild/protobuf";
import { InvalidArgumentError } from "@larder/core";
import { ValueSchema, ValueType, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { describe, expect, it } from "vitest";
import { createEntityKeyEncoder, entityKeyHeader, serializeEntityKey } from "../../src/entity-key/serialize.js";

const int32 = (value: number): Value => create(ValueSchema, { val: { case: "int32Val", value } });
const int64 = (value: bigint): Value => create(ValueSchema, { val: { case: "int64Val", value } });
const str = (value: string): Value => create(ValueSchema, { val: { case: "stringVal", value } });
const bytes = (value: Uint8Array): Value => create(ValueSchema, { val: { case: "bytesVal", value } });
const ts = (value: bigint): Value => create(ValueSchema, { val: { case: "unixTimestampVal", value } });
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("serializeEntityKey", () => {
  it("matches Feast's reference vector (entity = int32 1, project test)", () => {
    const key = serializeEntityKey(["entity"], [int32(1)]);
    const redisKey = Buffer.concat([key, Buffer.from("test")]);
    expect(hex(redisKey)).toBe(
      "01000000" +
        "02000000" +
        "06000000" +
        hex(Buffer.from("entity")) +
        "03000000" +
        "04000000" +
        "01000000" +
        hex(Buffer.from("test")),
    );
  });

  it("sorts join keys by name and reorders values, so argument order does not matter", () => {
    const a = serializeEntityKey(["user_id", "driver_id"], [str("u1"), int64(7n)]);
    const b = serializeEntityKey(["driver_id", "user_id"], [int64(7n), str("u1")]);
    expect(hex(a)).toBe(hex(b));
    const expected = Buffer.concat([
      Buffer.from("02000000", "hex"),
      Buffer.from("02000000" + "09000000", "hex"),
      Buffer.from("driver_id"),
      Buffer.from("02000000" + "07000000", "hex"),
      Buffer.from("user_id"),
      Buffer.from("04000000" + "08000000" + "0700000000000000", "hex"),
      Buffer.from("02000000" + "02000000", "hex"),
      Buffer.from("u1"),
    ]);
    expect(hex(a)).toBe(hex(expected));
  });

  it("encodes int64 (negative too), string (UTF-8), bytes and unix_timestamp", () => {
    expect(hex(serializeEntityKey(["k"], [int64(-2n)])).slice(-32)).toBe("04000000" + "08000000" + "feffffffffffffff");
    expect(hex(serializeEntityKey(["k"], [str("é")])).slice(-20)).toBe("02000000" + "02000000" + "c3a9");
    expect(hex(serializeEntityKey(["k"], [bytes(Uint8Array.of(0, 255))])).slice(-20)).toBe(
      "01000000" + "02000000" + "00ff",
    );
    expect(hex(serializeEntityKey(["k"], [ts(1_700_000_000n)])).slice(-32)).toBe(
      "08000000" +
        "08000000" +
        Buffer.from(BigInt(1_700_000_000).toString(16).padStart(16, "0"), "hex").reverse().toString("hex"),
    );
  });

  it("rejects other value types, naming the join key", () => {
    const double = create(ValueSchema, { val: { case: "doubleVal", value: 1.5 } });
    expect(() => serializeEntityKey(["price"], [double])).toThrow(InvalidArgumentError);
    expect(() => serializeEntityKey(["price"], [double])).toThrow(/price/);
    expect(() => serializeEntityKey(["empty"], [create(ValueSchema)])).toThrow(/empty/);
    expect(() => serializeEntityKey(["a", "b"], [int32(1)])).toThrow(InvalidArgumentError);
  });
});

describe("createEntityKeyEncoder", () => {
  it("produces the same bytes as serializeEntityKey", () => {
    const encode = createEntityKeyEncoder(["driver_id", "user_id"], [ValueType.INT64, ValueType.STRING]);
    const values = [int64(42n), str("u")];
    expect(hex(encode(values))).toBe(hex(serializeEntityKey(["driver_id", "user_id"], values)));
    expect(hex(encode(values).subarray(0, entityKeyHeader(["driver_id", "user_id"]).length))).toBe(
      hex(entityKeyHeader(["driver_id", "user_id"])),
    );
  });

  it("converts int32/int64 values to the declared type and rejects the rest", () => {
    const asInt64 = createEntityKeyEncoder(["id"], [ValueType.INT64]);
    expect(hex(asInt64([int32(5)]))).toBe(hex(serializeEntityKey(["id"], [int64(5n)])));
    const asInt32 = createEntityKeyEncoder(["id"], [ValueType.INT32]);
    expect(hex(asInt32([int64(5n)]))).toBe(hex(serializeEntityKey(["id"], [int32(5)])));
    expect(() => asInt32([int64(2n ** 40n)])).toThrow(InvalidArgumentError);
    expect(() => asInt32([str("5")])).toThrow(/id/);
    const untyped = createEntityKeyEncoder(["id"], [ValueType.UNSPECIFIED]);
    expect(hex(untyped([str("x")]))).toBe(hex(serializeEntityKey(["id"], [str("x")])));
  });

  it("refuses unsorted join keys and unsupported declared types", () => {
    expect(() => createEntityKeyEncoder(["b", "a"], [ValueType.STRING, ValueType.STRING])).toThrow(
      InvalidArgumentError,
    );
    expect(() => createEntityKeyEncoder(["price"], [ValueType.DOUBLE])).toThrow(/price/);
  });
});
