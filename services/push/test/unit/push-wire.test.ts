import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { PushRequestSchema, PushResponseSchema, type PushRequest } from "@larder/gen/es/larder/push/v1/push_service_pb";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodePushRequest, valueBytesOf } from "../../src/push-request-decoder.js";
import { encodePushResponse } from "../../src/push-response-encoder.js";
import { encodeValueBytes } from "@larder/serving";

type ValueInit = MessageInitShape<typeof ValueSchema>;

/** Values of every kind the hand codecs treat specially, plus a list (the reflective fallback). */
const valueInit: fc.Arbitrary<ValueInit> = fc.oneof(
  fc.constant<ValueInit>({}),
  fc.constant<ValueInit>({ val: { case: "nullVal", value: 0 } }),
  fc
    .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
    .map((n): ValueInit => ({ val: { case: "int64Val", value: n } })),
  fc.integer({ min: 0, max: 2 ** 40 }).map((n): ValueInit => ({ val: { case: "int64Val", value: BigInt(n) } })),
  fc.integer().map((n): ValueInit => ({ val: { case: "int32Val", value: n } })),
  fc.double().map((x): ValueInit => ({ val: { case: "doubleVal", value: x } })),
  fc.float().map((x): ValueInit => ({ val: { case: "floatVal", value: x } })),
  fc.boolean().map((b): ValueInit => ({ val: { case: "boolVal", value: b } })),
  fc.string({ unit: "grapheme" }).map((s): ValueInit => ({ val: { case: "stringVal", value: s } })),
  fc.string().map((s): ValueInit => ({ val: { case: "stringVal", value: s } })),
  fc.uint8Array({ maxLength: 200 }).map((b): ValueInit => ({ val: { case: "bytesVal", value: b } })),
  fc.bigInt({ min: 0n, max: 2n ** 40n }).map((n): ValueInit => ({ val: { case: "unixTimestampVal", value: n } })),
  fc.array(fc.double(), { maxLength: 4 }).map((val): ValueInit => ({ val: { case: "doubleListVal", value: { val } } })),
);

const requestInit = fc.record({
  pushSourceName: fc.string(),
  columns: fc.dictionary(
    fc.string({ maxLength: 12 }),
    fc.array(valueInit, { maxLength: 6 }).map((val) => ({ val })),
    { maxKeys: 5 },
  ),
  to: fc.integer({ min: 0, max: 3 }),
  allowRegistryCache: fc.boolean(),
  transformOnWrite: fc.boolean(),
  idempotencyKey: fc.string(),
  skipTransformOnWrite: fc.boolean(),
});

/** Every column's remembered Value bytes are what toBinary writes for its decoded Value. */
function expectBytesMatchValues(request: PushRequest): void {
  for (const column of Object.values(request.columns)) {
    const bytes = valueBytesOf(column);
    if (bytes === undefined) continue;
    expect(bytes.length).toBe(column.val.length);
    column.val.forEach((value, i) => expect(Buffer.from(bytes[i]!)).toEqual(Buffer.from(toBinary(ValueSchema, value))));
  }
}

describe("PushRequest hand decoder", () => {
  it("decodes exactly what fromBinary decodes; remembered cell bytes equal toBinary of their Value", () => {
    fc.assert(
      fc.property(requestInit, (init) => {
        const bytes = toBinary(PushRequestSchema, create(PushRequestSchema, init));
        const decoded = decodePushRequest(bytes);
        expect(decoded).toEqual(fromBinary(PushRequestSchema, bytes));
        expectBytesMatchValues(decoded);
      }),
      { numRuns: 300 },
    );
  }, 30_000);

  it("keeps the cells' bytes for the canonical encoding of scalar cells", () => {
    const request = create(PushRequestSchema, {
      pushSourceName: "s",
      columns: {
        id: { val: [{ val: { case: "int64Val", value: 7n } }, { val: { case: "int64Val", value: 0n } }] },
        city: { val: [{ val: { case: "stringVal", value: "Zürich" } }, {}] },
        x: { val: [{ val: { case: "floatVal", value: 0.5 } }, { val: { case: "nullVal", value: 0 } }] },
      },
    });
    const decoded = decodePushRequest(toBinary(PushRequestSchema, request));
    for (const column of Object.values(decoded.columns)) expect(valueBytesOf(column)).toHaveLength(2);
    expectBytesMatchValues(decoded);
  });

  it("leaves encodings toBinary would not write to the generated decoder (no remembered bytes)", () => {
    const columnWith = (valueBytes: number[]): Uint8Array => {
      // PushRequest { columns { key: "c", value: RepeatedValue { val: <valueBytes> } } }
      const repeated = [0x0a, valueBytes.length, ...valueBytes];
      const entry = [0x0a, 0x01, 0x63, 0x12, repeated.length, ...repeated];
      return Uint8Array.from([0x12, entry.length, ...entry]);
    };
    const cases = {
      "padded varint": [0x20, 0x85, 0x00],
      "two fields in one Value": [0x20, 0x01, 0x20, 0x02],
      "a NaN payload": [0x35, 0x01, 0x00, 0xc0, 0x7f],
      "bool 2": [0x38, 0x02],
    };
    for (const [what, valueBytes] of Object.entries(cases)) {
      const bytes = columnWith(valueBytes);
      const decoded = decodePushRequest(bytes);
      expect(decoded, what).toEqual(fromBinary(PushRequestSchema, bytes));
      expect(valueBytesOf(decoded.columns.c!), what).toBeUndefined();
    }
  });

  it("throws on bytes that are not a PushRequest (truncated, invalid UTF-8), as fromBinary does", () => {
    expect(() => decodePushRequest(Uint8Array.of(0x12, 0x05, 0x0a))).toThrow();
    // columns { key: "c", value { val { string_val: 0xff } } }
    const invalidText = Uint8Array.of(0x12, 0x0a, 0x0a, 0x01, 0x63, 0x12, 0x05, 0x0a, 0x03, 0x12, 0x01, 0xff);
    expect(() => fromBinary(PushRequestSchema, invalidText)).toThrow();
    expect(() => decodePushRequest(invalidText)).toThrow();
  });
});

describe("hand encoders", () => {
  it("encodeValueBytes equals toBinary for every value kind", () => {
    fc.assert(
      fc.property(valueInit, (init) => {
        const value: Value = create(ValueSchema, init);
        expect(Buffer.from(encodeValueBytes(value))).toEqual(Buffer.from(toBinary(ValueSchema, value)));
      }),
      { numRuns: 2_000 },
    );
  }, 30_000);

  it("encodePushResponse equals toBinary of the PushResponse", () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(fc.string()),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.nat(),
        (rows, featureViews, rowsWrittenOnline, rowsWrittenOffline) => {
          const result = {
            rows,
            featureViews,
            rowsWrittenOnline,
            rowsWrittenOffline,
            perView: {},
            queuedOffline: false,
          };
          const message = create(PushResponseSchema, {
            rows: BigInt(rows),
            featureViews,
            rowsWrittenOnline: BigInt(rowsWrittenOnline),
            rowsWrittenOffline: BigInt(rowsWrittenOffline),
          });
          expect(Buffer.from(encodePushResponse(result))).toEqual(Buffer.from(toBinary(PushResponseSchema, message)));
        },
      ),
      { numRuns: 300 },
    );
  }, 30_000);
});
