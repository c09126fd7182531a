import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { GetOnlineFeaturesRequestSchema } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createOnlineRequestDecoder } from "../../src/request-decoder.js";

const decodeOnlineRequest = createOnlineRequestDecoder();

const value = (val: Value["val"]): Value => create(ValueSchema, { val });

const arbValue: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(value({ case: undefined })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => value({ case: "int64Val", value: n })),
  fc.integer({ min: 0, max: 1_000_000 }).map((n) => value({ case: "int64Val", value: BigInt(n) })),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((n) => value({ case: "int32Val", value: n })),
  fc.string({ unit: "grapheme", maxLength: 12 }).map((s) => value({ case: "stringVal", value: s })),
  fc.string({ maxLength: 12 }).map((s) => value({ case: "stringVal", value: s })),
  fc.uint8Array({ maxLength: 12 }).map((b) => value({ case: "bytesVal", value: b })),
  fc.double().map((x) => value({ case: "doubleVal", value: x })),
  fc.float().map((x) => value({ case: "floatVal", value: x })),
  fc.boolean().map((b) => value({ case: "boolVal", value: b })),
  fc.bigInt({ min: 0n, max: 2n ** 40n }).map((n) => value({ case: "unixTimestampVal", value: n })),
  fc
    .array(fc.string({ maxLength: 4 }), { maxLength: 3 })
    .map((val) => create(ValueSchema, { val: { case: "stringListVal", value: { val } } })),
);

const arbColumns = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("driver_id", "", "__proto__", "1", "é")),
  fc.array(arbValue, { maxLength: 5 }).map((val) => ({ val })),
  { maxKeys: 3 },
);

const arbRequest = fc
  .record({
    kind: fc.oneof(
      fc.constant({ case: undefined }),
      fc.string({ maxLength: 10 }).map((value) => ({ case: "featureService" as const, value })),
      fc
        .array(fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: "grapheme", maxLength: 6 })), { maxLength: 6 })
        .map((val) => ({ case: "features" as const, value: { val } })),
    ),
    entities: arbColumns,
    fullFeatureNames: fc.boolean(),
    requestContext: arbColumns,
    includeFeatureViewVersionMetadata: fc.boolean(),
  })
  .map((init) => toBinary(GetOnlineFeaturesRequestSchema, create(GetOnlineFeaturesRequestSchema, init)));

/** The generated decoder's outcome: the message, or that it threw. */
function generated(bytes: Uint8Array): { message: unknown } | { threw: true } {
  try {
    return { message: fromBinary(GetOnlineFeaturesRequestSchema, bytes) };
  } catch {
    return { threw: true };
  }
}

function expectSameAsGenerated(bytes: Uint8Array): void {
  const expected = generated(bytes);
  if ("threw" in expected) expect(() => decodeOnlineRequest(bytes)).toThrow();
  else expect(decodeOnlineRequest(bytes)).toStrictEqual(expected.message);
}

describe("createOnlineRequestDecoder", () => {
  it("decodes what clients send to the same message as the generated decoder", () => {
    fc.assert(
      fc.property(arbRequest, (bytes) => expectSameAsGenerated(bytes)),
      { numRuns: 1_000 },
    );
  });

  it("agrees with the generated decoder on Buffers and on corrupted or random bytes", () => {
    fc.assert(
      fc.property(arbRequest, fc.nat(), fc.integer({ min: 0, max: 255 }), (bytes, at, byte) => {
        const corrupted = Uint8Array.from(bytes);
        if (corrupted.length > 0) corrupted[at % corrupted.length] = byte;
        expectSameAsGenerated(Buffer.from(corrupted));
        expectSameAsGenerated(corrupted.subarray(0, at % (corrupted.length + 1)));
      }),
      { numRuns: 1_000 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => expectSameAsGenerated(bytes)));
  });

  it("decodes a repeated feature list to one frozen array, and a different list to another", () => {
    const decode = createOnlineRequestDecoder();
    const request = (refs: string[]) =>
      Buffer.from(
        toBinary(
          GetOnlineFeaturesRequestSchema,
          create(GetOnlineFeaturesRequestSchema, { kind: { case: "features", value: { val: refs } } }),
        ),
      );
    const refsOf = (bytes: Uint8Array) => {
      const kind = decode(bytes).kind;
      return kind.case === "features" ? kind.value.val : [];
    };
    const first = refsOf(request(["v:a", "v:b"]));
    expect(refsOf(request(["v:a", "v:b"]))).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(refsOf(request(["v:a", "v:c"]))).toEqual(["v:a", "v:c"]);
    for (let i = 0; i < 40; i++) expect(refsOf(request([`v:${i}`]))).toEqual([`v:${i}`]);
    expect(refsOf(request(["v:a", "v:b"]))).toEqual(["v:a", "v:b"]);
  });

  it("reads the benchmark's request shape (refs and INT64 entity keys)", () => {
    const bytes = toBinary(
      GetOnlineFeaturesRequestSchema,
      create(GetOnlineFeaturesRequestSchema, {
        kind: { case: "features", value: { val: ["driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate"] } },
        entities: { driver_id: { val: [value({ case: "int64Val", value: 1001n })] } },
      }),
    );
    const decoded = decodeOnlineRequest(Buffer.from(bytes));
    expect(decoded).toStrictEqual(fromBinary(GetOnlineFeaturesRequestSchema, bytes));
    expect(decoded.entities.driver_id?.val[0]?.val).toEqual({ case: "int64Val", value: 1001n });
  });
});
