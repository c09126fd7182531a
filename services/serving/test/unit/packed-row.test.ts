import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { murmur3 } from "../../src/online-store/feature-hash.js";
import {
  CorruptPackedRowError,
  decodePackedRow,
  encodePackedRow,
  encodeSortableTime,
  spanPackedRow,
} from "../../src/online-store/packed-row.js";
import { SlotTable } from "../../src/online-store/slot-table.js";

/** The values spanPackedRow locates for `slotHashes`, as byte arrays (undefined = absent). */
function spanned(packed: Buffer, slotHashes: number[], base = 0): { time: number; values: (number[] | undefined)[] } {
  const spans = new Int32Array(base + 2 * slotHashes.length).fill(-1);
  const time = spanPackedRow(packed, new SlotTable(slotHashes), spans, base);
  const values = slotHashes.map((_, s) => {
    const start = spans[base + 2 * s]!;
    return start < 0 ? undefined : [...packed.subarray(start, spans[base + 2 * s + 1])];
  });
  return { time, values };
}

const sortable = (ms: number): Buffer => {
  const out = Buffer.alloc(8);
  encodeSortableTime(ms, out, 0);
  return out;
};

describe("packed row", () => {
  it("round-trips the event time and the written features, leaving out undefined ones", () => {
    const hashes = ["a", "b", "c"].map(murmur3);
    const values = [Uint8Array.of(1, 2), undefined, new Uint8Array(0)];
    const packed = encodePackedRow(1_700_000_000_123.5, hashes, values);
    const row = decodePackedRow(packed);
    expect(row.eventTimeMs).toBe(1_700_000_000_123.5);
    expect(row.entries.map((e) => [e.hash, [...e.value]])).toEqual([
      [hashes[0], [1, 2]],
      [hashes[2], []],
    ]);
    const picked = spanned(packed, [hashes[2]!, hashes[1]!, hashes[0]!], 4);
    expect(picked.time).toBe(1_700_000_000_123.5);
    expect(picked.values).toEqual([[], undefined, [1, 2]]);
  });

  it("orders the 8-byte time prefix byte-wise like the numbers (what the Lua script compares)", () => {
    const time = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(time, time, (a, b) => {
        const order = Math.sign(Buffer.compare(sortable(a), sortable(b)));
        expect(order).toBe(a === b ? 0 : a < b ? -1 : 1);
        expect(decodePackedRow(encodePackedRow(a, [], [])).eventTimeMs).toBe(a === 0 ? 0 : a);
      }),
    );
  });

  it("round-trips arbitrary rows", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e15, max: 1e15 }),
        fc.array(fc.tuple(fc.nat({ max: 0xffffffff }), fc.uint8Array({ maxLength: 40 }))),
        (time, entries) => {
          const packed = encodePackedRow(
            time,
            entries.map((e) => e[0]),
            entries.map((e) => e[1]),
          );
          const row = decodePackedRow(packed);
          expect(row.eventTimeMs).toBe(time === 0 ? 0 : time);
          expect(row.entries.map((e) => [e.hash, [...e.value]])).toEqual(entries.map(([h, v]) => [h, [...v]]));
          // Spans find the last entry of each distinct hash, as a lookup by hash must.
          const distinct = [...new Set(entries.map((e) => e[0]))];
          const last = new Map(entries.map(([h, v]) => [h, [...v]]));
          expect(
            spanned(
              packed,
              [...distinct, 0x12345678].filter((h, i, all) => all.indexOf(h) === i),
            ),
          ).toEqual({
            time: time === 0 ? 0 : time,
            values: [...distinct.map((h) => last.get(h)), ...(distinct.includes(0x12345678) ? [] : [undefined])],
          });
        },
      ),
    );
  });

  it("never crashes on random bytes: it returns a row or throws CorruptPackedRowError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        for (const decode of [() => decodePackedRow(buffer), () => spanned(buffer, [0])]) {
          try {
            decode();
          } catch (error) {
            expect(error).toBeInstanceOf(CorruptPackedRowError);
          }
        }
      }),
    );
  });
});
