import { ValueType, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { createEntityKeyEncoder } from "@larder/serving";
import { valueFromPlain } from "../historical/batch-values.js";
import type { OfflineColumn } from "../offline-store/offline-store.js";

// Feast v3 entity keys (feast-contracts §5h) written straight from offline column values: u32 LE count ‖
// per sorted join key u32 2, u32 name length, name ‖ per value u32 type, u32 size, payload. A Value per key
// column (coerceJsonToValue) cost ≈ 1 µs a row; the usual inputs (a bigint for INT64, a string for STRING,
// ...) are written by hand and any other row goes through createEntityKeyEncoder, so the bytes and errors
// are the serving path's (checked by a property test).

/** Encodes row `r` of the key columns (in sorted join-key order) as an entity key. */
export type EntityKeyWriter = (columns: readonly (readonly unknown[])[], r: number) => Uint8Array;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Byte size of one value's payload when it can be written by hand, else -1. */
function fastSize(type: ValueType, raw: unknown): number {
  if (type === ValueType.INT64 || type === ValueType.UNIX_TIMESTAMP) {
    return typeof raw === "bigint" && raw >= INT64_MIN && raw <= INT64_MAX ? 8 : -1;
  }
  if (type === ValueType.INT32) {
    return typeof raw === "number" && Number.isInteger(raw) && raw >= INT32_MIN && raw <= INT32_MAX ? 4 : -1;
  }
  if (type === ValueType.STRING) return typeof raw === "string" ? Buffer.byteLength(raw, "utf8") : -1;
  if (type === ValueType.BYTES) return raw instanceof Uint8Array ? raw.length : -1;
  return -1;
}

function writePayload(out: Buffer, at: number, type: ValueType, raw: unknown, size: number): void {
  if (type === ValueType.INT32) out.writeInt32LE(raw as number, at);
  else if (type === ValueType.STRING) out.write(raw as string, at, size, "utf8");
  else if (type === ValueType.BYTES) out.set(raw as Uint8Array, at);
  else out.writeBigInt64LE(raw as bigint, at);
}

/** The key header of sorted join keys (as entityKeyHeader in @larder/serving writes it). */
function keyHeader(joinKeys: readonly OfflineColumn[]): Buffer {
  const names = joinKeys.map((k) => Buffer.from(k.name, "utf8"));
  const header = Buffer.alloc(4 + names.reduce((n, b) => n + 8 + b.length, 0));
  let pos = header.writeUInt32LE(names.length, 0);
  joinKeys.forEach((key, i) => {
    pos = header.writeUInt32LE(ValueType.STRING, pos);
    pos = header.writeUInt32LE(key.name.length, pos);
    pos += names[i]!.copy(header, pos);
  });
  return header;
}

/** Creates the key writer of a view's join keys (sorted by name, with their declared types). */
export function createEntityKeyWriter(joinKeys: readonly OfflineColumn[], viewName: string): EntityKeyWriter {
  const generic = createEntityKeyEncoder(
    joinKeys.map((k) => k.name),
    joinKeys.map((k) => k.type),
  );
  const types = joinKeys.map((k) => k.type);
  const wheres = joinKeys.map((k) => `${viewName}.${k.name}`);
  const header = keyHeader(joinKeys);
  const sizes = new Array<number>(joinKeys.length);
  const values = new Array<Value>(joinKeys.length);
  return (columns, r) => {
    let total = header.length;
    for (let k = 0; k < types.length; k++) {
      const size = fastSize(types[k]!, columns[k]![r]);
      if (size < 0) {
        for (let j = 0; j < types.length; j++) values[j] = valueFromPlain(columns[j]![r], types[j]!, wheres[j]!);
        return generic(values);
      }
      sizes[k] = size;
      total += 8 + size;
    }
    const out = Buffer.allocUnsafe(total);
    let pos = header.copy(out, 0);
    for (let k = 0; k < types.length; k++) {
      pos = out.writeUInt32LE(types[k]!, pos);
      pos = out.writeUInt32LE(sizes[k]!, pos);
      writePayload(out, pos, types[k]!, columns[k]![r], sizes[k]!);
      pos += sizes[k]!;
    }
    return out;
  };
}
