import { create } from "@bufbuild/protobuf";
import { ValueSchema } from "@larder/gen/es/larder/types/v1/value_pb";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TopK } from "../../src/documents/top-k.js";
import { distance, norm } from "../../src/documents/vector-distance.js";
import { deserializeEntityKey } from "../../src/entity-key/deserialize.js";
import { serializeEntityKey } from "../../src/entity-key/serialize.js";

describe("document retrieval parts", () => {
  it("TopK keeps exactly the k smallest distances, nearest first", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 })),
        fc.integer({ min: 1, max: 20 }),
        (xs, k) => {
          const top = new TopK<number>(k);
          xs.forEach((x, i) => top.offer(x, i));
          const expected = [...xs].sort((a, b) => a - b).slice(0, k);
          expect(top.sorted().map((h) => h.distance)).toEqual(expected);
        },
      ),
    );
  });

  it("computes cosine and l2 distances", () => {
    expect(distance("l2", [0, 0], 0, [3, 4])).toBe(5);
    expect(distance("cosine", [1, 0], norm([1, 0]), [0, 2])).toBeCloseTo(1);
    expect(distance("cosine", [1, 1], norm([1, 1]), [2, 2])).toBeCloseTo(0);
    expect(distance("cosine", [1, 0], 1, [0, 0])).toBe(1);
  });

  it("decodes what serializeEntityKey wrote, composite keys in sorted order", () => {
    const key = serializeEntityKey(
      ["driver_id", "customer_id"],
      [
        create(ValueSchema, { val: { case: "int64Val", value: -5n } }),
        create(ValueSchema, { val: { case: "stringVal", value: "c-ø" } }),
      ],
    );
    const decoded = deserializeEntityKey(key);
    expect(decoded.joinKeys).toEqual(["customer_id", "driver_id"]);
    expect(decoded.values.map((v) => v.val.value)).toEqual(["c-ø", -5n]);
    expect(() => deserializeEntityKey(key.subarray(0, key.length - 1))).toThrow(/truncated|out of range/);
  });
});
