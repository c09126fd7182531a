import { describe, expect, it } from "vitest";
import { ByteSlab, takeInt32Array } from "../../src/online-store/slabs.js";

describe("read-path slabs", () => {
  it("hands out zeroed Int32Arrays that never overlap, sharing a slab when over V8's on-heap size", () => {
    const arrays = Array.from({ length: 600 }, (_, i) => takeInt32Array(17 + (i % 50)));
    for (const [i, array] of arrays.entries()) {
      expect(array.length).toBe(17 + (i % 50));
      expect(array.every((x) => x === 0)).toBe(true);
      array.fill(i + 1);
    }
    // Each array still holds only what was written into it: no later one was carved over it.
    for (const [i, array] of arrays.entries()) expect(array.every((x) => x === i + 1)).toBe(true);
    expect(arrays[1]!.buffer).toBe(arrays[0]!.buffer);
    expect(new Set(arrays.map((a) => a.buffer)).size).toBeGreaterThan(1); // 600 × ≈41 ints fill more than one slab
  });

  it("leaves small and very large Int32Arrays on their own", () => {
    const small = takeInt32Array(16);
    expect(small.byteOffset).toBe(0);
    expect(small.buffer.byteLength).toBe(64);
    const large = takeInt32Array(8192);
    expect(large.buffer.byteLength).toBe(8192 * 4);
  });

  it("copies byte ranges into a shared slab without overwriting earlier copies", () => {
    const slab = new ByteSlab();
    const source = Buffer.from("0123456789");
    const copies = Array.from({ length: 20_000 }, (_, i) => {
      source[0] = i % 256;
      return { i, copy: slab.copy(source, 0, 4 + (i % 6)) };
    });
    for (const { i, copy } of copies) {
      expect(copy.length).toBe(4 + (i % 6));
      expect(copy[0]).toBe(i % 256);
      expect(copy.subarray(1).toString()).toBe("0123456789".slice(1, 4 + (i % 6)));
    }
    expect(copies[1]!.copy.buffer).toBe(copies[0]!.copy.buffer);
    const big = slab.copy(Buffer.alloc(40_000, 7), 0, 40_000);
    expect(big.buffer).not.toBe(copies.at(-1)!.copy.buffer);
    expect(big.every((b) => b === 7)).toBe(true);
  });
});
