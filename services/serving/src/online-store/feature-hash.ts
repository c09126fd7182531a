import murmurhash from "murmurhash";

/** murmur3_32 (seed 0, unsigned) of a UTF-8 string, as Python's mmh3 computes it. */
export function murmur3(text: string): number {
  return murmurhash.v3(text) >>> 0;
}

/** Feast's Redis hash field of a feature: 4 bytes, little-endian murmur3 of `"<view>:<feature>"` (§5h). */
export function feastFeatureField(viewName: string, feature: string): Buffer {
  const field = Buffer.allocUnsafe(4);
  field.writeUInt32LE(murmur3(`${viewName}:${feature}`), 0);
  return field;
}

/** Feast's Redis hash field holding a view's event timestamp. */
export function feastTimestampField(viewName: string): Buffer {
  return Buffer.from(`_ts:${viewName}`, "utf8");
}

/** Position of each feature name's murmur3 hash, or the two features whose hashes collide. */
export function hashSlots(
  features: readonly string[],
): { slots: Map<number, number>; hashes: number[] } | { collision: [string, string] } {
  const slots = new Map<number, number>();
  const hashes: number[] = [];
  for (let i = 0; i < features.length; i++) {
    const hash = murmur3(features[i]!);
    const previous = slots.get(hash);
    if (previous !== undefined) return { collision: [features[previous]!, features[i]!] };
    slots.set(hash, i);
    hashes.push(hash);
  }
  return { slots, hashes };
}
