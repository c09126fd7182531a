import { create, toBinary } from "@bufbuild/protobuf";
import { ValueSchema } from "@larder/gen/es/larder/types/v1/value_pb";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeValueBytes } from "../../src/value-encoder.js";

describe("encodeValueBytes", () => {
  it("writes the same bytes as toBinary for entity key kinds and others", () => {
    const init = fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value) => ({ case: "int64Val" as const, value })),
      fc
        .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
        .map((value) => ({ case: "unixTimestampVal" as const, value })),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((value) => ({ case: "int32Val" as const, value })),
      fc.string({ unit: "grapheme", maxLength: 200 }).map((value) => ({ case: "stringVal" as const, value })),
      fc.uint8Array({ maxLength: 300 }).map((value) => ({ case: "bytesVal" as const, value })),
      fc.double().map((value) => ({ case: "doubleVal" as const, value })),
      fc.boolean().map((value) => ({ case: "boolVal" as const, value })),
    );
    fc.assert(
      fc.property(init, (val) => {
        const value = create(ValueSchema, { val });
        expect(Buffer.from(encodeValueBytes(value))).toEqual(Buffer.from(toBinary(ValueSchema, value)));
      }),
      { numRuns: 2_000 },
    );
    expect(encodeValueBytes(create(ValueSchema))).toHaveLength(0);
  });

  it("writes small and boundary integers (the number fast path) as toBinary does", () => {
    const edges = [0n, 1n, 127n, 128n, 16_383n, 16_384n, 2n ** 31n, 2n ** 35n, 2n ** 53n - 1n, 2n ** 53n, -1n];
    const small = fc.oneof(fc.constantFrom(...edges), fc.bigInt({ min: 0n, max: 2n ** 53n + 10n }));
    fc.assert(
      fc.property(small, fc.constantFrom("int64Val" as const, "unixTimestampVal" as const), (value, kind) => {
        const message = create(ValueSchema, { val: { case: kind, value } });
        expect(Buffer.from(encodeValueBytes(message))).toEqual(Buffer.from(toBinary(ValueSchema, message)));
      }),
      { numRuns: 2_000 },
    );
  });
});
