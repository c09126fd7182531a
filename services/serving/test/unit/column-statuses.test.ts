import { FieldStatus } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { columnStatuses, rowStatuses } from "../../src/column-statuses.js";
import { PackedOnlineRow } from "../../src/online-store/packed-online-row.js";
import { encodePackedRow, spanPackedRow } from "../../src/online-store/packed-row.js";
import { SlotTable } from "../../src/online-store/slot-table.js";
import { sharedRowSpans } from "../../src/output-column.js";

const NULL_VAL = Uint8Array.from([0x98, 0x01, 0x00]);

describe("column statuses", () => {
  it("reads rows sharing one reply buffer (typed arrays) exactly as it reads row objects", () => {
    const cell = fc.oneof(
      fc.constant(undefined),
      fc.constant(NULL_VAL),
      fc.constant(new Uint8Array(0)),
      fc.uint8Array({ minLength: 1, maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(fc.option(fc.array(cell, { minLength: 3, maxLength: 3 })), { maxLength: 8 }), (stored) => {
        const hashes = [7, 8, 9];
        const packed = stored.map((cells, j) =>
          cells === null ? undefined : encodePackedRow(10_000 * j, hashes, cells),
        );
        const reply = Buffer.concat(packed.filter((p) => p !== undefined));
        const spans = new Int32Array(stored.length * 6).fill(-1);
        let at = 0;
        const rows = packed.map((bytes, j) => {
          if (bytes === undefined) return undefined;
          const time = spanPackedRow(reply, new SlotTable(hashes), spans, j * 6, at, at + bytes.length);
          at += bytes.length;
          return new PackedOnlineRow(reply, time, spans, j * 6, 3);
        });
        const base = rowStatuses(rows, 15_000, 40_000);
        const shared = sharedRowSpans(rows);
        for (let f = 0; f < 3; f++) {
          const viaRows = columnStatuses(rows, f, base);
          const viaShared = columnStatuses(rows, f, base, shared);
          expect(viaShared).toEqual(viaRows);
          stored.forEach((cells, r) => {
            const cellValue = cells?.[f];
            const want =
              cells === null
                ? FieldStatus.NOT_FOUND
                : cellValue === undefined
                  ? FieldStatus.NOT_FOUND
                  : cellValue.length === 0 || cellValue === NULL_VAL
                    ? FieldStatus.NULL_VALUE
                    : base.statuses[r];
            expect(viaShared.statuses[r]).toBe(want);
          });
        }
      }),
      { numRuns: 300 },
    );
  });
});
