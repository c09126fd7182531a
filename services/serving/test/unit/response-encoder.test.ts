import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FieldStatus, GetOnlineFeaturesResponseSchema } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { ValueSchema } from "@larder/gen/es/larder/types/v1/value_pb";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeNameField, encodeOnlineResponse } from "../../src/response-encoder.js";
import { PackedOnlineRow } from "../../src/online-store/packed-online-row.js";
import { encodePackedRow, spanPackedRow } from "../../src/online-store/packed-row.js";
import { SlotTable } from "../../src/online-store/slot-table.js";
import { ReadColumn, sharedRowSpans, type OutputColumn } from "../../src/output-column.js";

const valueBytes = (x: number) => toBinary(ValueSchema, create(ValueSchema, { val: { case: "doubleVal", value: x } }));

type Column = Parameters<typeof encodeOnlineResponse>[0][number];

/** The same message written with protobuf-es's BinaryWriter: the hand encoder must match it byte for byte. */
function referenceEncode(columns: readonly Column[]): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).fork();
  w.tag(1, WireType.LengthDelimited).fork();
  for (const column of columns) w.tag(1, WireType.LengthDelimited).string(column.name);
  w.join().join();
  for (const column of columns) {
    w.tag(2, WireType.LengthDelimited).fork();
    for (const value of column.values) w.tag(1, WireType.LengthDelimited).bytes(value);
    w.tag(2, WireType.LengthDelimited).fork();
    for (const status of column.statuses) w.int32(status);
    w.join();
    for (const ms of column.timestampsMs) {
      w.tag(3, WireType.LengthDelimited).fork();
      if (ms !== 0) {
        const seconds = Math.floor(ms / 1000);
        const nanos = Math.round((ms - seconds * 1000) * 1e6);
        if (seconds !== 0) w.tag(1, WireType.Varint).int64(seconds);
        if (nanos !== 0) w.tag(2, WireType.Varint).int32(nanos);
      }
      w.join();
    }
    w.join();
  }
  return w.finish();
}

/** Row-backed columns encode to the bytes of the same columns with their values materialized. */
function expectSameAsMaterialized(columns: readonly OutputColumn[]): void {
  const materialized = columns.map((c) => ({
    name: c.name,
    values: c.values,
    statuses: c.statuses,
    timestampsMs: c.timestampsMs,
  }));
  expect(Buffer.from(encodeOnlineResponse(columns))).toEqual(Buffer.from(referenceEncode(materialized)));
}

describe("encodeOnlineResponse", () => {
  it("decodes with the generated decoder to the same response, copying stored Value bytes as they are", () => {
    const bytes = encodeOnlineResponse([
      { name: "driver_id", values: [valueBytes(1)], statuses: [FieldStatus.PRESENT], timestampsMs: [0] },
      {
        name: "conv_rate",
        values: [valueBytes(0.5), new Uint8Array(0)],
        statuses: [FieldStatus.OUTSIDE_MAX_AGE, FieldStatus.NOT_FOUND],
        timestampsMs: [1_700_000_000_123, 0],
      },
    ]);
    const decoded = fromBinary(GetOnlineFeaturesResponseSchema, bytes);
    expect(decoded.metadata?.featureNames?.val).toEqual(["driver_id", "conv_rate"]);
    expect(decoded.results[1]?.values.map((v) => v.val)).toEqual([
      { case: "doubleVal", value: 0.5 },
      { case: undefined },
    ]);
    expect(decoded.results[1]?.statuses).toEqual([FieldStatus.OUTSIDE_MAX_AGE, FieldStatus.NOT_FOUND]);
    expect(decoded.results[1]?.eventTimestamps.map((t) => [t.seconds, t.nanos])).toEqual([
      [1_700_000_000n, 123_000_000],
      [0n, 0],
    ]);
  });

  it("encodes big answers (≈ 90 KB, ≈ 4.5 MB, long body lengths) and small ones after them byte for byte", () => {
    const column = (name: string, rows: number, valueBytes: number) => ({
      name,
      values: Array.from({ length: rows }, (_, r) => new Uint8Array(valueBytes).fill(r % 251)),
      statuses: Array.from({ length: rows }, () => FieldStatus.PRESENT),
      timestampsMs: Array.from({ length: rows }, (_, r) => 1_700_000_000_000 + r),
    });
    const answers = [
      [column("a", 300, 100), column("b", 300, 100), column("c", 300, 100)],
      [column("huge", 45, 100_000)],
      [column("small", 1, 8)],
      [column("a", 300, 100), column("small", 1, 8)],
    ];
    for (const columns of answers) {
      const bytes = Buffer.from(encodeOnlineResponse(columns));
      // Buffer#equals: a deep toEqual of 5 MB takes seconds.
      expect(bytes.equals(Buffer.from(referenceEncode(columns))), columns[0]!.name).toBe(true);
    }
  });

  it("writes the same bytes as protobuf-es's writer, for negative, fractional and far times and long values", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.string({ unit: "grapheme", maxLength: 200 }),
            cells: fc.array(
              fc.tuple(
                fc.uint8Array({ maxLength: 300 }),
                fc.constantFrom(0, 1, 2, 3, 4, 5),
                fc.oneof(
                  fc.constant(0),
                  fc.integer({ min: -8_000_000_000_000, max: 8_000_000_000_000 }),
                  fc.double({ min: -1e15, max: 1e15, noNaN: true }),
                ),
              ),
              { maxLength: 20 },
            ),
          }),
          { maxLength: 6 },
        ),
        (columns) => {
          const rows: Column[] = columns.map((c) => ({
            name: c.name,
            values: c.cells.map(([bytes]) => bytes),
            statuses: c.cells.map(([, s]) => s as FieldStatus),
            timestampsMs: c.cells.map(([, , ms]) => ms),
          }));
          expect(Buffer.from(encodeOnlineResponse(rows))).toEqual(Buffer.from(referenceEncode(rows)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("round-trips random columns", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.string(),
            cells: fc.array(
              fc.tuple(
                fc.double({ noNaN: true }),
                fc.constantFrom(1, 2, 3, 4),
                fc.integer({ min: 0, max: 4_000_000_000_000 }),
              ),
            ),
          }),
          { maxLength: 5 },
        ),
        (columns) => {
          const rows = columns.map((c) => ({
            name: c.name,
            values: c.cells.map(([x]) => valueBytes(x)),
            statuses: c.cells.map(([, s]) => s),
            timestampsMs: c.cells.map(([, , ms]) => ms),
          }));
          const decoded = fromBinary(GetOnlineFeaturesResponseSchema, encodeOnlineResponse(rows));
          expect(decoded.metadata?.featureNames?.val ?? []).toEqual(columns.map((c) => c.name));
          decoded.results.forEach((vector, i) => {
            expect(vector.statuses).toEqual(rows[i]!.statuses);
            expect(vector.eventTimestamps.map((t) => Number(t.seconds) * 1000 + t.nanos / 1e6)).toEqual(
              rows[i]!.timestampsMs,
            );
            expect(vector.values.map((v) => (v.val.case === "doubleVal" ? v.val.value : undefined))).toEqual(
              columns[i]!.cells.map(([x]) => x),
            );
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("copies values straight from stored rows (spans of packed rows, or plain rows) as from materialized values", () => {
    const cell = fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(
          fc.option(fc.tuple(fc.integer({ min: 0, max: 4e12 }), fc.array(cell, { minLength: 4, maxLength: 4 }))),
          {
            maxLength: 6,
          },
        ),
        fc.boolean(),
        (features, stored, packed) => {
          const hashes = [11, 22, 33, 44].slice(0, features);
          const spans = new Int32Array(stored.length * 2 * features).fill(-1);
          const rows = stored.map((entry, j) => {
            if (entry === null) return undefined;
            const [ms, cells] = entry;
            if (!packed) return { eventTimeMs: ms, values: cells.slice(0, features) };
            const bytes = encodePackedRow(ms, hashes, cells.slice(0, features));
            const base = j * 2 * features;
            const time = spanPackedRow(bytes, new SlotTable(hashes), spans, base);
            return new PackedOnlineRow(bytes, time, spans, base, features);
          });
          const columns = hashes.map(
            (_, f) =>
              new ReadColumn(
                `f${f}`,
                f % 2 === 0 ? encodeNameField(`f${f}`) : undefined,
                rows.map(() => FieldStatus.PRESENT),
                rows.map((row) => row?.eventTimeMs ?? 0),
                undefined,
                rows,
                f,
              ),
          );
          expectSameAsMaterialized(columns);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("copies values from rows that are spans of one reply buffer (the raw MGET path) as from materialized values", () => {
    const cell = fc.option(fc.uint8Array({ maxLength: 200 }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.option(fc.array(cell, { minLength: 4, maxLength: 4 })), { maxLength: 8 }),
        (features, stored) => {
          const hashes = [11, 22, 33, 44].slice(0, features);
          // The rows back to back in one buffer, after some unrelated bytes, as in an MGET reply.
          const packed = stored.map((cells, j) =>
            cells === null ? undefined : encodePackedRow(1_000 + j, hashes, cells),
          );
          const reply = Buffer.concat([Buffer.from("*9\r\n"), ...packed.filter((p) => p !== undefined)]);
          const spans = new Int32Array(stored.length * 2 * features).fill(-1);
          let at = 4;
          const rows = packed.map((bytes, j) => {
            if (bytes === undefined) return undefined;
            const base = j * 2 * features;
            const time = spanPackedRow(reply, new SlotTable(hashes), spans, base, at, at + bytes.length);
            at += bytes.length;
            return new PackedOnlineRow(reply, time, spans, base, features);
          });
          const shared = sharedRowSpans(rows);
          expect(shared === undefined).toBe(rows.every((row) => row === undefined));
          const columns = hashes.map(
            (_, f) =>
              new ReadColumn(
                `f${f}`,
                f % 2 === 0 ? encodeNameField(`f${f}`) : undefined,
                rows.map(() => FieldStatus.PRESENT),
                rows.map((row) => row?.eventTimeMs ?? 0),
                undefined,
                rows,
                f,
                shared,
              ),
          );
          expectSameAsMaterialized(columns);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads rows as shared spans only when they share one source and one span array", () => {
    const spans = new Int32Array(4).fill(-1);
    const source = Buffer.alloc(4);
    const a = new PackedOnlineRow(source, 1, spans, 0, 1);
    const b = new PackedOnlineRow(source, 1, spans, 2, 1);
    expect(sharedRowSpans([a, undefined, b])?.rowBase).toEqual(Int32Array.from([0, -1, 2]));
    expect(sharedRowSpans([a, new PackedOnlineRow(Buffer.alloc(4), 1, spans, 2, 1)])).toBeUndefined();
    expect(sharedRowSpans([a, new PackedOnlineRow(source, 1, new Int32Array(4), 2, 1)])).toBeUndefined();
    expect(sharedRowSpans([a, { eventTimeMs: 1, values: [] }])).toBeUndefined();
  });
});
