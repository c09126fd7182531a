import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FieldStatus, GetOnlineFeaturesResponseSchema } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { ValueSchema } from "@larder/gen/es/larder/types/v1/value_pb";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeOnlineResponse } from "../../src/response-encoder.js";

const valueBytes = (x: number) => toBinary(ValueSchema, create(ValueSchema, { val: { case: "doubleVal", value: x } }));

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
});
