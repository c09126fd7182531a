import { toBinary } from "@bufbuild/protobuf";
import { coerceJsonToValue } from "@larder/core";
import { ValueSchema, ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { createEntityKeyEncoder } from "@larder/serving";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEntityKeyWriter } from "../../src/engine/entity-key-writer.js";
import { createRowEncoder } from "../../src/engine/row-encoder.js";
import { ValueArena } from "../../src/engine/value-arena.js";
import { createValueWriter } from "../../src/engine/value-writers.js";
import { valueFromPlain } from "../../src/historical/batch-values.js";
import type { MaterializableView } from "../../src/engine/view-plan.js";

/**
 * The generic path the hand writers must match: a Value per cell as the batch convention reads it
 * (valueFromPlain: timestamps are epoch ms in batches), then toBinary (or the error it throws).
 */
function genericBytes(raw: unknown, type: ValueType): Buffer | string {
  try {
    return Buffer.from(toBinary(ValueSchema, valueFromPlain(raw ?? null, type, "v.f")));
  } catch (error) {
    return (error as Error).message;
  }
}

function writerBytes(raw: unknown, type: ValueType): Buffer | string {
  const arena = new ValueArena(1);
  try {
    createValueWriter(type, "v.f")(arena, raw);
  } catch (error) {
    return (error as Error).message;
  }
  return Buffer.from(arena.bytes.subarray(0, arena.pos));
}

/** Inputs of every kind an offline column may hold, including ones a type does not accept. */
const anyInput = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.bigInt({ min: -(2n ** 31n) - 2n, max: 2n ** 31n + 2n }),
  fc.integer(),
  fc.integer({ min: -200, max: 200 }),
  fc.maxSafeInteger(),
  fc.double(),
  fc.float().map((x) => x),
  fc.constantFrom(0, -0, 1, NaN, Infinity, -Infinity, 3.5e38, -3.5e38, 2 ** 53, -(2 ** 53)),
  fc.boolean(),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("12", " -7 ", "1.5", "nan", "true", "0"),
  fc.uint8Array({ maxLength: 300 }),
  fc.array(fc.integer(), { maxLength: 3 }),
);

const FAST_TYPES = [
  ValueType.INT64,
  ValueType.INT32,
  ValueType.FLOAT,
  ValueType.DOUBLE,
  ValueType.BOOL,
  ValueType.STRING,
  ValueType.BYTES,
];
const OTHER_TYPES = [ValueType.UNIX_TIMESTAMP, ValueType.INT64_LIST, ValueType.DOUBLE_LIST, ValueType.JSON];

describe("createValueWriter", () => {
  it.each([...FAST_TYPES, ...OTHER_TYPES].map((type) => [ValueType[type], type] as const))(
    "writes the bytes (or throws the error) of valueFromPlain + toBinary for %s",
    (_name, type) => {
      fc.assert(
        fc.property(anyInput, (raw) => {
          expect(writerBytes(raw, type)).toEqual(genericBytes(raw, type));
        }),
        { numRuns: 3_000 },
      );
    },
  );

  it("writes nothing for null: an unset Value is empty", () => {
    for (const type of FAST_TYPES) expect(writerBytes(null, type)).toEqual(Buffer.alloc(0));
  });

  it("grows the arena past its first capacity without corrupting earlier values", () => {
    const arena = new ValueArena(1);
    const write = createValueWriter(ValueType.STRING, "v.f");
    const texts = Array.from({ length: 200 }, (_, i) => "é".repeat(i));
    const ends = texts.map((text) => {
      write(arena, text);
      return arena.pos;
    });
    texts.forEach((text, i) => {
      const bytes = arena.bytes.subarray(i === 0 ? 0 : ends[i - 1], ends[i]);
      expect(Buffer.from(bytes)).toEqual(genericBytes(text, ValueType.STRING));
    });
  });
});

describe("createEntityKeyWriter", () => {
  const keyTypes = fc.constantFrom(
    ValueType.INT64,
    ValueType.INT32,
    ValueType.STRING,
    ValueType.BYTES,
    ValueType.UNIX_TIMESTAMP,
    ValueType.UNSPECIFIED,
  );

  it("writes the bytes (or throws the error) of createEntityKeyEncoder for one and two join keys", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(keyTypes, anyInput), { minLength: 1, maxLength: 2 }), (cells) => {
        const joinKeys = cells.map(([type], i) => ({ name: i === 0 ? "a_id" : "b_id", type }));
        const generic = createEntityKeyEncoder(
          joinKeys.map((k) => k.name),
          joinKeys.map((k) => k.type),
        );
        const expected = ((): Buffer | string => {
          try {
            return generic(cells.map(([type, raw], i) => valueFromPlain(raw ?? null, type, `v.${joinKeys[i]!.name}`)));
          } catch (error) {
            return (error as Error).message;
          }
        })();
        const actual = ((): Buffer | string => {
          try {
            return Buffer.from(
              createEntityKeyWriter(joinKeys, "v")(
                cells.map(([, raw]) => [raw]),
                0,
              ),
            );
          } catch (error) {
            return (error as Error).message;
          }
        })();
        expect(actual).toEqual(expected);
      }),
      { numRuns: 3_000 },
    );
  });
});

describe("createRowEncoder", () => {
  const view = {
    name: "stats",
    offline: {
      name: "stats",
      joinKeys: [{ name: "driver_id", type: ValueType.INT64 }],
      features: [
        { name: "rate", type: ValueType.FLOAT },
        { name: "trips", type: ValueType.INT64 },
        { name: "label", type: ValueType.STRING },
      ],
      ttlSeconds: 0,
    },
  } as unknown as MaterializableView;

  it("encodes rows as the generic path does: keys, times, created times and every value (nulls empty)", () => {
    const encode = createRowEncoder(view);
    const rows = encode({
      rowCount: 3,
      columns: new Map<string, unknown[]>([
        ["driver_id", [1001n, 1002n, 1003n]],
        ["rate", [0.5, null, 1e-3]],
        ["trips", [10n, 20n, null]],
        ["label", ["a", "ünï", null]],
        ["event_timestamp", [1_000, 2_000, 3_000]],
        ["created_timestamp", [1_500, null, 3_500]],
      ]),
    });
    const key = createEntityKeyEncoder(["driver_id"], [ValueType.INT64]);
    expect(
      rows.map((row) => ({
        entityKey: Buffer.from(row.entityKey),
        eventTimeMs: row.eventTimeMs,
        createdTimeMs: row.createdTimeMs,
        values: row.values.map((v) => Buffer.from(v!)),
      })),
    ).toEqual([
      {
        entityKey: key([coerceJsonToValue(1001n, ValueType.INT64, "")]),
        eventTimeMs: 1_000,
        createdTimeMs: 1_500,
        values: [
          genericBytes(0.5, ValueType.FLOAT),
          genericBytes(10n, ValueType.INT64),
          genericBytes("a", ValueType.STRING),
        ],
      },
      {
        entityKey: key([coerceJsonToValue(1002n, ValueType.INT64, "")]),
        eventTimeMs: 2_000,
        values: [Buffer.alloc(0), genericBytes(20n, ValueType.INT64), genericBytes("ünï", ValueType.STRING)],
      },
      {
        entityKey: key([coerceJsonToValue(1003n, ValueType.INT64, "")]),
        eventTimeMs: 3_000,
        createdTimeMs: 3_500,
        values: [genericBytes(1e-3, ValueType.FLOAT), Buffer.alloc(0), Buffer.alloc(0)],
      },
    ]);
  });
});
